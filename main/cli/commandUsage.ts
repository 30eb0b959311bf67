// The CLI's table of commands and their usage: `disobey help` prints all of it, and
// `disobey <command> --help` (or -h, or `disobey help <command>`) prints that command's part.
// index.ts runs exactly these commands (its runner table is keyed by CommandName).
import { TrainingBackends } from '../../shared/runs.js';
import { defaultDatabasePath } from '../paths.js';

export interface CommandUsage {
  name: string;
  /** one line per form of the command, without "disobey <name>"; continuation lines start with "+" */
  forms: readonly string[];
  /** what it does, one line per line */
  description: readonly string[];
  /** the command takes --backend */
  backend?: boolean;
}

export const COMMANDS = [
  {
    name: 'import',
    forms: [
      'PATH [--db FILE] [--format idx|folder|csv|jsonl|zip] [--name NAME] [--subset N]',
      '+[--classes A,B,...] [--class-names A,B,...] [--noise RATE] [--noise-seed S]',
      '+[--test-fraction F] [--seed S] [--max-image-side PX] [--store pixels|reference] [--train-size S] [--json]',
    ],
    description: [
      "import a dataset (IDX files, an image folder, CSV or JSONL text, a curated set's ZIP) in one transaction;",
      'images wider or taller than --max-image-side (default 4096) are refused; skipped files are listed;',
      'an image folder is stored by reference (the files stay where they are; a thumbnail and an S×S',
      'training tensor each, --train-size, default 64, 0 for none) when its images differ in size or',
      'exceed 64×64, else as pixels; --store chooses',
    ],
  },
  {
    name: 'relocate',
    forms: ['--dataset ID --root NEWPATH [--db FILE] [--json]'],
    description: ["point a dataset stored by reference at the folder its files moved to (a sample is hashed first)"],
  },
  {
    name: 'delete',
    forms: ['(--experiment ID | --dataset ID) [--db FILE] [--json]'],
    description: [
      'delete an experiment with its runs and every probability they recorded (refused while it trains,',
      "or while a seed replicate's students use its teacher), or a dataset with its experiments and sets",
    ],
  },
  {
    name: 'datasets',
    forms: ['[--db FILE] [--json]'],
    description: ['list datasets with class names and counts per split'],
  },
  {
    name: 'mechanisms',
    forms: ['--name NAME --source ID [--source ID2 | --patch] [--size N] [--test-size N]', '+[--seed S] [--db FILE] [--json]'],
    description: [
      'a mechanism ("dominoes") dataset: the first source is the hard mechanism and the label; the',
      'second source (stacked below) or the patch is the easy one; splits train, train-student,',
      'test, test-student, cf-<easy>-only, cf-no-<easy>, cf-no-<hard>',
    ],
  },
  {
    name: 'groups',
    forms: ['DATASET_ID [--set "A,B;C,D" | --clear] [--db FILE] [--json]'],
    description: ["show or set a dataset's confusable class groups (class names or indices; \";\" between groups)"],
  },
  {
    name: 'serve',
    forms: ['[--db FILE] [--port N] [--no-sample] [--frame-ancestors "ORIGIN ..."]'],
    description: [
      'web mode: the app and its API on 127.0.0.1 with a per-launch token; --frame-ancestors lets',
      "those origins show it in a frame (a notebook's IFrame: disobey.show in Python)",
    ],
  },
  {
    name: 'train',
    forms: [
      'EXPERIMENT.json [--seeds N] [--precision float32|float16] [--db FILE] [--backend B] [--json]',
      '--dataset ID --preset paper|findings|mechanisms [--epochs N] [--seeds N] [--precision float32|float16]',
      '+[--db FILE] [--backend B] [--json]',
    ],
    description: [
      "train a teacher and its students, recording every example's probabilities each epoch;",
      '--seeds N (or "seeds" in the JSON) plans N seed replicates of one series and trains each;',
      '--precision float16 (or "storage" in the JSON) stores the probabilities in half the space',
    ],
    backend: true,
  },
  {
    name: 'resume',
    forms: ['RUN_ID [--db FILE] [--backend B] [--json]'],
    description: ['continue an interrupted, cancelled or failed run from its last recorded epoch'],
    backend: true,
  },
  {
    name: 'runs',
    forms: ['[--db FILE] [--json]'],
    description: ['list runs: id, role, spec, status, backend, epochs, train and test accuracy, seconds'],
  },
  {
    name: 'demo',
    forms: ['[--epochs N] [--seeds N] [--db FILE] [--backend B]'],
    description: [
      'the findings preset on the embedded Fashion-MNIST sample with 20% label noise, seed',
      'replicates trained side by side, then its findings (docs/findings.md)',
    ],
    backend: true,
  },
  {
    name: 'report',
    forms: [
      '[--db FILE] [--experiment ID] [--epoch E] [--split S] [--class teacher-top|label]',
      '+[--bootstrap N] [--seed S] [--examples FILE.csv] [--json]',
    ],
    description: [
      'every student against its teacher per split: accuracy, fidelity, KL, β with its bootstrap',
      'interval, binned Δ, underfitting, hard-point fit (default: the newest experiment)',
    ],
  },
  {
    name: 'findings',
    forms: ['[--db FILE] [--experiment ID] [--bootstrap N] [--seed S] [--json]'],
    description: [
      'does it pay to disobey? each claim the experiment and its seed replicates can test:',
      'statistic, 95% interval, threshold, status and reason (docs/findings.md; default: the newest experiment)',
    ],
  },
  {
    name: 'sets',
    forms: ['[--db FILE] [--dataset ID] [--json]'],
    description: ['list curated example sets: id, name, dataset, size'],
  },
  {
    name: 'export',
    forms: ['--set NAME|ID --out PATH [--format csv|jsonl|zip] [--experiment ID] [--epoch E]', '+[--images originals|thumbnails] [--force] [--db FILE] [--json]'],
    description: [
      "a curated set with every run's probabilities (default: the newest experiment, each run's",
      "last epoch); ZIP adds a PNG per image, or, for a dataset stored by reference, the original",
      'files byte for byte under their paths (refused, naming the file, when one moved or changed)',
      "or with --images thumbnails its thumbnails; the format follows PATH's extension; never",
      'overwrites without --force',
    ],
  },
  {
    name: 'ingest',
    forms: ['PATH --dataset ID [--experiment-name NAME] [--precision float32|float16] [--db FILE] [--json]'],
    description: [
      'runs trained elsewhere (run.json + per-epoch JSONL, NPY + CSV index, NPZ or Parquet, or',
      "Dataset Cartography's dynamics_epoch_<E>.jsonl; docs/ingest.md) as a new experiment on",
      'dataset ID; a run may record whole splits only (e.g. train); all or nothing;',
      '--precision float16 stores the probabilities in half the space (docs/database.md)',
    ],
  },
  {
    name: 'manifest',
    forms: [
      '--experiment ID (--rule JSON ... | --rules FILE.json) [--out PATH] [--student RUN]',
      '+[--epoch E] [--split S] [--default-weight W] [--kind weights|curriculum]',
      '+[--format csv|jsonl] [--force] [--db FILE] [--json]',
    ],
    description: [
      'per-example weights or a curriculum for the next run: each rule {"filter": …, "weight": W,',
      '"reason": "…"} is an explorer filter, the first rule passing an example decides its row',
      '(docs/manifests.md); without --out the manifest goes to stdout',
    ],
  },
] as const satisfies readonly CommandUsage[];

export type CommandName = (typeof COMMANDS)[number]['name'];

const BACKENDS_LINE = `backends: ${TrainingBackends.join(', ')} (default: the best available)`;

function isCommandName(name: string): name is CommandName {
  return COMMANDS.some((c) => c.name === name);
}

export function findCommand(name: string | undefined): CommandUsage | undefined {
  return name !== undefined && isCommandName(name) ? COMMANDS.find((c) => c.name === name) : undefined;
}

/** The command's forms, each "disobey <name> …" line after `lead`, continuation lines aligned under the first option. */
function formLines(command: CommandUsage, lead: string, firstLead: string = lead): string[] {
  let first = true;
  return command.forms.map((form) => {
    if (form.startsWith('+')) return `${' '.repeat(lead.length + command.name.length + 1)}${form.slice(1)}`;
    const line = `${first ? firstLead : lead}${command.name} ${form}`;
    first = false;
    return line;
  });
}

function databaseNote(): string {
  return `--db defaults to ${defaultDatabasePath()} (or $DISOBEY_DB)`;
}

/** `disobey <name> --help`: the command's forms, what it does, and the defaults it depends on. */
export function commandUsage(command: CommandUsage): string {
  return [
    ...formLines(command, '       disobey ', 'usage: disobey '),
    '',
    ...command.description.map((l) => `  ${l}`),
    '',
    ...(command.backend ? [`  ${BACKENDS_LINE}`] : []),
    `  ${databaseNote()}`,
    '',
    "  disobey help lists every command",
  ].join('\n');
}

/** `disobey help`: every command. */
export function overallUsage(): string {
  return [
    'usage: disobey <command> [options]     (disobey <command> --help: one command)',
    '',
    ...COMMANDS.flatMap((c) => [...formLines(c, '  '), ...c.description.map((l) => `      ${l}`)]),
    `  ${BACKENDS_LINE}`,
    '',
    `  ${databaseNote()}`,
  ].join('\n');
}

/** Whether the arguments ask for help: -h or --help before a "--" that ends the options. */
export function asksForHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}
