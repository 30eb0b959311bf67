// The database in use and the switch from one to another (File › Open Database…, New Database…,
// Open Recent, a second launch naming a database). No Electron here: the shell passes its dialogs
// in as `SwitchUi` and its way of opening a session (the services process), so plain Node tests
// drive a real switch.
import path from 'node:path';
import type { AppEvent } from '../../shared/contract.js';
import type { SessionServices } from '../services/servicesClient.js';
import { refusalToOpen, type SwitchMode } from './databaseFile.js';

/** One open database and its services: in the services process (the app), or in-process (tests). */
export interface DatabaseSession {
  databasePath: string;
  services: SessionServices;
  /** stops its training workers and tasks, then closes the database */
  close(): void;
}

/** The session the IPC handlers, the app protocol and the menu use now; events go to `forward`. */
export interface CurrentDatabase {
  readonly session: DatabaseSession;
  replace(next: DatabaseSession): void;
  close(): void;
}

export function createCurrentDatabase(first: DatabaseSession, forward: (event: AppEvent) => void): CurrentDatabase {
  let session = first;
  let unsubscribe = first.services.events.subscribe(forward);
  return {
    get session() {
      return session;
    },
    replace(next) {
      unsubscribe();
      const previous = session;
      session = next;
      unsubscribe = next.services.events.subscribe(forward);
      previous.close();
    },
    close() {
      unsubscribe();
      session.close();
    },
  };
}

/** Runs this database's services are training now (a switch stops the ones this app started). */
export async function runningRunCount(services: Pick<SessionServices, 'dispatch'>): Promise<number> {
  const experiments = (await services.dispatch('listExperiments', {}, 'ipc')) as { runs: { status: string }[] }[];
  return experiments.reduce((n, e) => n + e.runs.filter((r) => r.status === 'running').length, 0);
}

export interface SwitchUi {
  /** a native error box; the window keeps the database it had */
  showError(title: string, message: string): void;
  /** training is running in the current database: switch anyway? */
  confirmStopTraining(runs: number, from: string, to: string): Promise<boolean>;
  /** the switch happened: reload the window, retitle it, remember the database */
  switched(session: DatabaseSession): void;
}

export interface DatabaseSwitcher {
  /** true when `file` is the database in use afterwards (already or newly) */
  switchTo(file: string, mode: SwitchMode): Promise<boolean>;
}

/** Switches one at a time: a second request waits for the first to finish. */
export function createDatabaseSwitcher(current: CurrentDatabase, open: (file: string) => Promise<DatabaseSession>, ui: SwitchUi): DatabaseSwitcher {
  let queue: Promise<unknown> = Promise.resolve();

  async function switchNow(file: string, mode: SwitchMode): Promise<boolean> {
    const target = path.resolve(file);
    const from = current.session.databasePath;
    if (target === path.resolve(from)) return true;
    const title = `Cannot open ${path.basename(target)}`;
    const refusal = refusalToOpen(target, mode);
    if (refusal) {
      ui.showError(title, refusal);
      return false;
    }
    try {
      const running = await runningRunCount(current.session.services);
      if (running > 0 && !(await ui.confirmStopTraining(running, from, target))) return false;
    } catch {
      // the current database cannot list its runs (it may be gone): nothing of ours to stop
    }
    let next: DatabaseSession;
    try {
      next = await open(target);
    } catch (err) {
      const reason = (err as Error).message;
      ui.showError(title, `${reason.includes(target) ? reason : `${target}: ${reason}`}\n\nDisobey keeps ${from} open.`);
      return false;
    }
    current.replace(next);
    ui.switched(next);
    return true;
  }

  return {
    switchTo(file, mode) {
      const result = queue.then(() => switchNow(file, mode));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}
