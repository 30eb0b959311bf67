// What About Disobey says: the app's version, the runtimes it runs on, the database in use and
// the training backends, from the services' own appInfo answer. Pure text; index.ts shows it
// in a native message box.
import { createRequire } from 'node:module';

export interface AboutFacts {
  version: string;
  databasePath: string;
  /** the training worker's backend once one has started this session, else null */
  backend: string | null;
  /** process.versions-like: electron, chrome, node, v8 */
  versions: Record<string, string>;
  /** the backends whose packages are installed, in the order the first run tries them */
  installedBackends: readonly string[];
}

/** Which backend packages resolve here; cpu (plain JavaScript) always runs. */
export function installedTrainingBackends(resolve: (specifier: string) => string = createRequire(import.meta.url).resolve): string[] {
  const has = (pkg: string) => {
    try {
      resolve(`${pkg}/package.json`);
      return true;
    } catch {
      return false;
    }
  };
  const gpu = has('@tensorflow/tfjs-node-gpu');
  return [
    ...(gpu ? ['tensorflow-gpu'] : []),
    ...(gpu || has('@tensorflow/tfjs-node') ? ['tensorflow'] : []),
    ...(has('@tensorflow/tfjs-backend-wasm') ? ['wasm'] : []),
    'cpu',
  ];
}

const RUNTIMES: readonly [key: string, name: string][] = [
  ['electron', 'Electron'],
  ['chrome', 'Chromium'],
  ['node', 'Node.js'],
  ['v8', 'V8'],
];

export function aboutText(facts: AboutFacts): { message: string; detail: string } {
  const runtimes = RUNTIMES.filter(([key]) => facts.versions[key]).map(([key, name]) => `${name} ${facts.versions[key]}`);
  const backend = facts.backend
    ? `Training backend in use: ${facts.backend}`
    : 'Training backend: none started yet; the first run uses the first of the installed backends that starts here';
  return {
    message: `Disobey ${facts.version}`,
    detail: [
      'Distillation deviation forensics: where does the student disobey its teacher, and does it pay?',
      '',
      `Database: ${facts.databasePath}`,
      backend,
      `Installed backends: ${facts.installedBackends.join(', ')}`,
      '',
      runtimes.join(' · '),
    ].join('\n'),
  };
}
