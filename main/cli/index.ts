// The `disobey` command line: import and list datasets, and serve web mode. It drives the
// same services as the app; a failure prints one line and exits non-zero.
import fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ImportOptions } from '../../shared/domain.js';
import { NotFoundError } from '../../shared/errors.js';
import { MAX_SEEDS, StorageChoices, type Storage } from '../../shared/experimentSpec.js';
import { ensureSampleDataset } from '../data/sampleDataset.js';
import { importWithSkipped } from '../data/importIntoDatabase.js';
import { defaultDatabasePath } from '../paths.js';
import { createAppServices } from '../services/appServices.js';
import { describeFlagIssues } from '../../shared/zodIssues.js';
import { createProgressTracker, formatProgressLine } from '../../shared/progress.js';
import { relocateDataset } from '../services/exampleOriginals.js';
import { databaseError } from '../store/databaseErrors.js';
import { openStore, openStoreForReading, WRITER_BUSY_TIMEOUT_MS, type Store } from '../store/store.js';
import { parseFrameAncestors } from '../web/httpSecurity.js';
import { startWebServer } from '../web/webServer.js';
import { formatDataset, formatSkipped } from './formatDataset.js';
import { formatClassGroups, parseClassGroups } from './groupsCommand.js';
import { reportCommand } from './reportCommand.js';
import { findingsCommand } from './findingsCommand.js';
import { exportCommand, setsCommand } from './exportCommands.js';
import { mechanismsCommand } from './mechanismsCommand.js';
import { ingestCommand } from './ingestCommand.js';
import { manifestCommand } from './manifestCommand.js';
import { demo, listRuns, resumeRun, trainFromFile, trainPreset } from './trainCommands.js';
import { asksForHelp, commandUsage, findCommand, overallUsage, type CommandName } from './commandUsage.js';
import { drawProgress, endProgress, printable, say, sayJson, warn } from './output.js';


class UsageError extends Error {}

const commonOptions = {
  db: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** `{ name: { type: 'string' } }` for each name: most options take a value. */
function valueOptions<const N extends string>(...names: N[]): Record<N, { type: 'string' }> {
  return Object.fromEntries(names.map((n) => [n, { type: 'string' }])) as Record<N, { type: 'string' }>;
}

/**
 * parseArgs, its failures as usage errors in one line (Node's ambiguous-value error says in a
 * second line to write --subset=-1), and an option given an empty value refused by name: `--db ''`
 * would open a throwaway database, `--seed ''` read as 0.
 */
function parseOptions<T extends ParseArgsConfig>(config: T) {
  let parsed;
  try {
    parsed = parseArgs(config);
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((err as Error).message.replace(/\s*\n\s*/g, ' '));
    throw err;
  }
  for (const [name, value] of Object.entries(parsed.values as Record<string, unknown>)) {
    for (const one of Array.isArray(value) ? value : [value]) if (typeof one === 'string' && one.trim() === '') throw new UsageError(`--${name} was given an empty value`);
  }
  return parsed;
}

/** A command's arguments: the common options and its own; with `noPositionals`, a PATH or id given is refused. */
function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(command: string, argv: string[], options: O, noPositionals = false) {
  const parsed = parseOptions({ args: argv, allowPositionals: true, options: { ...commonOptions, ...options } });
  if (noPositionals && parsed.positionals.length) throw new UsageError(`${command} takes no positional arguments, got "${parsed.positionals[0]}"`);
  return parsed;
}

function numberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  // decimal only: Number() also reads "0x5", "0b1" and "0o7"
  const n = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got "${value}"`);
  return n;
}

/** --precision float32|float16: how an experiment stores its probabilities (docs/database.md, "Precision"). */
function precisionOption(value: string | undefined): Storage | undefined {
  if (value === undefined) return undefined;
  if (!(StorageChoices as readonly string[]).includes(value)) throw new UsageError(`--precision must be ${StorageChoices.join(' or ')}, got "${value}"`);
  return value as Storage;
}

/**
 * Opens the command's database (--db, else the default), runs `use`, and closes it whatever
 * happens. Only the default database's folder is created; SQLite's failures name the file. A
 * writer waits for another process's write lock (an import, a training epoch) rather than failing.
 * A command that works on data already there (`needsData`: what it needs) refuses a --db file
 * that does not exist (databaseTarget).
 */
async function withDatabase<T>(file: string | undefined, use: (store: Store) => T | Promise<T>, needsData?: string): Promise<T> {
  const target = databaseTarget(file, needsData);
  return useDatabase(target, openStore(target, { createFolder: file === undefined, busyTimeoutMs: WRITER_BUSY_TIMEOUT_MS, onMigrationProgress: printMigration(target) }), use);
}

/** For commands that only read: a database that cannot be written is opened read-only, said in one line. */
async function withReadableDatabase<T>(file: string | undefined, use: (store: Store) => T | Promise<T>, needsData?: string): Promise<T> {
  const target = databaseTarget(file, needsData);
  const { store, readOnly } = openStoreForReading(target, { createFolder: file === undefined, onMigrationProgress: printMigration(target) });
  if (readOnly) warn(readOnlyNotice(target));
  return useDatabase(target, store, use);
}

/**
 * The command's database file: --db, else the default. A --db naming no file, for a command that
 * works on what a database already holds (`needsData` says what), is refused, creating nothing,
 * since opening it would leave an empty database behind a typo. import, demo and serve create theirs.
 */
function databaseTarget(file: string | undefined, needsData: string | undefined): string {
  if (file === undefined) return defaultDatabasePath();
  if (needsData !== undefined && !fs.existsSync(file)) throw new NotFoundError(`no database ${file}: ${needsData}, so it must exist (check --db; disobey import creates one)`);
  return file;
}

/** A migration's progress on stderr, one line each ("upgrading …: converting run 3 of 7…"). */
function printMigration(file: string): (message: string) => void {
  return (message) => warn(`disobey: upgrading ${file}: ${message}`);
}

function readOnlyNotice(file: string): string {
  return `disobey: ${file} is read-only (the file or its folder cannot be written): reading it; imports, training and other writes are impossible`;
}

async function useDatabase<T>(file: string, store: Store, use: (store: Store) => T | Promise<T>): Promise<T> {
  try {
    return await use(store);
  } catch (err) {
    throw databaseError(err, file);
  } finally {
    store.close();
  }
}

/** "a, b,c" as ["a", "b", "c"]; an empty entry ("a,,b") stays, for the options' check to refuse by place. */
function listOption(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim());
}

/** The import options' fields as the flags that set them, so a refusal names what the user typed. */
const IMPORT_FLAGS: Record<string, string> = {
  path: 'PATH',
  format: '--format',
  name: '--name',
  subset: '--subset',
  classes: '--classes',
  classNames: '--class-names',
  noise: '--noise',
  'noise.rate': '--noise',
  'noise.seed': '--noise-seed',
  testFraction: '--test-fraction',
  seed: '--seed',
  maxImageSide: '--max-image-side',
  store: '--store',
  trainSize: '--train-size',
};

async function importCommand(argv: string[]): Promise<void> {
  const own = valueOptions('format', 'name', 'subset', 'classes', 'class-names', 'noise', 'noise-seed', 'test-fraction', 'seed', 'max-image-side', 'store', 'train-size');
  const { values, positionals } = parseCommand('import', argv, own);
  if (positionals.length !== 1) throw new UsageError('import takes exactly one PATH');
  const noiseRate = numberOption(values.noise, 'noise');
  const parsed = ImportOptions.safeParse({
    path: positionals[0],
    format: values.format,
    name: values.name,
    subset: numberOption(values.subset, 'subset'),
    classes: listOption(values.classes),
    classNames: listOption(values['class-names']),
    noise: noiseRate === undefined ? undefined : { rate: noiseRate, seed: numberOption(values['noise-seed'], 'noise-seed') ?? 0 },
    testFraction: numberOption(values['test-fraction'], 'test-fraction'),
    seed: numberOption(values.seed, 'seed'),
    maxImageSide: numberOption(values['max-image-side'], 'max-image-side'),
    store: values.store,
    trainSize: numberOption(values['train-size'], 'train-size'),
  });
  if (!parsed.success) throw new UsageError(describeFlagIssues(parsed.error, IMPORT_FLAGS));
  return withDatabase(values.db, async (store) => {
    const showProgress = process.stderr.isTTY && !values.json;
    const tracker = createProgressTracker();
    const { datasetId, skipped } = await importWithSkipped(store, parsed.data, (stage, done, total) => {
      if (showProgress) drawProgress(formatProgressLine(tracker.update(stage, done, total)));
    });
    if (showProgress) endProgress();
    const dataset = store.datasets.getDataset(datasetId);
    if (values.json) sayJson({ ...dataset, skipped });
    else say([formatDataset(dataset), formatSkipped(skipped)].filter(Boolean).join('\n'));
  });
}

async function datasetsCommand(argv: string[]): Promise<void> {
  const { values } = parseOptions({ args: argv, options: commonOptions });
  return withReadableDatabase(values.db, async (store) => {
    const list = store.datasets.listDatasets();
    if (values.json) sayJson(list);
    else say(list.length ? list.map(formatDataset).join('\n\n') : 'no datasets yet: disobey import PATH');
  }, 'datasets lists what a database holds');
}

async function relocateCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand('relocate', argv, valueOptions('dataset', 'root'));
  const datasetId = Number(values.dataset);
  if (positionals.length > 0 || !Number.isInteger(datasetId) || datasetId < 1 || !values.root) throw new UsageError('relocate takes --dataset ID --root NEWPATH');
  return withDatabase(values.db, async (store) => {
    store.datasets.requireDataset(datasetId);
    const { root, checked } = await relocateDataset(store.imageSources, datasetId, values.root as string);
    const dataset = store.datasets.getDataset(datasetId);
    if (values.json) sayJson({ ...dataset, checked });
    else say(`dataset ${datasetId} "${printable(dataset.name)}" now reads its files from ${root} (${checked} checked by SHA-256)`);
  }, 'relocate changes a dataset imported there');
}

async function deleteCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand('delete', argv, valueOptions('experiment', 'dataset'));
  const which = (['experiment', 'dataset'] as const).filter((k) => values[k] !== undefined);
  if (positionals.length > 0 || which.length !== 1) throw new UsageError('delete takes one of --experiment ID or --dataset ID');
  const kind = which[0]!;
  const id = Number(values[kind]);
  if (!Number.isInteger(id) || id < 1) throw new UsageError(`--${kind} must be a positive integer id, got ${values[kind]}`);
  return withDatabase(values.db, async (store) => {
    const deleted = kind === 'experiment' ? store.experiments.deleteIdleExperiment(id) : store.datasets.deleteDataset(id);
    if (!deleted) throw new NotFoundError(`no ${kind} with id ${id}`);
    if (values.json) sayJson({ [`${kind}Id`]: id, deleted });
    else say(`deleted ${kind} ${id}`);
  }, 'delete removes what a database holds');
}

async function groupsCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand('groups', argv, { set: { type: 'string' }, clear: { type: 'boolean', default: false } } as const);
  const datasetId = Number(positionals[0]);
  if (positionals.length !== 1 || !Number.isInteger(datasetId) || datasetId < 1) throw new UsageError('groups takes one DATASET_ID');
  if (values.set !== undefined && values.clear) throw new UsageError('--set and --clear exclude each other');
  return (values.set === undefined && !values.clear ? withReadableDatabase : withDatabase)(values.db, async (store) => {
    const datasets = store.datasets;
    let dataset = datasets.getDataset(datasetId);
    if (values.set !== undefined || values.clear) {
      dataset = datasets.setClassGroups(datasetId, values.clear ? [] : parseClassGroups(values.set!, dataset.classNames));
    }
    if (values.json) sayJson(dataset.classGroups);
    else say(formatClassGroups(dataset));
  }, 'groups reads or sets a dataset imported there');
}

async function serveCommand(argv: string[]): Promise<void> {
  const { values } = parseOptions({
    args: argv,
    options: { ...commonOptions, port: { type: 'string' }, 'no-sample': { type: 'boolean', default: false }, 'frame-ancestors': { type: 'string' } },
  });
  const port = numberOption(values.port, 'port');
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError(`--port must be 0–65535, got ${values.port}`);
  let frameAncestors: string[] | undefined;
  try {
    frameAncestors = values['frame-ancestors'] === undefined ? undefined : parseFrameAncestors(values['frame-ancestors']);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const databasePath = values.db ?? defaultDatabasePath();
  // Browsing works on a database that cannot be written; every write is refused with READ_ONLY.
  const { store, readOnly } = openStoreForReading(databasePath, { createFolder: values.db === undefined, onMigrationProgress: printMigration(databasePath) });
  if (readOnly) warn(readOnlyNotice(databasePath));
  if (!values['no-sample'] && !readOnly) await ensureSampleDataset(store);
  const services = createAppServices({ store, databasePath });
  const server = await startWebServer({ services, port, frameAncestors });
  say(`Disobey web mode on ${databasePath}${readOnly ? ' (read-only: browsing only)' : ''}`);
  say(`open ${server.url}`);
  const stop = async () => {
    services.dispose();
    await server.close();
    store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/** What each training command needs in its database (demo imports the sample itself). */
const TRAINING_NEEDS: Record<'train' | 'resume' | 'runs' | 'demo', string | undefined> = {
  train: 'train needs a dataset imported there',
  resume: 'resume continues a run recorded there',
  runs: 'runs lists what a database holds',
  demo: undefined,
};

async function trainingCommand(command: 'train' | 'resume' | 'runs' | 'demo', argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand(command, argv, valueOptions('backend', 'dataset', 'preset', 'epochs', 'seeds', 'precision'));
  const epochs = numberOption(values.epochs, 'epochs');
  if (epochs !== undefined && (!Number.isInteger(epochs) || epochs < 1)) throw new UsageError(`--epochs must be a whole number ≥ 1, got ${values.epochs}`);
  const seeds = numberOption(values.seeds, 'seeds');
  if (seeds !== undefined && (!Number.isInteger(seeds) || seeds < 1 || seeds > MAX_SEEDS)) throw new UsageError(`--seeds must be a whole number in 1–${MAX_SEEDS}, got ${values.seeds}`);
  if (seeds !== undefined && command !== 'train' && command !== 'demo') throw new UsageError(`--seeds is an option of train and demo, not ${command}`);
  const storage = precisionOption(values.precision);
  if (storage !== undefined && command !== 'train') throw new UsageError(`--precision is an option of train and ingest, not ${command}`);
  return (command === 'runs' ? withReadableDatabase : withDatabase)(values.db, async (store) => {
    const opts = { store, backend: values.backend, json: values.json };
    if (command === 'runs') return listRuns(opts);
    if (command === 'demo') return await demo(opts, { epochs, seeds });
    if (command === 'resume') {
      const runId = Number(positionals[0]);
      if (positionals.length !== 1 || !Number.isInteger(runId) || runId < 1) throw new UsageError('resume takes one RUN_ID');
      return await resumeRun(opts, runId);
    }
    if (values.preset !== undefined || values.dataset !== undefined) {
      if (values.preset !== 'paper' && values.preset !== 'mechanisms' && values.preset !== 'findings') throw new UsageError(`--preset must be "paper", "findings" or "mechanisms", got ${JSON.stringify(values.preset ?? null)}`);
      const datasetId = Number(values.dataset);
      if (!Number.isInteger(datasetId) || datasetId < 1) throw new UsageError(`--preset ${values.preset} needs --dataset ID`);
      return await trainPreset(opts, datasetId, epochs, values.preset, seeds, storage);
    }
    if (positionals.length !== 1) throw new UsageError('train takes EXPERIMENT.json, or --dataset ID --preset paper');
    return await trainFromFile(opts, positionals[0]!, seeds, storage);
  }, TRAINING_NEEDS[command]);
}

async function reportCli(argv: string[]): Promise<void> {
  const { values } = parseCommand('report', argv, valueOptions('experiment', 'epoch', 'split', 'class', 'bootstrap', 'seed', 'examples'), true);
  return withReadableDatabase(values.db, async (store) => {
    await reportCommand(store, {
      experiment: numberOption(values.experiment, 'experiment'),
      epoch: numberOption(values.epoch, 'epoch'),
      split: values.split,
      classChoice: values.class,
      bootstrap: numberOption(values.bootstrap, 'bootstrap'),
      seed: numberOption(values.seed, 'seed'),
      json: values.json,
      examplesCsv: values.examples,
    });
  }, 'report reads an experiment trained there');
}

async function findingsCli(argv: string[]): Promise<void> {
  const { values } = parseCommand('findings', argv, valueOptions('experiment', 'bootstrap', 'seed'), true);
  return withReadableDatabase(values.db, async (store) => {
    await findingsCommand(store, {
      experiment: numberOption(values.experiment, 'experiment'),
      bootstrap: numberOption(values.bootstrap, 'bootstrap'),
      seed: numberOption(values.seed, 'seed'),
      json: values.json,
    });
  }, 'findings reads an experiment trained there');
}

async function setsCli(argv: string[]): Promise<void> {
  const { values } = parseOptions({ args: argv, options: { ...commonOptions, dataset: { type: 'string' } } });
  const dataset = numberOption(values.dataset, 'dataset');
  if (dataset !== undefined && (!Number.isInteger(dataset) || dataset < 1)) throw new UsageError(`--dataset must be a dataset id, got ${values.dataset}`);
  return withReadableDatabase(values.db, async (store) => {
    setsCommand(store, { json: values.json, dataset });
  }, 'sets lists the curated sets made there');
}

async function mechanismsCli(argv: string[]): Promise<void> {
  const own = { ...valueOptions('name', 'size', 'test-size', 'seed'), source: { type: 'string', multiple: true }, patch: { type: 'boolean', default: false } } as const;
  const { values } = parseCommand('mechanisms', argv, own, true);
  const sources = (values.source ?? []).map((v) => numberOption(v, 'source')!);
  return withDatabase(values.db, async (store) => {
    await mechanismsCommand(
      store,
      {
        name: values.name,
        sources,
        patch: values.patch,
        size: numberOption(values.size, 'size'),
        testSize: numberOption(values['test-size'], 'test-size'),
        seed: numberOption(values.seed, 'seed'),
        json: values.json,
      },
      (message) => new UsageError(message),
    );
  }, 'mechanisms builds from datasets imported there');
}

async function exportCli(argv: string[]): Promise<void> {
  const { values } = parseCommand('export', argv, { ...valueOptions('set', 'out', 'format', 'experiment', 'epoch', 'images'), force: { type: 'boolean', default: false } } as const, true);
  const { set, out } = values;
  if (set === undefined || out === undefined) throw new UsageError('export needs --set NAME|ID and --out PATH');
  return withReadableDatabase(values.db, async (store) => {
    await exportCommand(store, {
      set,
      out,
      format: values.format,
      experiment: numberOption(values.experiment, 'experiment'),
      epoch: numberOption(values.epoch, 'epoch'),
      images: values.images,
      force: values.force,
      json: values.json,
    });
  }, 'export reads a curated set made there');
}

async function ingestCli(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand('ingest', argv, valueOptions('dataset', 'experiment-name', 'precision'));
  const storage = precisionOption(values.precision);
  if (positionals.length !== 1) throw new UsageError('ingest takes exactly one PATH');
  if (values.dataset === undefined) throw new UsageError('ingest needs --dataset ID');
  // decimal digits only: Number() also reads "1e0" and "0x1" as 1
  if (!/^\d+$/.test(values.dataset.trim()) || Number(values.dataset) < 1) throw new UsageError(`--dataset must be a dataset's id, a whole number from 1, got "${values.dataset}"`);
  const datasetId = Number(values.dataset);
  return withDatabase(
    values.db,
    async (store) => {
      await ingestCommand(store, { path: positionals[0]!, datasetId, experimentName: values['experiment-name'], storage, json: values.json });
    },
    'ingest adds runs to a dataset imported there',
  );
}

async function manifestCli(argv: string[]): Promise<void> {
  const own = {
    ...valueOptions('experiment', 'student', 'epoch', 'split', 'rules', 'default-weight', 'kind', 'format', 'out'),
    rule: { type: 'string', multiple: true },
    force: { type: 'boolean', default: false },
  } as const;
  const { values } = parseCommand('manifest', argv, own, true);
  const experiment = numberOption(values.experiment, 'experiment');
  if (experiment === undefined) throw new UsageError('manifest needs --experiment ID');
  return withReadableDatabase(values.db, async (store) => {
    await manifestCommand(
      store,
      {
        experiment,
        student: numberOption(values.student, 'student'),
        epoch: numberOption(values.epoch, 'epoch'),
        split: values.split,
        rules: values.rule ?? [],
        rulesFile: values.rules,
        defaultWeight: numberOption(values['default-weight'], 'default-weight'),
        kind: values.kind,
        format: values.format,
        out: values.out,
        force: values.force,
        json: values.json,
      },
      (message) => new UsageError(message),
    );
  }, 'manifest reads an experiment trained there');
}

/** Every command of the usage table, and what runs it. */
const runners: Record<CommandName, (argv: string[]) => Promise<void>> = {
  import: importCommand,
  datasets: datasetsCommand,
  serve: serveCommand,
  groups: groupsCommand,
  relocate: relocateCommand,
  delete: deleteCommand,
  train: (argv) => trainingCommand('train', argv),
  resume: (argv) => trainingCommand('resume', argv),
  runs: (argv) => trainingCommand('runs', argv),
  demo: (argv) => trainingCommand('demo', argv),
  report: reportCli,
  findings: findingsCli,
  sets: setsCli,
  export: exportCli,
  mechanisms: mechanismsCli,
  ingest: ingestCli,
  manifest: manifestCli,
};

export async function runCli(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    // `disobey help train` is `disobey train --help`
    const asked = command === 'help' ? rest[0] : undefined;
    if (asked !== undefined && !findCommand(asked)) throw new UsageError(`unknown command "${asked}"`);
    say(asked !== undefined ? commandUsage(findCommand(asked)!) : overallUsage());
    return;
  }
  const usage = findCommand(command);
  if (!usage) throw new UsageError(`unknown command "${command}"`);
  if (asksForHelp(rest)) {
    say(commandUsage(usage));
    return;
  }
  return runners[usage.name as CommandName](rest);
}

runCli(process.argv.slice(2)).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  // One line, the whole of it: a line break inside (a file's name, a decoder's second line) is written as \x0A, so no name cuts the message short or adds a line of its own.
  warn(`disobey: ${printable(message.trimEnd())}${err instanceof UsageError ? ' (see disobey help)' : ''}`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
