// `disobey export`'s progress on a terminal: the shared tracker's line, as import and ingest print
// theirs ("stage done/total unit · ETA …"), each line cleared before it is written.
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createDeviationFixture } from '../../bench/deviationFixture.js';
import { exportCommand } from '../../main/cli/exportCommands.js';
import { createPredictionMatrices } from '../../main/analytics/predictionMatrices.js';
import { exportCuratedSet } from '../../main/export/exportCuratedSet.js';
import { createCuratedSetQueries } from '../../main/store/curatedSetQueries.js';
import { openDatabase } from '../../main/store/openDatabase.js';
import { createStore, type Store } from '../../main/store/store.js';
import { makeTempDir } from '../helpers/tempDir.js';

const temp = makeTempDir();
afterAll(() => temp.dispose());
/** stderr's own isTTY (a property only a terminal's stream has), put back after each test */
const ownIsTTY = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
afterEach(() => {
  vi.restoreAllMocks();
  if (ownIsTTY) Object.defineProperty(process.stderr, 'isTTY', ownIsTTY);
  else delete (process.stderr as { isTTY?: boolean }).isTTY;
});

/** A store holding one recorded experiment of `examples` examples and a curated set of all of them. */
function storeWithSet(file: string, examples: number, name: string): { store: Store; members: number[] } {
  const db = openDatabase(path.join(temp.dir, file));
  const fixture = createDeviationFixture(db, { examples, classes: 3, students: 1, epochs: 1, seed: 2 });
  const members = db.prepare('SELECT id FROM examples WHERE dataset_id = ? ORDER BY id').pluck().all(fixture.datasetId) as number[];
  createCuratedSetQueries(db).createSet({ datasetId: fixture.datasetId, name, description: '' }, members, '');
  return { store: createStore(db), members };
}

/** What the command writes to a terminal's stderr (its stdout summary is dropped). */
function captureTerminal(): string[] {
  const written: string[] = [];
  Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  return written;
}

describe('disobey export on a terminal', () => {
  it('prints the shared progress line: stage, examples done of the set, and the ETA once a second has passed', async () => {
    const { store, members } = storeWithSet('progress.db', 60, 'all');
    try {
      const written = captureTerminal();
      // each reading of the clock moves it 0.6 s on, so the last line of the stage has an estimate
      let now = 1_000_000;
      vi.spyOn(Date, 'now').mockImplementation(() => (now += 600));

      await exportCommand(store, { set: 'all', out: path.join(temp.dir, 'all.csv'), force: false, json: false });

      expect(written.at(-1)).toBe('\n');
      const lines = written.slice(0, -1);
      expect(lines[0]).toBe(`\r\x1b[Kwrite 0/${members.length} examples · ETA …`);
      expect(lines.at(-1)).toBe(`\r\x1b[Kwrite ${members.length}/${members.length} examples · ETA 0s`);
      const clear = '\r\x1b[K';
      for (const line of lines) {
        expect(line.startsWith(clear)).toBe(true);
        expect(line.slice(clear.length)).toMatch(/^write \d+\/60 examples · ETA (…|\d+s)$/);
      }
    } finally {
      store.close();
    }
  });

  it('prints no progress with --json', async () => {
    const { store } = storeWithSet('quiet.db', 20, 'few');
    try {
      const written = captureTerminal();
      await exportCommand(store, { set: 'few', out: path.join(temp.dir, 'few.jsonl'), force: false, json: true });
      expect(written).toEqual([]);
    } finally {
      store.close();
    }
  });
});

describe('a long export gives way to quick calls', () => {
  it('awaits the turn it is given every few milliseconds of work, in the rows and in the images, and keeps every timer within 250 ms', async () => {
    const { store, members } = storeWithSet('give-way.db', 12_000, 'twelve thousand');
    try {
      const set = store.curatedSets.listSets().find((s) => s.name === 'twelve thousand')!;
      const sources = { sets: store.curatedSets, datasets: store.datasets, experiments: store.experiments, matrices: createPredictionMatrices(store.predictions, 1 << 28), imageSources: store.imageSources, readOriginal: () => Promise.reject(new Error('no originals')) };
      let stage = '';
      const turnsIn = new Map<string, number>();
      // The longest the event loop went without running a timer while the export ran.
      let last = performance.now();
      let longest = 0;
      const timer = setInterval(() => {
        longest = Math.max(longest, performance.now() - last);
        last = performance.now();
      }, 1);
      const result = await exportCuratedSet(sources, { setId: set.id, format: 'zip', path: path.join(temp.dir, 'give-way.zip'), overwrite: false }, {
        signal: new AbortController().signal,
        onProgress: (s) => (stage = s),
        turn: async () => {
          turnsIn.set(stage, (turnsIn.get(stage) ?? 0) + 1);
          await new Promise((resolve) => setImmediate(resolve));
        },
      }).finally(() => clearInterval(timer));
      expect(result.rows).toBe(members.length);
      expect(turnsIn.get('manifest')).toBeGreaterThan(0);
      expect(turnsIn.get('images')).toBeGreaterThan(0);
      // 12,000 rows and PNGs take well over 100 ms here, so there are many turns, not one per stage
      expect([...turnsIn.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10);
      expect(longest).toBeLessThan(250);
    } finally {
      store.close();
    }
  });
});
