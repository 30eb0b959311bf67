// A real app on a temporary SQLite file: services plus web mode's server, disposed together.
import path from 'node:path';
import { createAppServices, type AppServices } from '../../main/services/appServices.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { startWebServer, type WebServer } from '../../main/web/webServer.js';
import { makeTempDir } from './tempDir.js';
import type Database from 'better-sqlite3';
import { createStore } from '../../main/store/store.js';
import type { AppEvent } from '../../shared/contract.js';

export interface AppUnderTest {
  dir: string;
  databasePath: string;
  db: Database.Database;
  services: AppServices;
  server: WebServer;
  base: string;
  /** a contract call through `dispatch`, as web mode makes it */
  call<T>(name: string, args: unknown): Promise<T>;
  dispose(): Promise<void>;
}

/** Every event the app emits from now on, in order (a new array, filled as they come). */
export function recordEvents(app: Pick<AppUnderTest, 'services'>): AppEvent[] {
  const events: AppEvent[] = [];
  app.services.events.subscribe((e) => events.push(e));
  return events;
}

export async function startAppUnderTest(options: { staticDir?: string } = {}): Promise<AppUnderTest> {
  const temp = makeTempDir();
  const databasePath = path.join(temp.dir, 'app.db');
  const db = openDatabase(databasePath);
  const services = createAppServices({ store: createStore(db), databasePath });
  const server = await startWebServer({ services, staticDir: options.staticDir });
  return {
    dir: temp.dir,
    databasePath,
    db,
    services,
    server,
    base: `http://127.0.0.1:${server.port}`,
    call: <T>(name: string, args: unknown) => services.dispatch(name, args, 'http') as Promise<T>,
    async dispose() {
      services.dispose();
      await server.close();
      db.close();
      temp.dispose();
    },
  };
}
