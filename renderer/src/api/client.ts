// The renderer's one client for the contract, independent of how calls travel: arguments are
// checked against the contract before anything is sent, results are parsed on the way back,
// and events are parsed and fanned out to subscribers. Transports (IPC, HTTP) plug in below.
import type { z } from 'zod';
import { AppEvent, callNames, contract, exampleImagePath, exampleOriginalPath, exampleTrainingImagePath, type CallArgs, type CallName, type CallResult } from '../../../shared/contract.js';
import { describeZodError } from '../../../shared/zodIssues.js';

export type TransportKind = 'desktop' | 'web';

/** How calls and events travel; `send` resolves to the raw result or rejects with the domain error's message. */
export interface Transport {
  readonly kind: TransportKind;
  send(name: CallName, args: unknown): Promise<unknown>;
  /** subscribes to raw events (objects, not yet validated); returns an unsubscribe function */
  subscribe(listener: (raw: unknown) => void): () => void;
  imageUrl(exampleId: number): string;
}

/** A failed call: `code` is the domain error code (IMPORT_ERROR, NOT_FOUND, ...) or a client-side one. */
export class ApiError extends Error {
  readonly code: string;
  readonly call: CallName | undefined;
  constructor(code: string, message: string, call?: CallName) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.call = call;
  }
}

/** Calls whose arguments are all optional may be made without any. */
type ArgsParam<K extends CallName> = Record<string, never> extends CallArgs<K> ? [args?: CallArgs<K>] : [args: CallArgs<K>];

export type ApiMethods = { [K in CallName]: (...args: ArgsParam<K>) => Promise<CallResult<K>> };

export interface ApiCore {
  readonly transport: TransportKind;
  call<K extends CallName>(name: K, ...args: ArgsParam<K>): Promise<CallResult<K>>;
  /** every valid event; returns an unsubscribe function */
  onEvent(listener: (event: AppEvent) => void): () => void;
  /** a URL an <img> can load for an example's image */
  imageUrl(exampleId: number): string;
  /** a URL for a referenced example's original file (datasets stored by reference) */
  originalUrl(exampleId: number): string;
  /** a URL for the image training sees (a referenced example's training tensor, as PNG) */
  trainingImageUrl(exampleId: number): string;
}

export type Api = ApiCore & ApiMethods;

function asApiError(err: unknown, name: CallName): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return new ApiError(typeof code === 'string' ? code : 'INTERNAL', err.message, name);
  }
  return new ApiError('INTERNAL', String(err), name);
}

export function createApi(transport: Transport, log: (message: string) => void = (m) => console.warn(m)): Api {
  const listeners = new Set<(event: AppEvent) => void>();
  let unsubscribeTransport: (() => void) | null = null;

  function dispatchEvent(raw: unknown): void {
    const parsed = AppEvent.safeParse(raw);
    if (!parsed.success) {
      log(`disobey: ignored a malformed event: ${describeZodError(parsed.error)}`);
      return;
    }
    for (const listener of [...listeners]) {
      try {
        listener(parsed.data);
      } catch (err) {
        log(`disobey: an event listener failed: ${(err as Error).message}`);
      }
    }
  }

  async function call<K extends CallName>(name: K, ...rest: ArgsParam<K>): Promise<CallResult<K>> {
    const spec = contract[name] as { args: z.ZodType; result: z.ZodType } | undefined;
    if (!spec) throw new ApiError('VALIDATION_ERROR', `unknown call ${String(name)}`);
    const checked = spec.args.safeParse(rest[0] ?? {});
    if (!checked.success) throw new ApiError('VALIDATION_ERROR', `invalid arguments for ${name}: ${describeZodError(checked.error)}`, name);
    let raw: unknown;
    try {
      raw = await transport.send(name, checked.data);
    } catch (err) {
      throw asApiError(err, name);
    }
    const result = spec.result.safeParse(raw);
    if (!result.success) throw new ApiError('SCHEMA_ERROR', `unexpected result from ${name}: ${describeZodError(result.error)}`, name);
    return result.data as CallResult<K>;
  }

  const core: ApiCore = {
    transport: transport.kind,
    call,
    onEvent(listener) {
      listeners.add(listener);
      if (!unsubscribeTransport) unsubscribeTransport = transport.subscribe(dispatchEvent);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && unsubscribeTransport) {
          unsubscribeTransport();
          unsubscribeTransport = null;
        }
      };
    },
    imageUrl: (exampleId) => transport.imageUrl(exampleId),
    // The same origin, protocol and token as the image's URL: only the path differs.
    originalUrl: (exampleId) => transport.imageUrl(exampleId).replace(exampleImagePath(exampleId), exampleOriginalPath(exampleId)),
    trainingImageUrl: (exampleId) => transport.imageUrl(exampleId).replace(exampleImagePath(exampleId), exampleTrainingImagePath(exampleId)),
  };
  const methods = Object.fromEntries(
    callNames.map((name) => [name, (...rest: unknown[]) => (call as (n: CallName, ...a: unknown[]) => Promise<unknown>)(name, ...rest)]),
  ) as ApiMethods;
  return Object.assign(methods, core);
}
