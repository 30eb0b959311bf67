// The IPC side of a contract call without Electron: dispatch over the 'ipc' transport and the
// reply as plain data (a rejected invoke would lose the error's code), so plain Node tests drive
// exactly what the handler in index.ts sends back.
import type { CallName } from '../../shared/contract.js';
import { toWireError, type WireError } from '../../shared/errors.js';
import type { AppServices } from '../services/appServices.js';

export type IpcReply = { ok: true; result: unknown } | { ok: false; error: WireError };

export async function answerIpcCall(services: Pick<AppServices, 'dispatch'>, name: CallName, args: unknown): Promise<IpcReply> {
  try {
    return { ok: true, result: await services.dispatch(name, args, 'ipc') };
  } catch (err) {
    return { ok: false, error: toWireError(err) };
  }
}
