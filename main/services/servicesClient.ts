// The parent's end of the services host (servicesHost.ts): opens database sessions in the host
// and hands back services with the in-process shape (dispatch, events, example images), so the
// Electron shell forwards calls without knowing where they run. It answers what the host asks
// of the parent: native dialogs and the theme (DesktopHooks), and starting training workers.
import type { AppEvent } from '../../shared/contract.js';
import type { PickPathArgs, ThemeChoice } from '../../shared/desktop.js';
import type { DesktopHooks, Transport } from './appServices.js';
import { createEventBus, type EventBus } from './eventBus.js';
import { createPeer, type MessageLink } from './messagePeer.js';
import type { DispatchArgs, OpenArgs, OpenSessionOptions, TrainWorkerExitArgs, TrainWorkerMessageArgs } from './servicesHost.js';
import type { StartWorkerProcess, WorkerProcess } from '../workers/launcher.js';
import { terminalText } from '../terminalText.js';

/** The services of one database, wherever they run (AppServices in-process has this shape too). */
/** an image's bytes and media type (a Buffer on this side, a Uint8Array once it crossed the port) */
export interface ExampleImage {
  data: Uint8Array;
  contentType: string;
}

export interface SessionServices {
  dispatch(name: unknown, args: unknown, transport: Transport): Promise<unknown>;
  /** the session's events; the shell also emits its menu commands here */
  events: EventBus;
  /** the grid's image: a referenced example's thumbnail, else its pixels as PNG */
  exampleImage(exampleId: number): Promise<ExampleImage>;
  /** the image training sees, as PNG (a referenced example's training tensor) */
  exampleTrainingImage(exampleId: number): Promise<ExampleImage>;
  /** a referenced example's original file, byte for byte */
  exampleOriginal(exampleId: number): Promise<ExampleImage>;
}

export interface RemoteSession {
  databasePath: string;
  services: SessionServices;
  /** asks the host to stop its training workers and tasks and close the database */
  close(): void;
}

export interface ParentHooks {
  /** native dialogs and theme (the desktop shell); without them pickPath answers null */
  desktop?: DesktopHooks;
  /** how the parent starts training workers; without it the host forks its own */
  launchTrainWorker?: StartWorkerProcess;
}

export interface ServicesClient {
  open(databasePath: string, options?: OpenSessionOptions): Promise<RemoteSession>;
  /** closes every database in the host and then the link, which ends the host */
  shutdown(): Promise<void>;
  /** the link closed without a shutdown: the host process ended (crashed, killed) */
  onLost(listener: () => void): void;
}

export function connectServices(link: MessageLink, hooks: ParentHooks = {}): ServicesClient {
  const sessionEvents = new Map<number, EventBus>();
  const trainWorkers = new Map<number, WorkerProcess>();
  let shuttingDown = false;

  const peer = createPeer(
    link,
    {
      calls: {
        pickPath: async (args: PickPathArgs) => (hooks.desktop ? hooks.desktop.pickPath(args) : null),
      },
      notices: {
        event: ({ session, event }: { session: number; event: AppEvent }) => sessionEvents.get(session)?.emit(event),
        setTheme: ({ theme }: { theme: ThemeChoice }) => hooks.desktop?.setTheme(theme),
        startTrainWorker: ({ workerId, entry, serviceName }: { workerId: number; entry: string; serviceName: string }) => {
          const exited = (code: number | null, signal: NodeJS.Signals | null) => {
            trainWorkers.delete(workerId);
            peer.notice('trainWorkerExit', { workerId, code, signal } satisfies TrainWorkerExitArgs);
          };
          let handle: WorkerProcess;
          try {
            if (!hooks.launchTrainWorker) throw new Error('this parent starts no training workers');
            handle = hooks.launchTrainWorker(entry, serviceName);
          } catch (err) {
            console.error(terminalText(`disobey: cannot start a training worker: ${(err as Error).message}`));
            return exited(null, null);
          }
          trainWorkers.set(workerId, handle);
          handle.onMessage((message) => peer.notice('trainWorkerMessage', { workerId, message } satisfies TrainWorkerMessageArgs));
          handle.onExit(exited);
        },
        sendTrainWorker: ({ workerId, message }: { workerId: number; message: unknown }) => trainWorkers.get(workerId)?.send(message),
        killTrainWorker: ({ workerId }: { workerId: number }) => trainWorkers.get(workerId)?.kill(),
      },
    },
    'the services process',
  );
  peer.onClose(() => {
    // Workers the parent started for a host that is gone would train for nobody.
    for (const worker of trainWorkers.values()) worker.kill();
    trainWorkers.clear();
  });

  return {
    async open(databasePath, options = {}) {
      const args: OpenArgs = {
        databasePath,
        ...options,
        desktop: hooks.desktop ? { versions: hooks.desktop.versions } : undefined,
        parentStartsTrainWorkers: hooks.launchTrainWorker !== undefined,
      };
      const { session } = (await peer.call('open', args)) as { session: number };
      const events = createEventBus();
      sessionEvents.set(session, events);
      return {
        databasePath,
        services: {
          dispatch: (name, callArgs, transport) => peer.call('dispatch', { session, name, args: callArgs, transport } satisfies DispatchArgs),
          events,
          exampleImage: (exampleId) => peer.call('exampleImage', { session, exampleId }) as Promise<ExampleImage>,
          exampleTrainingImage: (exampleId) => peer.call('exampleTrainingImage', { session, exampleId }) as Promise<ExampleImage>,
          exampleOriginal: (exampleId) => peer.call('exampleOriginal', { session, exampleId }) as Promise<ExampleImage>,
        },
        close() {
          sessionEvents.delete(session);
          peer.call('close', { session }).catch((err: unknown) => {
            if (!peer.closed) console.error(terminalText(`disobey: closing ${databasePath} in the services process: ${(err as Error).message}`));
          });
        },
      };
    },
    async shutdown() {
      shuttingDown = true;
      try {
        if (!peer.closed) await peer.call('shutdown');
      } finally {
        peer.close();
      }
    },
    onLost(listener) {
      peer.onClose(() => {
        if (!shuttingDown) listener();
      });
    },
  };
}
