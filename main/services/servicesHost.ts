// The services host: the app's services (store, analytics, imports, exports: appServices and its
// contract dispatch) behind one message link, a session per open database. The desktop app runs
// it in an Electron utility process (main/electron/servicesProcess.ts), so a slow call never
// stalls the window's process; tests drive it over a worker_threads port or a forked child. What
// needs the parent (native dialogs, the theme, Electron's way of starting training workers) is
// asked of it over the same link. servicesClient.ts is the other end.
import type { AppEvent } from '../../shared/contract.js';
import type { PickPathArgs, ThemeChoice } from '../../shared/desktop.js';
import { DomainError } from '../../shared/errors.js';
import { ensureSampleDataset } from '../data/sampleDataset.js';
import { openStore } from '../store/store.js';
import { createAppServices, type AppServices, type AppServicesOptions, type DesktopHooks, type Transport } from './appServices.js';
import { createPeer, type MessageLink } from './messagePeer.js';
import type { StartWorkerProcess, WorkerProcess } from '../workers/launcher.js';
import { terminalText } from '../terminalText.js';

/** One open database and the services over it. */
export interface HostedSession {
  databasePath: string;
  services: AppServices;
  /** stops its training workers and tasks, then closes the database */
  close(): void;
}

export type SessionHooks = Pick<AppServicesOptions, 'launchTrainWorker' | 'desktop'>;

export interface OpenSessionOptions {
  /** create the database's folder when missing (only for a database not named on the command line) */
  createFolder?: boolean;
  /** the embedded sample's folder (tests pass a small one) */
  sampleDir?: string;
}

/**
 * Opens `databasePath` (created when missing), loads the embedded sample unless the database has
 * had it once (as at every launch), and starts its services.
 */
export async function openDatabaseSession(databasePath: string, hooks: SessionHooks, options: OpenSessionOptions = {}): Promise<HostedSession> {
  const store = openStore(databasePath, { createFolder: options.createFolder ?? false, onMigrationProgress: (message) => console.log(terminalText(`upgrading ${databasePath}: ${message}`)) });
  try {
    await ensureSampleDataset(store, options.sampleDir);
  } catch (err) {
    store.close();
    throw err;
  }
  const services = createAppServices({ store, databasePath, ...hooks });
  return {
    databasePath,
    services,
    close() {
      services.dispose();
      store.close();
    },
  };
}

// The protocol, by method. Parent → host calls:
export interface OpenArgs extends OpenSessionOptions {
  databasePath: string;
  /** the parent answers pickPath and setTheme (native dialogs, the native theme); its runtime versions for About */
  desktop?: { versions: Record<string, string> };
  /** the parent starts the training workers (Electron: only the main process has utilityProcess.fork) */
  parentStartsTrainWorkers?: boolean;
}
export interface DispatchArgs {
  session: number;
  /** a contract call's name; dispatch refuses anything else */
  name: unknown;
  args: unknown;
  transport: Transport;
}
// Host → parent calls: pickPath (PickPathArgs → path or null). Host → parent notices:
export type HostNotice =
  | { method: 'event'; args: { session: number; event: AppEvent } }
  | { method: 'setTheme'; args: { theme: ThemeChoice } }
  | { method: 'startTrainWorker'; args: { workerId: number; entry: string; serviceName: string } }
  | { method: 'sendTrainWorker'; args: { workerId: number; message: unknown } }
  | { method: 'killTrainWorker'; args: { workerId: number } };
// Parent → host notices: what a training worker the parent started said, and its end.
export interface TrainWorkerMessageArgs {
  workerId: number;
  message: unknown;
}
export interface TrainWorkerExitArgs {
  workerId: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServicesHost {
  /** closes every database it opened; what the parent's shutdown and a lost link do */
  closeAll(): void;
}

/**
 * Serves the services on `link` until it closes; then closes every database and calls `exit`
 * (the process entry ends the process there).
 */
export function hostServices(link: MessageLink, options: { exit?: () => void } = {}): ServicesHost {
  // A closed session stays addressable: a window still holding it is answered as by a closed
  // database (appInfo still, every query "not open"), as when the services ran in its process.
  const sessions = new Map<number, { session: HostedSession; open: boolean; unsubscribe: () => void }>();
  let nextSession = 1;
  const trainWorkers = new Map<number, { messages: ((m: unknown) => void)[]; exits: ((code: number | null, signal: NodeJS.Signals | null) => void)[] }>();
  let nextWorker = 1;

  const notify = (notice: HostNotice) => peer.notice(notice.method, notice.args);

  function sessionOf(id: number): HostedSession {
    const entry = sessions.get(id);
    if (!entry) throw new DomainError('INTERNAL', `the services process has no database session ${id}`);
    return entry.session;
  }

  function closeSession(id: number): void {
    const entry = sessions.get(id);
    if (!entry?.open) return;
    entry.open = false;
    entry.unsubscribe();
    entry.session.close();
  }

  function closeAll(): void {
    for (const id of sessions.keys()) closeSession(id);
  }

  /** A training worker the parent starts and relays: the same handle the trainer gets from fork. */
  const relayTrainWorker: StartWorkerProcess = (entry, serviceName) => {
    const workerId = nextWorker++;
    const listeners = { messages: [], exits: [] } as NonNullable<ReturnType<typeof trainWorkers.get>>;
    trainWorkers.set(workerId, listeners);
    notify({ method: 'startTrainWorker', args: { workerId, entry, serviceName } });
    const handle: WorkerProcess = {
      pid: undefined, // the parent's process; the launcher only labels its messages with it
      send: (message) => notify({ method: 'sendTrainWorker', args: { workerId, message } }),
      kill: () => notify({ method: 'killTrainWorker', args: { workerId } }),
      onMessage: (listener) => void listeners.messages.push(listener),
      onExit: (listener) => void listeners.exits.push(listener),
    };
    return handle;
  };

  function desktopHooks(versions: Record<string, string>): DesktopHooks {
    return {
      pickPath: (args: PickPathArgs) => peer.call('pickPath', args) as Promise<string | null>,
      setTheme: (theme) => notify({ method: 'setTheme', args: { theme } }),
      versions,
    };
  }

  const peer = createPeer(
    link,
    {
      calls: {
        open: async (args: OpenArgs) => {
          const hooks: SessionHooks = {
            desktop: args.desktop ? desktopHooks(args.desktop.versions) : undefined,
            launchTrainWorker: args.parentStartsTrainWorkers ? relayTrainWorker : undefined,
          };
          const session = await openDatabaseSession(args.databasePath, hooks, { createFolder: args.createFolder, sampleDir: args.sampleDir });
          if (peer.closed) {
            session.close(); // the parent left while the database opened
            throw new DomainError('INTERNAL', 'the services parent left');
          }
          const id = nextSession++;
          const unsubscribe = session.services.events.subscribe((event) => notify({ method: 'event', args: { session: id, event } }));
          sessions.set(id, { session, open: true, unsubscribe });
          return { session: id };
        },
        dispatch: ({ session, name, args, transport }: DispatchArgs) => sessionOf(session).services.dispatch(name, args, transport),
        exampleImage: ({ session, exampleId }: { session: number; exampleId: number }) => sessionOf(session).services.exampleImage(exampleId),
        exampleTrainingImage: ({ session, exampleId }: { session: number; exampleId: number }) => sessionOf(session).services.exampleTrainingImage(exampleId),
        exampleOriginal: ({ session, exampleId }: { session: number; exampleId: number }) => sessionOf(session).services.exampleOriginal(exampleId),
        close: ({ session }: { session: number }) => {
          closeSession(session);
          return null;
        },
        /** closes every database; the parent then closes the link, which ends the process */
        shutdown: () => {
          closeAll();
          return null;
        },
      },
      notices: {
        trainWorkerMessage: ({ workerId, message }: TrainWorkerMessageArgs) => {
          for (const listener of trainWorkers.get(workerId)?.messages ?? []) listener(message);
        },
        trainWorkerExit: ({ workerId, code, signal }: TrainWorkerExitArgs) => {
          const listeners = trainWorkers.get(workerId);
          trainWorkers.delete(workerId);
          for (const listener of listeners?.exits ?? []) listener(code, signal);
        },
      },
    },
    'the services parent',
  );
  peer.onClose(() => {
    closeAll();
    options.exit?.();
  });
  return { closeAll };
}
