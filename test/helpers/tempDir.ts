// Temporary folders for tests, removed by the returned disposer.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function makeTempDir(prefix = 'disobey-test-'): { dir: string; dispose: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
