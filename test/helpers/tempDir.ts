// Temporary folders for tests, removed by the returned disposer (or after each test).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';

export function makeTempDir(prefix = 'disobey-test-'): { dir: string; dispose: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh folder for each test of the calling file: made before each test and handed to `use`, removed after it. */
export function tempDirPerTest(prefix: string, use: (dir: string) => void): void {
  let temp: ReturnType<typeof makeTempDir> | undefined;
  beforeEach(() => {
    temp = makeTempDir(prefix);
    use(temp.dir);
  });
  afterEach(() => temp?.dispose());
}
