// The preload: exposes `window.disobey`, and nothing else crosses the bridge (no raw ipcRenderer):
//   call(name, args)   one contract call, by name (the contract's names only), over IPC
//   onEvent(listener)  the contract's events; answers the function that unsubscribes
//   pathForFile(file)  the file-system path of a File the user dropped on the page or chose in
//                      a file input ("" for a File made in the page); Electron removed File.path
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
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
  pathForFile(file: unknown): string {
    try {
      return webUtils.getPathForFile(file as File);
    } catch {
      throw new TypeError('pathForFile takes a File (from a drop or a file input)');
    }
  },
});
