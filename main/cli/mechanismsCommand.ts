// `disobey mechanisms`: builds SPEC experiment 8's mechanism dataset from one or two imported
// image datasets (the hard source first; the second source or the patch is the easy mechanism).
import { BuildMechanismDatasetArgs, mechanismNames, paperMechanismSplits } from '../../shared/mechanisms.js';
import { describeZodError } from '../../shared/zodIssues.js';
import { buildMechanismDataset } from '../data/mechanismDataset.js';
import { formatDataset } from './formatDataset.js';
import type { Store } from '../store/store.js';
import { drawProgress, endProgress, say, sayJson } from './output.js';

export interface MechanismsCommandOptions {
  name: string | undefined;
  sources: number[];
  patch: boolean;
  size: number | undefined;
  testSize: number | undefined;
  seed: number | undefined;
  json: boolean;
}

/** Checks the options (a bad one throws `usage(message)`), builds the dataset in one transaction and prints it. */
export async function mechanismsCommand(store: Store, options: MechanismsCommandOptions, usage: (message: string) => Error): Promise<void> {
  if (options.name === undefined) throw usage('mechanisms needs --name NAME');
  if (options.sources.length < 1 || options.sources.length > 2) throw usage('mechanisms takes one or two --source ID');
  if (options.sources.length === 2 && options.patch) throw usage('--patch and a second --source exclude each other');
  if (options.sources.length === 1 && !options.patch) throw usage('one --source needs --patch (or give a second --source)');
  const names = mechanismNames(options.sources.length, options.patch);
  const hard = names[0]!;
  const easy = names[1]!;
  const parsed = BuildMechanismDatasetArgs.safeParse({
    name: options.name,
    sources: options.sources,
    patch: options.patch,
    labelMechanism: hard,
    splits: paperMechanismSplits({ hard, easy, trainSize: options.size, testSize: options.testSize }),
    seed: options.seed,
  });
  if (!parsed.success) throw usage(describeZodError(parsed.error));
  const showProgress = process.stderr.isTTY && !options.json;
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  process.once('SIGINT', onInterrupt);
  try {
    const id = await buildMechanismDataset(store, parsed.data, {
      signal: controller.signal,
      report: (stage, done, total) => {
        if (showProgress) drawProgress(`${stage} ${done}/${total}`);
      },
    });
    if (showProgress) endProgress();
    const dataset = store.datasets.getDataset(id);
    if (options.json) sayJson(dataset);
    else {
      say(formatDataset(dataset));
      say(`mechanisms: ${hard} (the label, hard) and ${easy} (easy); splits:`);
      for (const s of parsed.data.splits) {
        say(`  ${s.name}: ${Object.entries(s.settings).map(([m, v]) => `${m} ${v}`).join(', ')}`);
      }
    }
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}
