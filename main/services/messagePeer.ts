// Calls and notices between two processes (or threads) over one message channel, whatever
// carries it: a worker_threads MessagePort, Electron's MessagePortMain, a forked child's IPC.
// A call is `{id, method, args}` answered by `{id, ok, result | error}` (the error as its wire
// form, so a DomainError's code and place cross intact); a notice is one-way (events).
import type { ChildProcess } from 'node:child_process';
import type { MessagePort } from 'node:worker_threads';
import { DomainError, toWireError, type WireError } from '../../shared/errors.js';
import { terminalText } from '../terminalText.js';

/** One end of a channel. Messages are structured-cloned: typed arrays cross, functions do not. */
export interface MessageLink {
  post(message: unknown): void;
  /** every message from the other end; answers the function that stops listening */
  onMessage(listener: (message: unknown) => void): () => void;
  /** the channel closed: this end or the other closed it, or the other process ended */
  onClose(listener: () => void): void;
  close(): void;
}

/** A worker_threads MessagePort (a MessageChannel's end, or a worker's parentPort). */
export function nodePortLink(port: MessagePort): MessageLink {
  return {
    post: (message) => port.postMessage(message),
    onMessage(listener) {
      port.on('message', listener);
      return () => void port.off('message', listener);
    },
    onClose: (listener) => void port.once('close', listener),
    close: () => port.close(),
  };
}

/**
 * A forked child's IPC channel, from either side: the parent's ChildProcess, or the child's own
 * `process`. Fork with `serialization: 'advanced'` so typed arrays cross as they do over a port.
 */
export function processLink(proc: ChildProcess | NodeJS.Process): MessageLink {
  if (!proc.send) throw new Error('this process has no IPC channel (start it with fork)');
  const send = proc.send.bind(proc) as (message: unknown) => boolean;
  return {
    post: (message) => {
      if (proc.connected) send(message);
    },
    onMessage(listener) {
      proc.on('message', listener);
      return () => void proc.off('message', listener);
    },
    onClose: (listener) => void proc.once('disconnect', listener),
    close: () => {
      if (proc.connected) proc.disconnect();
    },
  };
}

type Envelope =
  | { kind: 'call'; id: number; method: string; args: unknown }
  | { kind: 'answer'; id: number; ok: true; result: unknown }
  | { kind: 'answer'; id: number; ok: false; error: WireError }
  | { kind: 'notice'; method: string; args: unknown };

function isEnvelope(message: unknown): message is Envelope {
  const kind = (message as { kind?: unknown } | null)?.kind;
  return kind === 'call' || kind === 'answer' || kind === 'notice';
}

/** The error a wire error stands for: the same code, message and place on this side. */
export function fromWireError(error: WireError): DomainError {
  return new DomainError(error.code, error.message, error.place ?? {});
}

/** Methods one side serves: `call` ones answer (sync or async), `notice` ones answer nothing. */
export interface PeerHandlers {
  calls?: Record<string, (args: never) => unknown>;
  notices?: Record<string, (args: never) => void>;
}

export interface Peer {
  call(method: string, args?: unknown): Promise<unknown>;
  notice(method: string, args?: unknown): void;
  /** the channel closed; calls still waiting were rejected */
  onClose(listener: () => void): void;
  readonly closed: boolean;
  close(): void;
}

/**
 * Serves `handlers` on `link` and calls the other side's. A handler runs as its message arrives,
 * in order, so a notice or call sent after another is begun after it. `name` says, in the error a
 * caller gets once the channel is gone, what stopped.
 */
export function createPeer(link: MessageLink, handlers: PeerHandlers, name: string): Peer {
  let nextId = 1;
  let closed = false;
  const waiting = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  const closeListeners: (() => void)[] = [];
  const calls = (handlers.calls ?? {}) as Record<string, (args: unknown) => unknown>;
  const notices = (handlers.notices ?? {}) as Record<string, (args: unknown) => void>;

  const fail = (id: number, err: unknown) => {
    if (!closed) link.post({ kind: 'answer', id, ok: false, error: toWireError(err) } satisfies Envelope);
  };
  const answer = (id: number, run: () => unknown) => {
    let result: unknown;
    try {
      result = run();
    } catch (err) {
      return fail(id, err);
    }
    Promise.resolve(result).then(
      (value) => {
        if (closed) return;
        try {
          link.post({ kind: 'answer', id, ok: true, result: value } satisfies Envelope);
        } catch (err) {
          // a result that cannot be cloned is the answer's failure, not this process's
          fail(id, new DomainError('INTERNAL', `${name}: the answer cannot be sent: ${(err as Error).message}`));
        }
      },
      (err: unknown) => fail(id, err),
    );
  };

  link.onMessage((message) => {
    if (!isEnvelope(message)) return;
    if (message.kind === 'answer') {
      const pending = waiting.get(message.id);
      waiting.delete(message.id);
      if (pending) {
        if (message.ok) pending.resolve(message.result);
        else pending.reject(fromWireError(message.error));
      }
    } else if (message.kind === 'call') {
      const handler = Object.hasOwn(calls, message.method) ? calls[message.method] : undefined;
      answer(message.id, () => {
        if (!handler) throw new DomainError('INTERNAL', `${name}: no method ${JSON.stringify(message.method)}`);
        return handler(message.args);
      });
    } else {
      const handler = Object.hasOwn(notices, message.method) ? notices[message.method] : undefined;
      try {
        handler?.(message.args);
      } catch (err) {
        console.error(terminalText(`disobey: ${name}: notice ${message.method} failed: ${(err as Error).message}`));
      }
    }
  });

  const stop = () => {
    if (closed) return;
    closed = true;
    for (const pending of waiting.values()) pending.reject(new DomainError('INTERNAL', `${name} stopped before it answered`));
    waiting.clear();
    for (const listener of closeListeners) listener();
  };
  link.onClose(stop);

  return {
    call(method, args) {
      if (closed) return Promise.reject(new DomainError('INTERNAL', `${name} is not running`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        try {
          link.post({ kind: 'call', id, method, args } satisfies Envelope);
        } catch (err) {
          waiting.delete(id);
          reject(err as Error); // arguments that cannot be cloned
        }
      });
    },
    notice(method, args) {
      if (!closed) link.post({ kind: 'notice', method, args } satisfies Envelope);
    },
    onClose: (listener) => void closeListeners.push(listener),
    get closed() {
      return closed;
    },
    close() {
      link.close();
      stop(); // not every port reports its own close
    },
  };
}
