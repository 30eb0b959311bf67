// The Python package's tests (python/tests, pytest) under Debian's python3, after Vitest in
// `npm test`. Where /usr/bin/python3 lacks numpy, pandas or pytest they are skipped with a notice,
// unless DISOBEY_REQUIRE_PYTHON_TESTS=1 (CI, which installs them: .ci/run) makes that a failure.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const python = process.env.DISOBEY_PYTHON ?? '/usr/bin/python3';
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const probe = fs.existsSync(python) ? spawnSync(python, ['-c', 'import numpy, pandas, pytest'], { encoding: 'utf8' }) : null;
if (!probe || probe.status !== 0) {
  const why = probe ? `${python} lacks ${/No module named '([^']+)'/.exec(probe.stderr)?.[1] ?? 'numpy, pandas or pytest'}` : `no ${python}`;
  const message = `Python tests skipped: ${why} (apt-get install python3-numpy python3-pandas python3-pytest)`;
  if (process.env.DISOBEY_REQUIRE_PYTHON_TESTS === '1') {
    console.error(`${message}; DISOBEY_REQUIRE_PYTHON_TESTS=1 makes that a failure`);
    process.exit(1);
  }
  console.warn(`NOTICE: ${message}`);
  process.exit(0);
}
// -rs lists every skip with its reason; no cache folder in the working tree.
const run = spawnSync(python, ['-m', 'pytest', 'python/tests', '-rs', '-p', 'no:cacheprovider', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, PYTHONPATH: [path.join(root, 'python'), process.env.PYTHONPATH].filter(Boolean).join(path.delimiter), PYTHONDONTWRITEBYTECODE: '1' },
});
process.exit(run.status ?? 1);
