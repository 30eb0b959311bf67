// The preload: exposes `window.disobey` with one `call` limited to the contract's names and
// an event subscription. No raw ipcRenderer crosses the bridge.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { ipcChannel, isCallName, IPC_EVENT_CHANNEL } from '../shared/contract.js';

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

contextBridge.exposeInMainWorld('disobey', {
  async call(name: unknown, args: unknown): Promise<unknown> {
    if (!isCallName(name)) throw new Error(`unknown call ${String(name)}`);
    const reply = (await ipcRenderer.invoke(ipcChannel(name), args)) as Reply;
    if (!reply.ok) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
    return reply.result;
  },
  onEvent(listener: (event: unknown) => void): () => void {
    const forward = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, forward);
    return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, forward);
  },
});
