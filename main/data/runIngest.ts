// Brings runs trained elsewhere (a PyTorch cluster, …) into the database: per run a run.json
// manifest and one predictions file per epoch (JSONL, NPY + CSV index, NPZ, Parquet, or Dataset
// Cartography's dynamics_epoch_<E>.jsonl), matched by example key to an imported dataset
// (docs/ingest.md). A run may record whole splits only (a training-dynamics log holds the train
// split). Each run-epoch is read, checked and written as its probability matrix
// (runQueries.recordEpochMatrix), which analytics, report and explorer read as they read trained
// runs; any failure removes the whole ingest again.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { z } from 'zod';
import { CancelledError, ImportError, ValidationError } from '../../shared/errors.js';
import { MAX_EXPERIMENT_NAME, type Storage } from '../../shared/experimentSpec.js';
import { fieldIssues } from '../../shared/zodIssues.js';
import type { EpochMatrixRecord, ExampleRepository, Store } from '../store/store.js';
import { notRegularFile, openNpy, readNpz, type NpyArray } from './npyReader.js';
import { excerpt } from './messageExcerpt.js';
import { readParquetPredictions, readParquetTopK } from './parquetReader.js';
import { openRegularFileSync } from '../regularFile.js';

export const RunManifest = z
  .object({
    name: z
      .string()
      .min(1)
      .max(200)
      .refine((name) => name.trim() !== '', 'a run name cannot be blank'),
    role: z.enum(['teacher', 'student']),
    /** the teacher run's name in the same ingest; default: the only teacher, if there is one */
    teacher: z.string().min(1).optional(),
    epochs: z.number().int().min(1).max(100_000),
    /** free JSON, stored as the run's spec under `external` */
    settings: z.unknown().optional(),
    /** how the files name examples: the app's example id, examples.source_ref, or the index within a split */
    key: z.enum(['id', 'source_ref', 'index']).default('id'),
    /** key `index`: the split of plain integer keys in files without a split in their name */
    split: z.string().min(1).optional(),
    /** NPY files (which cannot say): whether rows are probabilities or logits */
    values: z.enum(['probs', 'logits']).default('probs'),
    /**
     * Top-k storage (many classes): files give each example's k largest probabilities and its
     * label's, not all C (JSONL, NPZ or Parquet; docs/ingest.md, "Many classes")
     */
    topK: z.number().int().min(1).max(100_000).optional(),
    /** the splits the run records (a train-only log: ["train"]); given, every epoch must record exactly these */
    splits: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();
export type RunManifest = z.infer<typeof RunManifest>;

/** probabilities whose row sum is further than this from 1 are refused; the rest are renormalised */
export const PROB_SUM_TOLERANCE = 1e-3;

/** the floor a zero probability is raised to before its log */
const MIN_PROBABILITY = 1e-30;

export interface IngestOptions {
  path: string;
  datasetId: number;
  experimentName?: string;
  /** how the probabilities are stored (float32 unless float16 is asked for; docs/database.md, "Precision") */
  storage?: Storage;
  /** Aborted (Ctrl-C): the ingest stops at its next epoch, file or few thousand lines and removes what it wrote. */
  signal?: AbortSignal;
}

export interface IngestResult {
  experimentId: number;
  /** the splits each run recorded: all of the dataset's, or (a train-only log) some of them */
  runs: { id: number; name: string; role: 'teacher' | 'student'; epochs: number; splits: string[] }[];
  /** what the ingest assumed or left out, one sentence each (a bare cartography folder, splits not recorded, a student without a teacher, logits that look like probabilities) */
  notes: string[];
}

export type IngestProgress = (stage: 'ingest', done: number, total: number) => void;

interface PredictionFile {
  file: string;
  format: 'jsonl' | 'npy' | 'npz' | 'parquet' | 'cartography';
  /** the split named in the file name (`epoch-3.test.npy`), if any */
  split: string | undefined;
  /** cartography files: the epoch as the file names it (from 0), whose `logits_epoch_<E>` field it holds */
  fileEpoch?: number;
}

interface PlannedRun {
  dir: string;
  manifest: RunManifest;
  /** files per epoch, index 0 = epoch 1 */
  epochs: PredictionFile[][];
  /** a bare training-dynamics folder read without a run.json: what was assumed */
  assumed?: string;
}

const PREDICTION_FILE = /^epoch-(\d+)(?:\.([^.]+))?\.(jsonl|npy|npz|parquet)$/;
/** A folder of Parquet part files for one epoch, as Spark, Ray or a DDP job writes it: `epoch-3/`, `epoch_003.train/`. */
const PARTS_DIR = /^epoch[-_](\d+)(?:\.([^.]+))?$/;
/** What a distributed writer leaves beside its parts: markers (`_SUCCESS`), summaries (`_metadata`), checksums (`.part-0.parquet.crc`). */
const PART_SIDECAR = /^[_.]|\.crc$/;
/** Dataset Cartography (Swayamdipta et al. 2020): one JSONL file per epoch, epochs counted from 0. */
const CARTOGRAPHY_FILE = /^dynamics_epoch_(\d+)\.jsonl$/;
/** where Dataset Cartography's training loop writes its files, inside the model's output folder */
const CARTOGRAPHY_DIR = 'training_dynamics';
/** A run's manifest (docs/ingest.md, "run.json"). */
const MANIFEST = 'run.json';
/** How deeply a run.json may nest (its free "settings" included): far beyond any configuration, far below what JSON.stringify's stack takes. */
const MAX_MANIFEST_DEPTH = 100;
/** How often a JSONL reader looks whether the ingest was cancelled: a few thousand lines take milliseconds. */
const CANCEL_CHECK_LINES = 4096;
/** What to write instead of an NPY file too large to read as one array. */
const NPY_TOO_LARGE = 'split it per split or epoch (epoch-<E>.train.npy, epoch-<E>.test.npy), write an epoch folder of Parquet parts, or with many classes keep only each example\'s top k (topK in run.json; JSONL, NPZ or Parquet); docs/ingest.md';

/** Cancelled (Ctrl-C, SIGTERM): the ingest's cleanup removes what it wrote before the error reaches the user. */
function ingestCancelled(): CancelledError {
  return new CancelledError('ingest cancelled; nothing was written');
}

/**
 * What a path is, symbolic links followed (a run folder or a part may live elsewhere); one that
 * cannot be followed (dangling, a loop, no permission) is refused by name.
 */
function statOf(file: string): fs.Stats {
  try {
    return fs.statSync(file);
  } catch (err) {
    throw new ImportError(`cannot read: ${(err as Error).message}`, { file }, { cause: err });
  }
}

/**
 * A prediction file found by its name: a regular file (links followed). A FIFO named like an
 * epoch's file would block its reader forever, a socket or device mislead it: each is refused by
 * name before anything is read or written.
 */
function requireRegularFile(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    throw new ImportError(`cannot read the file: ${(err as Error).message}`, { file }, { cause: err });
  }
  if (!stat.isFile()) throw notRegularFile(file);
}

/**
 * A whole small file (a run.json, an index CSV), opened without blocking and checked, once open,
 * to be a regular file, so what is read is what was checked; `failure` begins the message of a
 * file that cannot be read.
 */
function readRegularFile(file: string, failure: string): Buffer {
  const fd = openRegular(file, failure);
  try {
    return fs.readFileSync(fd);
  } catch (err) {
    throw new ImportError(`${failure}: ${(err as Error).message}`, { file }, { cause: err });
  } finally {
    fs.closeSync(fd);
  }
}

/** The descriptor of a regular file, opened without blocking (regularFile.ts); anything else is refused by name, `failure` beginning the message of one that cannot be opened. */
function openRegular(file: string, failure = 'cannot read the file'): number {
  let opened: ReturnType<typeof openRegularFileSync>;
  try {
    opened = openRegularFileSync(file);
  } catch (err) {
    throw new ImportError(`${failure}: ${(err as Error).message}`, { file }, { cause: err });
  }
  if (!opened) throw notRegularFile(file);
  return opened.fd;
}

/** A folder's entry names; one that cannot be listed is refused by name. */
function namesIn(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (err) {
    throw new ImportError(`cannot read the folder: ${(err as Error).message}`, { file: dir }, { cause: err });
  }
}

/** The folder holding a run's prediction files: the run folder, or its training_dynamics/ when only that holds cartography files. */
function filesDirOf(dir: string): string {
  const own = namesIn(dir);
  if (own.some((n) => PREDICTION_FILE.test(n) || CARTOGRAPHY_FILE.test(n) || isPartsDir(dir, n))) return dir;
  const nested = path.join(dir, CARTOGRAPHY_DIR);
  return own.includes(CARTOGRAPHY_DIR) && statOf(nested).isDirectory() && namesIn(nested).some((n) => CARTOGRAPHY_FILE.test(n)) ? nested : dir;
}

function isPartsDir(dir: string, name: string): boolean {
  return PARTS_DIR.test(name) && statOf(path.join(dir, name)).isDirectory();
}

/** An epoch folder's Parquet parts in name order (part-00000, part-00001, …); anything but parts and the writers' sidecars is refused. */
function partFiles(dir: string): string[] {
  const parts: string[] = [];
  for (const name of namesIn(dir).sort()) {
    if (PART_SIDECAR.test(name)) continue;
    const file = path.join(dir, name);
    // A part may be a link to the file a job wrote elsewhere: what counts is what it points to.
    if (!name.endsWith('.parquet') || !statOf(file).isFile()) throw new ImportError('an epoch folder holds Parquet part files (*.parquet) and its writer\'s _SUCCESS, _metadata and .crc files, nothing else', { file });
    parts.push(file);
  }
  if (!parts.length) throw new ImportError('an epoch folder holds no Parquet part file (*.parquet)', { file: dir });
  return parts;
}

function hasCartographyFiles(dir: string): boolean {
  return namesIn(filesDirOf(dir)).some((n) => CARTOGRAPHY_FILE.test(n));
}

/** Whether a folder holds a run's predictions (epoch files, part folders, cartography files, here or in training_dynamics/). */
function holdsPredictions(dir: string): boolean {
  const filesDir = filesDirOf(dir);
  return namesIn(filesDir).some((n) => PREDICTION_FILE.test(n) || CARTOGRAPHY_FILE.test(n) || isPartsDir(filesDir, n));
}

/** ` (it holds Run.json: …)` when a folder holds the manifest under another case, else ''. */
function misspeltManifest(names: string[]): string {
  const near = names.find((n) => n !== MANIFEST && n.toLowerCase() === MANIFEST);
  return near === undefined ? '' : ` (it holds ${near}: the manifest's name is ${MANIFEST}, in lower case)`;
}

/**
 * The run folders directly below `root`, in name order: each folder (or link to one) holding a
 * run.json. A folder that cannot be read, or that holds predictions without a run.json, is
 * refused by name: a run is never left out without a word. Other folders (notes, plots) are not runs.
 */
function runFoldersIn(root: string): string[] {
  const dirs: string[] = [];
  for (const name of namesIn(root).sort()) {
    const dir = path.join(root, name);
    if (!statOf(dir).isDirectory()) continue;
    const names = namesIn(dir);
    if (names.includes(MANIFEST)) dirs.push(dir);
    else if (holdsPredictions(dir)) throw new ImportError(`this run folder holds predictions but no ${MANIFEST}${misspeltManifest(names)}; give each run folder its ${MANIFEST} (docs/ingest.md)`, { file: dir });
  }
  return dirs;
}

/**
 * A folder holding a run.json is that one run (docs/ingest.md, "Layout"): run folders below it
 * would be left out without a word, so they are refused by name. Its run.json given as PATH
 * ingests the run alone, as asked.
 */
function refuseRunsBelowRun(root: string): void {
  const below = namesIn(root)
    .sort()
    .filter((name) => {
      // What cannot be followed here is no run folder: this check must not refuse a run it would otherwise ingest.
      try {
        const dir = path.join(root, name);
        return fs.statSync(dir).isDirectory() && fs.readdirSync(dir).includes(MANIFEST);
      } catch {
        return false;
      }
    });
  if (!below.length) return;
  const shown = below.slice(0, 5).map((name) => path.join(name, MANIFEST)).join(', ') + (below.length > 5 ? ` and ${below.length - 5} more` : '');
  throw new ImportError(
    `this folder holds a ${MANIFEST}, so it is one run, but run folders below it hold their own (${shown}), which would be left out: to ingest them all, move this folder's run into a folder of its own beside them; to ingest this run alone, give its ${MANIFEST} as PATH`,
    { file: root },
  );
}

/** The runs under `root`: a run.json file, a folder holding one, or a folder of such folders. */
export function planRuns(root: string): PlannedRun[] {
  const stat = statOf(root);
  let dirs: string[];
  if (stat.isFile()) {
    // Only a manifest names its run: another file (an epoch's, a manifest under another name) is not the run it sits in.
    if (path.basename(root) !== MANIFEST) throw new ImportError(`PATH names a file other than a ${MANIFEST}: give a run's ${MANIFEST}, its folder, or a folder of run folders (docs/ingest.md, "Layout")`, { file: root });
    dirs = [path.dirname(root)];
  } else if (!stat.isDirectory()) {
    throw new ImportError(`neither a folder nor a ${MANIFEST} file: give a run's ${MANIFEST}, its folder, or a folder of run folders (docs/ingest.md, "Layout")`, { file: root });
  } else if (namesIn(root).includes(MANIFEST)) {
    refuseRunsBelowRun(root);
    dirs = [root];
  } else if (hasCartographyFiles(root)) return [planBareCartographyRun(root)];
  else {
    dirs = runFoldersIn(root);
    if (!dirs.length) throw new ImportError(`no ${MANIFEST} here or in any folder directly below, and no ${CARTOGRAPHY_DIR}/dynamics_epoch_<E>.jsonl files${misspeltManifest(namesIn(root))}`, { file: root });
  }
  const runs = dirs.map(planRun);
  const names = new Set<string>();
  for (const r of runs) {
    if (names.has(r.manifest.name)) throw new ImportError(`two runs are named "${r.manifest.name}"`, { file: path.join(r.dir, 'run.json'), field: 'name' });
    names.add(r.manifest.name);
  }
  const teachers = runs.filter((r) => r.manifest.role === 'teacher').map((r) => r.manifest.name);
  for (const r of runs) {
    const t = r.manifest.teacher;
    const file = path.join(r.dir, 'run.json');
    if (t === undefined) continue;
    if (r.manifest.role === 'teacher') throw new ImportError('a teacher has no teacher', { file, field: 'teacher' });
    if (!teachers.includes(t)) throw new ImportError(`teacher "${t}" is no teacher run of this ingest (teachers: ${teachers.join(', ') || 'none'})`, { file, field: 'teacher' });
  }
  return runs;
}

/**
 * A folder of Dataset Cartography files without a run.json: one teacher run named after the
 * model's folder, keyed by index in the train split (cartography logs the training instances,
 * `guid` their index), logits as the files hold them. A run.json beside the files says otherwise.
 */
function planBareCartographyRun(root: string): PlannedRun {
  const filesDir = filesDirOf(root);
  const fileEpochs = new Set(namesIn(filesDir).flatMap((n) => CARTOGRAPHY_FILE.exec(n)?.[1] ?? []).map(Number));
  // Without a manifest the files say how many epochs there are: epochs 0 … the last, each with its file.
  const epochs = Math.max(...fileEpochs) + 1;
  const absent = Array.from({ length: Math.min(epochs, 100_001) }, (_, e) => e).filter((e) => !fileEpochs.has(e));
  if (absent.length) {
    const names = absent.slice(0, 5).map((e) => `dynamics_epoch_${e}.jsonl`).join(', ') + (absent.length > 5 ? ` and ${absent.length - 5} more` : '');
    throw new ImportError(`${names} ${absent.length === 1 ? 'is' : 'are'} missing: the folder holds cartography files up to dynamics_epoch_${epochs - 1}.jsonl, and a run needs one for each epoch from 0 (no run.json here says otherwise)`, { file: filesDir });
  }
  if (epochs > 100_000) throw new ImportError(`${epochs} cartography epochs; a run may have at most 100000`, { file: filesDir });
  const named = path.basename(path.resolve(root)) === CARTOGRAPHY_DIR ? path.dirname(path.resolve(root)) : path.resolve(root);
  const folderName = path.basename(named).slice(0, 200);
  const manifest = RunManifest.parse({ name: folderName.trim() ? folderName : 'cartography', role: 'teacher', epochs, key: 'index', split: 'train', values: 'logits' });
  const assumed = `${filesDir}: Dataset Cartography training dynamics without a run.json, read as one teacher run "${manifest.name}" of ${epochs} epochs whose guid is the example's index in the train split (write a run.json beside the files to say otherwise: docs/ingest.md)`;
  return { ...planFiles(root, filesDir, manifest), assumed };
}

function planRun(dir: string): PlannedRun {
  const file = path.join(dir, MANIFEST);
  let raw: unknown;
  try {
    raw = JSON.parse(utf8Text(readRegularFile(file, 'not a readable JSON manifest'), file));
  } catch (err) {
    if (err instanceof ImportError) throw err;
    throw new ImportError(`not a readable JSON manifest: ${(err as Error).message}`, { file }, { cause: err });
  }
  const depth = nestingDepth(raw);
  // Stored as the run's spec, JSON nested deeper than the stack can stringify would fail later, far from its cause.
  if (depth > MAX_MANIFEST_DEPTH) throw new ImportError(`nested ${depth} levels deep; a manifest (its "settings" included) may nest at most ${MAX_MANIFEST_DEPTH}`, { file, field: 'settings' });
  const parsed = RunManifest.safeParse(raw);
  // The file names the place of a top-level issue (an unknown key, not an object); a field's issue names the field too.
  if (!parsed.success) throw new ImportError(fieldIssues(parsed.error).slice(0, 5).map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; '), { file });
  return planFiles(dir, filesDirOf(dir), parsed.data);
}

/** How deeply arrays and objects nest in parsed JSON (a scalar: 0), counted without recursion. */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * A text file's bytes as UTF-8 without its byte-order mark (PowerShell, Excel and Python's
 * utf-8-sig write one); UTF-16 (a BOM FF FE / FE FF, or NUL bytes) is refused rather than read as
 * text full of NULs.
 */
function utf8Text(bytes: Buffer, file: string): string {
  checkNotUtf16(bytes, file);
  return bytes.toString('utf8', startsWithUtf8Bom(bytes) ? 3 : 0);
}

function startsWithUtf8Bom(bytes: Buffer): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/** Refuses UTF-16 text by its BOM or by NUL bytes among the first `head` bytes (where an ASCII character's other half lies). */
function checkNotUtf16(head: Buffer, file: string): void {
  const bom = head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff));
  if (bom || head.includes(0)) throw new ImportError(`${bom ? 'UTF-16 text (its byte-order mark says so)' : 'holds NUL bytes (UTF-16 text?)'}: save it as UTF-8`, { file });
}

/** Each epoch's files: epoch-<E>[.<split>].<ext> (E from 1), or cartography's dynamics_epoch_<E>.jsonl (E from 0), never both. */
function planFiles(dir: string, filesDir: string, manifest: RunManifest): PlannedRun {
  const epochs: PredictionFile[][] = Array.from({ length: manifest.epochs }, () => []);
  const kinds = new Set<string>();
  for (const name of namesIn(filesDir).sort()) {
    const file = path.join(filesDir, name);
    const parts = isPartsDir(filesDir, name) ? PARTS_DIR.exec(name) : null;
    if (parts) {
      const epoch = Number(parts[1]);
      kinds.add('epoch-<E>');
      if (kinds.size > 1) throw new ImportError('a run folder holds epoch-<E> files and cartography dynamics_epoch_<E>.jsonl files: keep one kind per run', { file: filesDir });
      if (epoch < 1 || epoch > manifest.epochs) throw new ImportError(`epoch ${epoch} is outside the manifest's 1…${manifest.epochs}`, { file });
      for (const part of partFiles(file)) epochs[epoch - 1]!.push({ file: part, format: 'parquet', split: parts[2] });
      continue;
    }
    const m = PREDICTION_FILE.exec(name);
    const c = m ? null : CARTOGRAPHY_FILE.exec(name);
    if (!m && !c) continue;
    requireRegularFile(file);
    kinds.add(m ? 'epoch-<E>' : 'dynamics_epoch_<E>');
    if (kinds.size > 1) throw new ImportError('a run folder holds epoch-<E> files and cartography dynamics_epoch_<E>.jsonl files: keep one kind per run', { file: filesDir });
    if (c) {
      const fileEpoch = Number(c[1]);
      if (fileEpoch >= manifest.epochs) throw new ImportError(`cartography epoch ${fileEpoch} (epochs count from 0) is outside the manifest's ${manifest.epochs} epochs, 0…${manifest.epochs - 1}`, { file });
      if (manifest.topK !== undefined) throw new ImportError('a top-k run (topK in run.json) reads JSONL, NPZ or Parquet files, not cartography files', { file });
      epochs[fileEpoch]!.push({ file, format: 'cartography', split: undefined, fileEpoch });
      continue;
    }
    const epoch = Number(m![1]);
    if (epoch < 1 || epoch > manifest.epochs) throw new ImportError(`epoch ${epoch} is outside the manifest's 1…${manifest.epochs}`, { file });
    epochs[epoch - 1]!.push({ file, format: m![3] as PredictionFile['format'], split: m![2] });
  }
  const missing = epochs.flatMap((files, e) => (files.length ? [] : [e + 1]));
  if (missing.length) {
    const expected = kinds.has('dynamics_epoch_<E>') ? `dynamics_epoch_${missing[0]! - 1}.jsonl (cartography epochs count from 0)` : 'epoch-<E>[.<split>].jsonl|npy|npz|parquet, or a folder epoch-<E>[.<split>]/ of Parquet parts';
    throw new ImportError(`no predictions file for epoch ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''} (expected ${expected})`, { file: filesDir });
  }
  return { dir, manifest, epochs };
}

/** The dataset's examples in ascending id, and the lookups a key type needs. */
class DatasetIndex {
  readonly ids: Int32Array;
  /** training labels, coalesce(noisy_label, label) */
  readonly labels: Int32Array;
  /** clean labels */
  readonly cleanLabels: Int32Array;
  readonly splitOf: Uint16Array;
  readonly splitNames: string[];
  /** examples per split, as splitNames */
  readonly splitSizes: Int32Array;
  readonly numClasses: number;
  private readonly idBase: number;
  private readonly byIdOffset: Int32Array | null;
  private readonly byId: Map<number, number> | null;
  private bySplitIndex: Map<string, Int32Array> | null = null;
  private bySourceRef: Map<string, number> | null = null;

  constructor(
    private readonly examples: ExampleRepository,
    readonly datasetId: number,
    numClasses: number,
  ) {
    this.numClasses = numClasses;
    const rows = examples.labelledRows(datasetId);
    const ids: number[] = [];
    const labels: number[] = [];
    const clean: number[] = [];
    const splits: number[] = [];
    const splitCode = new Map<string, number>();
    for (const [id, split, , label, cleanLabel] of rows) {
      ids.push(id);
      labels.push(label);
      clean.push(cleanLabel);
      let code = splitCode.get(split);
      if (code === undefined) splitCode.set(split, (code = splitCode.size));
      splits.push(code);
    }
    if (!ids.length) throw new ImportError(`dataset ${datasetId} has no examples`);
    this.ids = Int32Array.from(ids);
    this.labels = Int32Array.from(labels);
    this.cleanLabels = Int32Array.from(clean);
    this.splitOf = Uint16Array.from(splits);
    this.splitNames = [...splitCode.keys()];
    this.splitSizes = new Int32Array(this.splitNames.length);
    for (const s of this.splitOf) this.splitSizes[s]!++;
    this.idBase = this.ids[0]!;
    const span = this.ids[this.ids.length - 1]! - this.idBase + 1;
    if (span <= 4 * this.ids.length) {
      this.byIdOffset = new Int32Array(span).fill(-1);
      this.ids.forEach((id, p) => (this.byIdOffset![id - this.idBase] = p));
      this.byId = null;
    } else {
      this.byIdOffset = null;
      this.byId = new Map(ids.map((id, p) => [id, p]));
    }
  }

  get size(): number {
    return this.ids.length;
  }

  positionOfId(id: number): number {
    if (this.byIdOffset) {
      const o = id - this.idBase;
      return o >= 0 && o < this.byIdOffset.length ? this.byIdOffset[o]! : -1;
    }
    return this.byId!.get(id) ?? -1;
  }

  positionOfIndex(split: string, index: number): number {
    if (!this.bySplitIndex) {
      this.bySplitIndex = new Map();
      const rows = this.examples.splitIndexRows(this.datasetId);
      const pairs = new Map<string, [number, number][]>();
      for (const [id, s, idx] of rows) {
        const list = pairs.get(s) ?? [];
        list.push([idx, this.positionOfId(id)]);
        pairs.set(s, list);
      }
      for (const [s, list] of pairs) {
        const table = new Int32Array(list.reduce((m, [i]) => Math.max(m, i), -1) + 1).fill(-1);
        for (const [i, p] of list) table[i] = p;
        this.bySplitIndex.set(s, table);
      }
    }
    const table = this.bySplitIndex.get(split);
    return table && index >= 0 && index < table.length ? table[index]! : -1;
  }

  positionOfSourceRef(ref: string): number {
    if (!this.bySourceRef) {
      this.bySourceRef = new Map();
      const rows = this.examples.sourceRefRows(this.datasetId);
      // A source_ref shared by two examples cannot name either: -2 marks it ambiguous.
      for (const [id, ref] of rows) this.bySourceRef.set(ref, this.bySourceRef.has(ref) ? -2 : this.positionOfId(id));
    }
    return this.bySourceRef.get(ref) ?? -1;
  }

  describe(position: number): string {
    return `example ${this.ids[position]} (${this.splitNames[this.splitOf[position]!]})`;
  }
}

/** One run-epoch read from its files: probabilities in dataset order (ascending example id). */
interface LoadedEpoch {
  matrix: EpochMatrixRecord['matrix'];
  metrics: { split: string; loss: number; accuracy: number }[];
}

/** A top-k run's epoch: per example its k classes and probabilities, and p(training label). */
interface TopKRows {
  k: number;
  classes: Int32Array;
  probs: Float32Array;
  labelProbs: Float32Array;
}

/** The keys of one file resolved to dataset positions, kept to skip resolving identical key files. */
/**
 * What a key file held, to tell whether the next one is the same: its bytes (an index CSV, a
 * numeric index array) or its string keys (NPZ and Parquet), compared one by one — serialising a
 * million keys to compare them cost 0.1–0.2 s an epoch.
 */
type KeySource = Buffer | readonly (string | number)[];

function sameKeys(a: KeySource, b: KeySource): boolean {
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A numeric index array's bytes, or the string keys themselves. */
function keySourceOf(index: NpyArray): KeySource {
  return index.kind === 'string' ? index.data : Buffer.from(index.data.buffer, index.data.byteOffset, index.data.byteLength);
}

interface ResolvedKeys {
  source: KeySource;
  split: string | undefined;
  positions: Int32Array;
}

class EpochLoader {
  private readonly c: number;
  /** all C probabilities per example (runs without topK) */
  private readonly probs: Float32Array;
  private readonly top: TopKRows | null;
  /** per example: 0, or 1 + the index in `files` of this epoch's file that gave it (to name both files of a duplicate) */
  private readonly seen: Uint32Array;
  private files: PredictionFile[] = [];
  private fileNumber = 0;
  /** Key files are usually the same every epoch: resolving a million keys once saves ~0.5 s per epoch. */
  private lastKeys: ResolvedKeys | null = null;
  /** The longest JSONL line a row could need: 64 characters a value and 4 KiB for the key and the rest. */
  private readonly maxLineLength: number;
  /** this epoch's rows given as logits, and how many of them are already probability vectors */
  private logitRows = 0;
  private probabilityLikeLogitRows = 0;
  /** the files of this epoch's logits rows, in the order read */
  private logitFiles: string[] = [];
  /** The epochs all of whose logits rows look like probabilities, and their files: softmaxed as asked, but worth a note. */
  readonly probabilityLikeLogits: { epoch: number; files: string[] }[] = [];

  constructor(
    private readonly index: DatasetIndex,
    private readonly manifest: RunManifest,
    private readonly signal?: AbortSignal,
  ) {
    this.c = index.numClasses;
    this.maxLineLength = 64 * (manifest.topK === undefined ? this.c : 2 * manifest.topK + 1) + 4096;
    const k = manifest.topK;
    this.top = k === undefined ? null : { k, classes: new Int32Array(index.size * k), probs: new Float32Array(index.size * k), labelProbs: new Float32Array(index.size) };
    this.probs = new Float32Array(this.top ? 0 : index.size * this.c);
    this.seen = new Uint32Array(index.size);
  }

  /** per split code: whether the run's first epoch recorded it (every later epoch must record the same) */
  private recorded: boolean[] | null = null;

  /** The splits the run records (after its first epoch is loaded), in the dataset's order. */
  recordedSplits(): string[] {
    return this.index.splitNames.filter((_, s) => this.recorded?.[s]);
  }

  async load(files: PredictionFile[], epoch: number): Promise<LoadedEpoch> {
    this.seen.fill(0);
    this.files = files;
    this.logitRows = 0;
    this.probabilityLikeLogitRows = 0;
    this.logitFiles = [];
    for (const [i, f] of files.entries()) {
      this.throwIfCancelled();
      this.fileNumber = i + 1;
      // Checked when planned and again now: NPZ and Parquet readers open by path, so narrow the time a pipe could be swapped in.
      if (f.format === 'npz' || f.format === 'parquet') requireRegularFile(f.file);
      if (this.top && f.format !== 'jsonl' && f.format !== 'npz' && f.format !== 'parquet') throw new ImportError(`a top-k run (topK in run.json) reads JSONL or NPZ files, not ${f.format.toUpperCase()}; Parquet works too (columns example, top_classes, top_probs, label_prob)`, { file: f.file });
      if (f.format === 'jsonl') await this.readJsonl(f);
      else if (f.format === 'cartography') await this.readCartography(f);
      else if (f.format === 'npy') await this.readNpy(f);
      else if (f.format === 'npz') await this.readNpz(f);
      else await this.readParquet(f);
    }
    const recorded = this.checkCoverage(files, epoch);
    if (this.logitRows > 0 && this.probabilityLikeLogitRows === this.logitRows) this.probabilityLikeLogits.push({ epoch, files: this.logitFiles });
    // Rows of the recorded splits (all rows, without a copy, when the run records every split).
    const rows = recorded.every(Boolean) ? null : Int32Array.from(this.index.ids.keys()).filter((p) => recorded[this.index.splitOf[p]!]);
    const pick = <T extends Int32Array | Float32Array>(values: T, width: number): T => {
      if (!rows) return values;
      const out = new (values.constructor as new (n: number) => T)(rows.length * width);
      rows.forEach((p, r) => out.set(values.subarray(p * width, (p + 1) * width), r * width));
      return out;
    };
    const { ids, labels, numClasses } = this.index;
    if (!this.top) return { matrix: { exampleIds: pick(ids, 1), probs: pick(this.probs, this.c), numClasses }, metrics: this.denseMetrics(recorded) };
    const { k, classes, probs, labelProbs } = this.top;
    // Ties go to the smaller class, as argmax over the completed row takes the first.
    const topClassOf = (p: number) => {
      let best = p * k;
      for (let j = p * k + 1; j < (p + 1) * k; j++) if (probs[j]! > probs[best]! || (probs[j] === probs[best] && classes[j]! < classes[best]!)) best = j;
      return classes[best]!;
    };
    const metrics = this.metricsOf((p) => labelProbs[p]!, topClassOf, recorded);
    return { matrix: { numClasses, k, exampleIds: pick(ids, 1), topProbs: pick(probs, k), topClasses: pick(classes, k), labelClasses: pick(labels, 1), labelProbs: pick(labelProbs, 1) }, metrics };
  }

  /**
   * Which splits this epoch recorded: each split in full or not at all (a log of the training
   * split alone is a run; a split with a few examples missing is a mistake), and the same splits
   * every epoch, since the analytics compare a run's epochs example by example.
   */
  private checkCoverage(files: PredictionFile[], epoch: number): boolean[] {
    const { splitOf, splitSizes, splitNames, size } = this.index;
    const where = files.map((f) => f.file).join(', ');
    const seenPerSplit = new Int32Array(splitNames.length);
    for (let p = 0; p < size; p++) if (this.seen[p]) seenPerSplit[splitOf[p]!]!++;
    for (let s = 0; s < splitNames.length; s++) {
      const n = seenPerSplit[s]!;
      if (n === 0 || n === splitSizes[s]) continue;
      let first = 0;
      while (this.seen[first] || splitOf[first] !== s) first++;
      throw new ImportError(
        `${splitSizes[s]! - n} of the ${splitSizes[s]} examples of split ${splitNames[s]} have no prediction this epoch, first ${this.index.describe(first)}; a run records every example of each split it records (it may leave whole splits out)`,
        { file: where },
      );
    }
    const recorded = Array.from(seenPerSplit, (n) => n > 0);
    if (!recorded.some(Boolean)) throw new ImportError(`no example of dataset ${this.index.datasetId} has a prediction this epoch`, { file: where });
    const list = (r: boolean[]) => splitNames.filter((_, s) => r[s]).join(', ');
    const declared = this.manifest.splits;
    if (declared) {
      if (recorded.some((r, s) => r !== declared.includes(splitNames[s]!))) {
        throw new ImportError(`epoch ${epoch} records split ${list(recorded)} where run.json's splits say ${declared.join(', ')}`, { file: where });
      }
    }
    if (this.recorded === null) this.recorded = recorded;
    else if (recorded.some((r, s) => r !== this.recorded![s])) {
      throw new ImportError(`epoch ${epoch} records split ${list(recorded)} where epoch 1 recorded ${list(this.recorded)}: every epoch of a run records the same splits`, { file: where });
    }
    return recorded;
  }

  private resolve(key: unknown, split: string | undefined, file: string, row: number): number {
    const bad = (why: string) => new ImportError(`${why}: ${JSON.stringify(key)}`, { file, row });
    let position: number;
    switch (this.manifest.key) {
      case 'id': {
        const id = typeof key === 'string' && /^\d+$/.test(key.trim()) ? Number(key) : key;
        if (typeof id !== 'number' || !Number.isInteger(id)) throw bad('an example key of type id must be an integer');
        position = this.index.positionOfId(id);
        if (position < 0) throw bad(`no example of dataset ${this.index.datasetId} has id`);
        break;
      }
      case 'source_ref':
        if (typeof key !== 'string') throw bad('an example key of type source_ref must be a string');
        position = this.index.positionOfSourceRef(key);
        if (position === -2) throw bad('two examples of the dataset share source_ref');
        if (position < 0) throw bad(`no example of dataset ${this.index.datasetId} has source_ref`);
        break;
      default: {
        let s = split ?? this.manifest.split;
        let i: unknown = key;
        if (typeof key === 'string') {
          const colon = key.lastIndexOf(':');
          // Digits only, as a plain key: Number() would read "", " ", "0x0", "-0" or "0e0" as index 0.
          const digits = colon >= 0 ? key.slice(colon + 1) : key;
          if (colon >= 0) s = key.slice(0, colon);
          i = /^\d+$/.test(digits.trim()) ? Number(digits) : key;
        }
        if (typeof i !== 'number' || !Number.isInteger(i)) throw bad('an example key of type index must be an integer index or "split:index"');
        if (s === undefined) throw bad('an integer index needs a split: "split:index", a split in the file name, or "split" in run.json');
        position = this.index.positionOfIndex(s, i);
        if (position < 0) throw bad(`split "${s}" of dataset ${this.index.datasetId} has no example with index`);
      }
    }
    if (this.seen[position]) throw bad(`${this.index.describe(position)} appears twice this epoch${this.alsoIn(position)}`);
    this.seen[position] = this.fileNumber;
    return position;
  }

  private throwIfCancelled(): void {
    if (this.signal?.aborted) throw ingestCancelled();
  }

  /** Refuses a JSONL line longer than any row could need before it is parsed (a 100 MB line of values would be, at length). */
  private checkLineLength(line: string, file: string, row: number): void {
    if (line.length <= this.maxLineLength) return;
    const what = this.top ? `a top-k row (k = ${this.top.k})` : `a row of ${this.c} classes`;
    throw new ImportError(`the line is ${line.length.toLocaleString('en')} characters long; ${what} and its key need at most ${this.maxLineLength.toLocaleString('en')}: is this the dataset's file?`, { file, row });
  }

  /** Where an example seen twice was seen first, when that was another file of the epoch (another part). */
  private alsoIn(position: number): string {
    const first = this.seen[position]!;
    return first && first !== this.fileNumber ? ` (also in ${this.files[first - 1]!.file})` : '';
  }

  /** Checks one row and stores it as probabilities: p / Σp, or the softmax of logits. */
  private store(position: number, values: ArrayLike<number>, offset: number, length: number, kind: 'probs' | 'logits', file: string, row: number): void {
    if (length !== this.c) throw new ImportError(`${length} values where the dataset has ${this.c} classes`, { file, row });
    const out = position * this.c;
    let sum = 0;
    let max = -Infinity;
    // Logits that are all in [0, 1] and sum to 1 look like probabilities given under the wrong name.
    let inUnitRange = true;
    for (let k = 0; k < this.c; k++) {
      const v = values[offset + k]!;
      if (!Number.isFinite(v)) throw new ImportError(`${kind === 'probs' ? 'probability' : 'logit'} of class ${k} is ${v}`, { file, row });
      if (kind === 'probs') {
        if (v < 0 || v > 1 + PROB_SUM_TOLERANCE) throw new ImportError(`probability of class ${k} is ${v}, outside [0, 1]`, { file, row });
        sum += v;
      } else {
        if (v > max) max = v;
        if (v < 0 || v > 1) inUnitRange = false;
        sum += v;
      }
    }
    if (kind === 'logits') {
      this.logitRows++;
      if (inUnitRange && Math.abs(sum - 1) <= PROB_SUM_TOLERANCE) this.probabilityLikeLogitRows++;
      if (this.logitFiles.at(-1) !== file) this.logitFiles.push(file);
      sum = 0;
    }
    if (kind === 'probs') {
      if (Math.abs(sum - 1) > PROB_SUM_TOLERANCE) throw new ImportError(`probabilities sum to ${sum}, not 1 (tolerance ${PROB_SUM_TOLERANCE}); logits go under "logits"`, { file, row });
      // A zero becomes 1e-30: p(label), loss and KL stay finite, as for trained runs.
      let floored = 0;
      for (let k = 0; k < this.c; k++) floored += Math.max(values[offset + k]!, MIN_PROBABILITY);
      for (let k = 0; k < this.c; k++) this.probs[out + k] = Math.max(values[offset + k]!, MIN_PROBABILITY) / floored;
      return;
    }
    for (let k = 0; k < this.c; k++) sum += Math.exp(values[offset + k]! - max);
    for (let k = 0; k < this.c; k++) this.probs[out + k] = Math.max(Math.exp(values[offset + k]! - max) / sum, MIN_PROBABILITY);
  }

  /**
   * Checks one top-k row and stores it: k distinct classes in [0, C) with probabilities in [0, 1],
   * p(label) equal to the label's entry when the label is among them (else at most the smallest of
   * them: the k are the largest), and everything known summing to at most 1.
   */
  private storeTopK(position: number, classes: ArrayLike<number>, probs: ArrayLike<number>, offset: number, length: number, labelProb: number, file: string, row: number): void {
    const top = this.top!;
    const { k } = top;
    if (length !== k) throw new ImportError(`${length} top classes where run.json says topK ${k}`, { file, row });
    const label = this.index.labels[position]!;
    const out = position * k;
    let sum = 0;
    let smallest = Infinity;
    let labelAt = -1;
    for (let j = 0; j < k; j++) {
      const c = classes[offset + j]!;
      const p = probs[offset + j]!;
      if (!Number.isInteger(c) || c < 0 || c >= this.c) throw new ImportError(`top class ${c} is not a class of the dataset (0…${this.c - 1})`, { file, row });
      if (!Number.isFinite(p) || p < 0 || p > 1 + PROB_SUM_TOLERANCE) throw new ImportError(`top probability ${p} of class ${c} is outside [0, 1]`, { file, row });
      for (let i = 0; i < j; i++) if (top.classes[out + i] === c) throw new ImportError(`class ${c} appears twice among the top ${k}`, { file, row });
      top.classes[out + j] = c;
      top.probs[out + j] = p;
      sum += p;
      smallest = Math.min(smallest, p);
      if (c === label) labelAt = j;
    }
    if (!Number.isFinite(labelProb) || labelProb < 0 || labelProb > 1 + PROB_SUM_TOLERANCE) throw new ImportError(`label_prob ${labelProb} is outside [0, 1]`, { file, row });
    if (labelAt >= 0 && Math.abs(labelProb - probs[offset + labelAt]!) > PROB_SUM_TOLERANCE) throw new ImportError(`label_prob ${labelProb} differs from the top entry of the label (class ${label}): ${probs[offset + labelAt]}`, { file, row });
    if (labelAt < 0 && labelProb > smallest + PROB_SUM_TOLERANCE) throw new ImportError(`label_prob ${labelProb} of class ${label}, not among the top ${k}, exceeds the smallest of them (${smallest})`, { file, row });
    if (labelAt < 0) sum += labelProb;
    if (sum > 1 + PROB_SUM_TOLERANCE) throw new ImportError(`the known probabilities sum to ${sum}, more than 1`, { file, row });
    // The k are the largest: the mass left for the unknown classes cannot give any of them more than the smallest of the k.
    const unknown = this.c - k - (labelAt < 0 ? 1 : 0);
    if (1 - sum > unknown * smallest + PROB_SUM_TOLERANCE) {
      throw new ImportError(`the top ${k} cannot be the largest: the known probabilities sum to ${sum}, leaving ${1 - sum} for ${unknown} other ${unknown === 1 ? 'class' : 'classes'}, more than the smallest of the top ${k} (${smallest}) for each`, { file, row });
    }
    top.labelProbs[position] = Math.max(labelProb, MIN_PROBABILITY);
  }

  private async readJsonl(f: PredictionFile): Promise<void> {
    let row = 0;
    for await (const line of linesOf(f.file)) {
      row++;
      if (row % CANCEL_CHECK_LINES === 0) this.throwIfCancelled();
      this.checkLineLength(line, f.file, row);
      if (!line.trim()) continue;
      let obj: { example?: unknown; probs?: unknown; logits?: unknown };
      try {
        obj = JSON.parse(line) as typeof obj;
      } catch (err) {
        throw new ImportError(`not JSON: ${(err as Error).message}`, { file: f.file, row }, { cause: err });
      }
      if (this.top) {
        this.readTopKLine(obj, f, row);
        continue;
      }
      if (obj === null || typeof obj !== 'object' || obj.example === undefined) throw new ImportError('each line needs "example" and "probs" or "logits"', { file: f.file, row });
      if (obj.probs !== undefined && obj.logits !== undefined) throw new ImportError('holds both "probs" and "logits"; keep exactly one', { file: f.file, row });
      const kind = obj.probs !== undefined ? 'probs' : 'logits';
      const values = obj[kind];
      if (!Array.isArray(values) || values.some((v) => typeof v !== 'number')) throw new ImportError(`"${kind}" must be an array of numbers (a line needs "probs" or "logits")`, { file: f.file, row });
      this.store(this.resolve(obj.example, f.split, f.file, row), values as number[], 0, values.length, kind, f.file, row);
    }
  }

  /**
   * Dataset Cartography's training dynamics: per line `guid` (the example's key), the epoch's
   * logits under `logits_epoch_<E>` (E as in the file name) and `gold`, the label it trained on,
   * which must be the example's (a check that the guids name the examples meant).
   */
  private async readCartography(f: PredictionFile): Promise<void> {
    const field = `logits_epoch_${f.fileEpoch}`;
    let row = 0;
    for await (const line of linesOf(f.file)) {
      row++;
      if (row % CANCEL_CHECK_LINES === 0) this.throwIfCancelled();
      this.checkLineLength(line, f.file, row);
      if (!line.trim()) continue;
      let obj: Record<string, unknown> | null;
      try {
        obj = JSON.parse(line) as Record<string, unknown> | null;
      } catch (err) {
        throw new ImportError(`not JSON: ${(err as Error).message}`, { file: f.file, row }, { cause: err });
      }
      if (obj === null || typeof obj !== 'object' || obj.guid === undefined || obj.guid === null) throw new ImportError(`each line needs "guid" and "${field}" (Dataset Cartography's training dynamics)`, { file: f.file, row });
      const values = obj[field];
      if (!Array.isArray(values) || values.some((v) => typeof v !== 'number')) throw new ImportError(`"${field}" must be an array of numbers, the logits of this file's epoch ${f.fileEpoch}`, { file: f.file, row });
      const position = this.resolve(obj.guid, undefined, f.file, row);
      if (obj.gold !== undefined && obj.gold !== null) this.checkGold(obj.gold, position, f.file, row);
      this.store(position, values as number[], 0, values.length, 'logits', f.file, row);
    }
  }

  private checkGold(gold: unknown, position: number, file: string, row: number): void {
    const label = this.index.labels[position]!;
    const clean = this.index.cleanLabels[position]!;
    if (gold === label || gold === clean) return;
    const { key, split } = this.manifest;
    const keyText = key === 'index' ? `their index in split ${split ?? '(see "split" in run.json)'}` : key === 'id' ? 'their example id' : 'their source_ref';
    throw new ImportError(`gold label ${JSON.stringify(gold)} is not the label of ${this.index.describe(position)} (${label}${clean !== label ? `; clean ${clean}` : ''}): do the guids name examples by ${keyText}?`, { file, row });
  }

  private readTopKLine(obj: unknown, f: PredictionFile, row: number): void {
    const line = obj as { example?: unknown; top_classes?: unknown; top_probs?: unknown; label_prob?: unknown } | null;
    const numbers = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'number');
    if (line === null || typeof line !== 'object' || line.example === undefined || !numbers(line.top_classes) || !numbers(line.top_probs) || typeof line.label_prob !== 'number') {
      throw new ImportError('each line of a top-k run needs "example", "top_classes" and "top_probs" (arrays of numbers) and "label_prob"', { file: f.file, row });
    }
    const classes = line.top_classes as number[];
    const probs = line.top_probs as number[];
    if (classes.length !== probs.length) throw new ImportError(`${classes.length} top classes but ${probs.length} top probabilities`, { file: f.file, row });
    this.storeTopK(this.resolve(line.example, f.split, f.file, row), classes, probs, 0, classes.length, line.label_prob, f.file, row);
  }

  /**
   * An NPY file and its CSV index. The header (type, shape, class count, size) and the index's row
   * count are checked before the data is read: a wrong file fails at once, not after gigabytes.
   */
  private async readNpy(f: PredictionFile): Promise<void> {
    const npy = await openNpy(f.file);
    try {
      const kind = this.manifest.values;
      this.checkDenseShape(npy.header.kind, npy.header.shape, kind, f.file);
      npy.checkSize(NPY_TOO_LARGE);
      const indexFile = f.file.replace(/\.npy$/, '.index.csv');
      const source = readRegularFile(indexFile, 'an NPY file needs its index file beside it');
      checkNotUtf16(source.subarray(0, 4096), indexFile);
      let parsed: string[] | null = null;
      const keys = () => (parsed ??= csvKeys(source));
      const last = this.lastKeys;
      const count = last && last.split === f.split && sameKeys(last.source, source) ? last.positions.length : keys().length;
      const n = npy.header.shape[0]!;
      if (count !== n) throw csvCountMismatch(source, count, n, f.file, indexFile);
      this.storeArray(await npy.read(), source, keys, f, indexFile, 2, kind);
    } finally {
      await npy.close();
    }
  }

  private async readNpz(f: PredictionFile): Promise<void> {
    const { arrays, names } = await readNpz(f.file, this.top ? ['top_classes', 'top_probs', 'label_prob', 'index'] : ['probs', 'logits', 'index']);
    if (this.top) return this.readTopKNpz(f, arrays, names);
    if (arrays.has('probs') && arrays.has('logits')) throw new ImportError('holds both arrays "probs" and "logits"; keep exactly one', { file: f.file });
    const kind = arrays.has('probs') ? 'probs' : 'logits';
    const values = arrays.get(kind);
    const index = arrays.get('index');
    if (!values || !index) throw new ImportError(`an NPZ file needs arrays "probs" (or "logits") and "index"; it holds ${names.join(', ') || 'none'}`, { file: f.file });
    if (index.shape.length !== 1) throw new ImportError(`"index" must be one-dimensional, its shape is (${index.shape.join(', ')})`, { file: `${f.file}:index.npy` });
    const keys = () => (index.kind === 'string' ? index.data : Array.from(index.data));
    this.storeArray(values, keySourceOf(index), keys, { ...f, file: `${f.file}:${kind}.npy` }, `${f.file}:index.npy`, 0, kind);
  }

  private readTopKNpz(f: PredictionFile, arrays: Map<string, NpyArray>, names: string[]): void {
    const [classes, probs, labelProb, index] = ['top_classes', 'top_probs', 'label_prob', 'index'].map((name) => arrays.get(name));
    if (!classes || !probs || !labelProb || !index) throw new ImportError(`an NPZ file of a top-k run needs arrays "top_classes", "top_probs", "label_prob" and "index"; it holds ${names.join(', ') || 'none'}`, { file: f.file });
    const { k } = this.top!;
    const shaped = (a: NpyArray, name: string, dims: number[]) => {
      if (a.shape.length !== dims.length || a.shape.some((d, i) => d !== dims[i])) throw new ImportError(`"${name}" must have shape (${dims.join(', ')}), not (${a.shape.join(', ')})`, { file: `${f.file}:${name}.npy` });
    };
    const n = index.shape[0] ?? 0;
    shaped(index, 'index', [n]);
    shaped(classes, 'top_classes', [n, k]);
    shaped(probs, 'top_probs', [n, k]);
    shaped(labelProb, 'label_prob', [n]);
    if (classes.kind !== 'int') throw new ImportError('"top_classes" must be an integer array', { file: `${f.file}:top_classes.npy` });
    if (probs.kind !== 'float' || labelProb.kind !== 'float') throw new ImportError('"top_probs" and "label_prob" must be float arrays', { file: `${f.file}:top_probs.npy` });
    const positions = this.positionsOf(keySourceOf(index), () => (index.kind === 'string' ? index.data : Array.from(index.data)), f.split, `${f.file}:index.npy`, 0);
    const classData = Array.from(classes.data as ArrayLike<number | bigint>, Number);
    for (let r = 0; r < n; r++) this.storeTopK(positions[r]!, classData, probs.data, r * k, k, labelProb.data[r]!, `${f.file}:top_probs.npy`, r);
  }

  private async readParquet(f: PredictionFile): Promise<void> {
    if (this.top) return this.readTopKParquet(f);
    const { keys, values, kind } = await readParquetPredictions(f.file, this.c);
    // An empty part (a worker whose shard was empty) has no rows to check.
    if (keys.length === 0) return;
    this.storeArray(values, keys, () => keys, f, f.file, 0, kind);
  }

  /** A top-k Parquet file, one row group at a time (rows numbered from 0 in the file). */
  private async readTopKParquet(f: PredictionFile): Promise<void> {
    const { k } = this.top!;
    await readParquetTopK(f.file, k, ({ rowStart, keys, classes, probs, labelProbs }) => {
      for (let r = 0; r < keys.length; r++) {
        const row = rowStart + r;
        this.storeTopK(this.resolve(keys[r], f.split, f.file, row), classes, probs, r * k, k, labelProbs[r]!, f.file, row);
      }
    });
  }

  /**
   * Rows of a [n, C] array against the n keys of a key file (`source` its bytes, `keys` parses
   * them); `firstRow` numbers the key file's rows in errors.
   */
  private storeArray(array: NpyArray, source: KeySource, keys: () => (string | number)[], f: PredictionFile, keyFile: string, firstRow: number, kind: 'probs' | 'logits'): void {
    this.checkDenseShape(array.kind, array.shape, kind, f.file);
    const [n, c] = array.shape as [number, number];
    const positions = this.positionsOf(source, keys, f.split, keyFile, firstRow);
    if (positions.length !== n) throw new ImportError(`${positions.length} example keys for ${n} rows of ${path.basename(f.file)}`, { file: keyFile });
    const data = array.data as Float32Array | Float64Array; // a float array: checked above
    for (let r = 0; r < n; r++) {
      // Array rows are numbered from 0, as NumPy does.
      this.store(positions[r]!, data, r * c, c, kind, f.file, r);
    }
  }

  /** A dense array's type and shape: floats, [n, C] with the dataset's C. */
  private checkDenseShape(type: NpyArray['kind'], shape: number[], kind: 'probs' | 'logits', file: string): void {
    if (type !== 'float') throw new ImportError(`${kind} must be a float array`, { file });
    if (shape.length !== 2) throw new ImportError(`${kind} must have shape [n, classes], not (${shape.join(', ')})`, { file });
    if (shape[1] !== this.c) throw new ImportError(`${shape[1]} classes per row where the dataset has ${this.c}`, { file });
  }

  /** Every key of a file resolved and marked seen; an identical key file (the usual case) reuses the last resolution. */
  private positionsOf(source: KeySource, keys: () => (string | number)[], split: string | undefined, keyFile: string, firstRow: number): Int32Array {
    const last = this.lastKeys;
    if (last && last.split === split && sameKeys(last.source, source)) {
      for (const p of last.positions) {
        // The file itself held no example twice; another file of this epoch may have.
        if (this.seen[p]) throw new ImportError(`${this.index.describe(p)} appears twice this epoch${this.alsoIn(p)}: ${JSON.stringify(keys()[last.positions.indexOf(p)])}`, { file: keyFile });
        this.seen[p] = this.fileNumber;
      }
      return last.positions;
    }
    const list = keys();
    const positions = new Int32Array(list.length);
    for (let r = 0; r < list.length; r++) positions[r] = this.resolve(list[r], split, keyFile, r + firstRow);
    this.lastKeys = { source: Buffer.isBuffer(source) ? Buffer.from(source) : source, split, positions };
    return positions;
  }

  /** Metrics of a dense epoch: p(label) and the first largest class of each row. */
  private denseMetrics(recorded: boolean[]): LoadedEpoch['metrics'] {
    const { labels } = this.index;
    const { c, probs } = this;
    return this.metricsOf(
      (p) => probs[p * c + labels[p]!]!,
      (p) => {
        let top = 0;
        for (let k = 1; k < c; k++) if (probs[p * c + k]! > probs[p * c + top]!) top = k;
        return top;
      },
      recorded,
    );
  }

  /** Loss (−ln p of the training label) and accuracy per recorded split, as the trainer records them. */
  private metricsOf(labelProb: (p: number) => number, topClass: (p: number) => number, recorded: boolean[]): LoadedEpoch['metrics'] {
    const { labels, splitOf, splitNames, size } = this.index;
    const loss = new Float64Array(splitNames.length);
    const correct = new Float64Array(splitNames.length);
    const count = new Float64Array(splitNames.length);
    for (let p = 0; p < size; p++) {
      const s = splitOf[p]!;
      if (!recorded[s]) continue;
      loss[s]! -= Math.log(labelProb(p));
      correct[s]! += topClass(p) === labels[p] ? 1 : 0;
      count[s]!++;
    }
    return splitNames.flatMap((split, s) => (recorded[s] ? [{ split, loss: loss[s]! / count[s]!, accuracy: correct[s]! / count[s]! }] : []));
  }
}

/**
 * A JSONL file's lines, UTF-8 without a leading byte-order mark; a file that cannot be read is
 * refused by name, as NPY, CSV and Parquet files are, and UTF-16 text as such.
 */
async function* linesOf(file: string): AsyncGenerator<string> {
  const head = Buffer.alloc(4096);
  let headLength: number;
  // The descriptor checked is the one read (a pipe swapped in for the file after the check is never opened to read).
  const fd = openRegular(file);
  try {
    headLength = fs.readSync(fd, head, 0, head.length, 0);
    checkNotUtf16(head.subarray(0, headLength), file);
  } catch (err) {
    fs.closeSync(fd);
    throw err instanceof ImportError ? err : new ImportError(`cannot read the file: ${(err as Error).message}`, { file }, { cause: err });
  }
  const input = fs.createReadStream(file, { fd, encoding: 'utf8', start: startsWithUtf8Bom(head.subarray(0, headLength)) ? 3 : 0 });
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  try {
    // Errors of the caller's loop body do not pass through here (the loop returns this generator): only reading's.
    for await (const line of lines) yield line;
  } catch (err) {
    throw new ImportError(`cannot read the file: ${(err as Error).message}`, { file }, { cause: err });
  } finally {
    lines.close();
    input.destroy();
  }
}

/** An index CSV's keys: every line after the header (row r + 2 names array row r), blank lines at the end dropped. */
function csvKeys(source: Buffer): string[] {
  const lines = source.toString('utf8').split(/\r?\n/);
  // blank lines at the end (an editor's, or two newlines) name no row; one inside would shift every row after it, and is refused
  while (lines.length > 1 && lines.at(-1)!.trim() === '') lines.pop();
  return lines.slice(1).map(unquoteCsv);
}

/** An index CSV whose key count is not the array's row count; one key short most often means the header line is missing. */
function csvCountMismatch(source: Buffer, count: number, rows: number, npyFile: string, indexFile: string): ImportError {
  const first = source.toString('utf8', startsWithUtf8Bom(source) ? 3 : 0, Math.min(source.length, 4096)).split(/\r?\n/)[0] ?? '';
  const header = count === rows - 1 ? `; its first line, ${JSON.stringify(excerpt(first, 60))}, is read as the header, not a key: begin the file with a header line (any name, e.g. "example")` : ' (the first line is the header, any name, e.g. "example"; then one key a line)';
  return new ImportError(`${count} example keys for the ${rows} rows of ${path.basename(npyFile)}${header}`, { file: indexFile });
}

function unquoteCsv(field: string): string {
  const t = field.trim();
  return t.startsWith('"') && t.endsWith('"') && t.length >= 2 ? t.slice(1, -1).replace(/""/g, '"') : t;
}

/** What to write for probabilities given as logits, by the file they came in. */
function probsHint(file: string): string {
  if (/\.npz:/.test(file)) return 'an array "probs" in place of "logits"';
  if (file.endsWith('.npy')) return '"values": "probs" in run.json';
  if (file.endsWith('.parquet')) return 'a column "probs" (or p_0 …) in place of "logits" (or logit_0 …)';
  if (CARTOGRAPHY_FILE.test(path.basename(file))) return 'epoch-<E>.jsonl files with "probs", and a run.json';
  return '"probs" in place of "logits" on each line';
}

/**
 * The note on a run whose logits are, row by row, probability vectors: softmaxed as logits as
 * asked (a model may output such logits), but softmax flattens probabilities, so it is said.
 */
function probabilityLikeLogitsNote(run: string, epochs: { epoch: number; files: string[] }[], total: number): string {
  const first = epochs[0]!;
  const where = `${first.files[0]}${first.files.length > 1 ? ` and ${first.files.length - 1} more ${first.files.length === 2 ? 'file' : 'files'}` : ''}`;
  const which = epochs.length === total ? (total === 1 ? 'its epoch' : `all ${total} epochs`) : `${epochs.length} of its ${total} epochs (first epoch ${first.epoch})`;
  return `run "${run}": every row given as logits in ${which} is already a probability vector (values in [0, 1] summing to 1 within ${PROB_SUM_TOLERANCE}), e.g. in ${where}; they were softmaxed as logits, as asked, which flattens probabilities: if they are probabilities, give them as such (${probsHint(first.files[0]!)})`;
}

/** The experiment's name trimmed, 1 to 200 characters as a trained experiment's. */
function experimentNameOf(given: string): string {
  const name = given.trim();
  if (!name) throw new ValidationError('the experiment name is empty', { field: 'experimentName' });
  if (name.length > MAX_EXPERIMENT_NAME) throw new ValidationError(`the experiment name is ${name.length} characters long; at most ${MAX_EXPERIMENT_NAME}`, { field: 'experimentName' });
  return name;
}

/**
 * Creates the experiment and its runs, then reads, checks and writes one run-epoch at a time. Any
 * failure — a bad file, a key that names no example, a full disk — deletes the experiment again,
 * so the database is left as it was; a killed process leaves its runs `interrupted`.
 */
export async function ingestRuns(store: Store, options: IngestOptions, report: IngestProgress = () => {}): Promise<IngestResult> {
  const name = options.experimentName === undefined ? undefined : experimentNameOf(options.experimentName);
  const planned = planRuns(options.path);
  const index = new DatasetIndex(store.examples, options.datasetId, store.datasets.getDataset(options.datasetId).classNames.length);
  for (const r of planned) {
    const unknown = r.manifest.splits?.find((s) => !index.splitNames.includes(s));
    if (unknown !== undefined) throw new ImportError(`"splits" names ${JSON.stringify(unknown)}, which dataset ${options.datasetId} does not have (splits: ${index.splitNames.join(', ')})`, { file: path.join(r.dir, MANIFEST), field: 'splits' });
    const k = r.manifest.topK;
    if (k !== undefined && k >= index.numClasses) throw new ImportError(`topK ${k} must be smaller than the dataset's ${index.numClasses} classes (with all of them, leave topK out)`, { file: path.join(r.dir, MANIFEST), field: 'topK' });
  }
  const total = planned.reduce((a, r) => a + r.manifest.epochs, 0);
  const teachers = planned.filter((r) => r.manifest.role === 'teacher');
  const teacherOf = (m: RunManifest) => (m.role === 'student' ? (m.teacher ?? (teachers.length === 1 ? teachers[0]!.manifest.name : null)) : null);
  if (options.signal?.aborted) throw ingestCancelled();
  const created = store.ingestExperiment({
    datasetId: options.datasetId,
    name: name ?? `ingested from ${path.basename(path.resolve(options.path))}`.slice(0, MAX_EXPERIMENT_NAME),
    spec: {
      external: true,
      source: path.resolve(options.path),
      runs: planned.map((r) => ({ name: r.manifest.name, role: r.manifest.role, teacher: r.manifest.teacher ?? null, epochs: r.manifest.epochs })),
      ...(options.storage === undefined ? {} : { storage: options.storage }),
    },
    // Teachers first, so a student names its teacher's run.
    runs: [...teachers, ...planned.filter((p) => p.manifest.role === 'student')].map((r) => {
      const m = r.manifest;
      return {
        name: m.name,
        role: m.role,
        teacher: teacherOf(m),
        spec: { epochs: m.epochs, external: { settings: m.settings ?? null, key: m.key, source: path.resolve(r.dir), ...(m.topK === undefined ? {} : { topK: m.topK }) } },
      };
    }),
  });

  let done = 0;
  const result: IngestResult = { experimentId: created.experimentId, runs: [], notes: planned.flatMap((r) => (r.assumed ? [r.assumed] : [])) };
  // A student without a teacher is stored, but the report and findings pass it over: say so now.
  for (const r of planned) {
    if (r.manifest.role !== 'student' || teacherOf(r.manifest) !== null) continue;
    const why = teachers.length === 0 ? 'this ingest holds no teacher run' : `this ingest holds ${teachers.length} teachers (${teachers.map((t) => `"${t.manifest.name}"`).join(', ')}) and its run.json names none`;
    result.notes.push(`student "${r.manifest.name}" has no teacher (${why}): name one with "teacher" in its run.json, ingested with it; report and findings compare a student with its teacher`);
  }
  try {
    for (const r of planned) {
      const runId = created.ids.get(r.manifest.name)!;
      const loader = new EpochLoader(index, r.manifest, options.signal);
      for (let e = 0; e < r.epochs.length; e++) {
        if (options.signal?.aborted) throw ingestCancelled();
        const loaded = await loader.load(r.epochs[e]!, e + 1);
        store.recordEpochMatrix({ runId, epoch: e + 1, seconds: 0, metrics: loaded.metrics, matrix: loaded.matrix });
        report('ingest', ++done, total);
      }
      const splits = loader.recordedSplits();
      const left = index.splitNames.filter((s) => !splits.includes(s));
      if (left.length) result.notes.push(`"${r.manifest.name}" recorded ${splits.length === 1 ? 'only the split' : 'only the splits'} ${splits.join(', ')}, not ${left.join(', ')}: the analytics cover the splits it recorded`);
      const probabilityLike = loader.probabilityLikeLogits;
      if (probabilityLike.length) result.notes.push(probabilityLikeLogitsNote(r.manifest.name, probabilityLike, r.epochs.length));
      result.runs.push({ id: runId, name: r.manifest.name, role: r.manifest.role, epochs: r.manifest.epochs, splits });
    }
    // The splits a run left out are part of what it is: the report, findings and explorer say so.
    const withSplits = (runId: number, splits: string[]) => {
      const spec = store.runs.getRun(runId).spec as { external: Record<string, unknown> };
      return { ...spec, external: { ...spec.external, splits } };
    };
    const narrowed = new Map(result.runs.filter((run) => run.splits.length < index.splitNames.length).map((run) => [run.id, withSplits(run.id, run.splits)]));
    store.finishIngest([...created.ids.values()].map((runId) => ({ runId, spec: narrowed.get(runId) })));
  } catch (err) {
    try {
      store.experiments.deleteExperiment(created.experimentId);
    } catch (cleanup) {
      // The delete failed too (the disk is full, say): the runs say why they are incomplete.
      const message = `ingest failed (${err instanceof Error ? err.message : String(err)}); removing it failed too: ${(cleanup as Error).message}`;
      for (const id of created.ids.values()) store.runs.finishRun(id, 'failed', message);
      if (err instanceof CancelledError) throw new CancelledError(`ingest cancelled, but removing what it wrote failed: ${(cleanup as Error).message}; delete experiment ${created.experimentId}`);
    }
    throw err;
  }
  return result;
}
