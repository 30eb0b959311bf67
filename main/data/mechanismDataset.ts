// Builds a mechanism dataset ("dominoes", SPEC.md paper 2 / experiment 8) from imported image
// datasets: an ordinary image dataset whose examples stack a source image of class k above
// another of class k (and/or carry a class-positioned patch), each part kept, removed or
// randomised per split. Composed in memory (cancellable, with progress), written in one transaction.
import type { DatasetSummary } from '../../shared/domain.js';
import { CancelledError, DomainError, ValidationError } from '../../shared/errors.js';
import {
  mechanismNames,
  sourceSplitOf,
  type BuildMechanismDatasetArgs,
  type MechanismName,
} from '../../shared/mechanisms.js';
import type { DatasetRepository, ExampleRepository, MechanismRowsOfExample, NewExample, Store } from '../store/store.js';
import { composeImage, PATCH_GRID, planCanvas } from './mechanismImages.js';
import { planSplit, splitRandom } from './mechanismPlan.js';
import type { ReportProgress } from './parsedDataset.js';

export interface BuildControl {
  report?: ReportProgress;
  signal?: AbortSignal;
}

interface SourceImage {
  id: number;
  pixels: Uint8Array;
}

/** Images of one source split, by class, drawn in a seeded order; a class's images are reused only after all were drawn. */
interface ClassPools {
  byClass: SourceImage[][];
}

const COMPOSE_CHUNK = 500;

export async function buildMechanismDataset(store: Store, args: BuildMechanismDatasetArgs, control: BuildControl = {}): Promise<number> {
  const report = control.report ?? (() => {});
  const checkCancelled = () => {
    if (control.signal?.aborted) throw new CancelledError('mechanism dataset build cancelled; nothing was written');
  };
  const datasets = store.datasets;
  if (datasets.isNameTaken(args.name)) throw new DomainError('CONFLICT', `a dataset named "${args.name}" already exists`, { field: 'name' });

  const sources = args.sources.map((id, i) => checkedSource(datasets, id, i));
  const numClasses = sources[0]!.classNames.length;
  for (const s of sources.slice(1)) {
    if (s.classNames.length !== numClasses) {
      throw new ValidationError(
        `the sources' class counts differ: dataset ${sources[0]!.id} "${sources[0]!.name}" has ${numClasses} classes, dataset ${s.id} "${s.name}" has ${s.classNames.length}`,
        { field: 'sources' },
      );
    }
  }
  const mechanisms = mechanismNames(sources.length, args.patch);
  const imageMechanisms = mechanisms.filter((m) => m !== 'patch');
  const labelMechanism: MechanismName = args.labelMechanism ?? mechanisms[0]!;
  const labelIndex = mechanisms.indexOf(labelMechanism);
  const patchIndex = mechanisms.indexOf('patch');
  const layout = planCanvas(sources.map((s) => s.shape!));

  // Read the source images each split needs (a source split read once, whichever mechanisms use it).
  const pools = new Map<string, ClassPools>();
  const needed: { source: DatasetSummary; split: 'train' | 'test'; forSplit: string }[] = [];
  for (const split of args.splits) {
    imageMechanisms.forEach((m, i) => {
      if (split.settings[m] !== 'remove') needed.push({ source: sources[i]!, split: sourceSplitOf(split), forSplit: split.name });
    });
  }
  for (const [i, need] of needed.entries()) {
    const key = `${need.source.id}/${need.split}`;
    if (!pools.has(key)) {
      checkCancelled();
      report('read', i, needed.length);
      pools.set(key, readPool(store.examples, need.source, need.split, need.forSplit));
    }
  }
  report('read', needed.length, needed.length);

  const total = args.splits.reduce((n, s) => n + s.size, 0);
  const examples: NewExample[] = [];
  const mechanismRows: MechanismRowsOfExample[] = [];
  let done = 0;
  report('compose', 0, total);
  for (const split of args.splits) {
    const plan = planSplit(
      { name: split.name, size: split.size, correlation: split.correlation, settings: mechanisms.map((m) => split.settings[m]!) },
      labelIndex,
      numClasses,
      splitRandom(args.seed, split.name, 'classes'),
    );
    const drawRandom = splitRandom(args.seed, split.name, 'images');
    const drawers = imageMechanisms.map((_, i) => createDrawer(pools.get(`${sources[i]!.id}/${sourceSplitOf(split)}`), drawRandom));
    for (const [index, planned] of plan.entries()) {
      const drawn = imageMechanisms.map((_, i) => {
        const cls = planned.classes[i];
        return cls === null || cls === undefined ? null : drawers[i]!(cls);
      });
      const patchClass = patchIndex >= 0 ? (planned.classes[patchIndex] ?? null) : null;
      examples.push({
        split: split.name,
        index,
        label: planned.label,
        noisyLabel: null,
        group: null,
        sourceRef: describeExample(mechanisms, planned.classes, drawn, sources),
        pixels: composeImage(layout, drawn.map((d) => d?.pixels ?? null), patchClass),
        text: null,
      });
      mechanismRows.push(
        mechanisms.map((mechanism, m) => ({ mechanism, class: planned.classes[m] ?? null, sourceExampleId: drawn[m]?.id ?? null })),
      );
      done++;
      if (done % COMPOSE_CHUNK === 0) {
        report('compose', done, total);
        await new Promise((resolve) => setImmediate(resolve)); // let progress out and a cancel in
        checkCancelled();
      }
    }
  }
  report('compose', total, total);
  checkCancelled();

  const classNames = sources.every((s) => sameNames(s.classNames, sources[0]!.classNames))
    ? sources[0]!.classNames
    : sources[0]!.classNames.map((_, k) => sources.map((s) => s.classNames[k]).join(' | '));
  report('write', 0, total);
  // One IMMEDIATE transaction, the write lock up front: the name check reads before the insert writes.
  return store.importDataset(
    {
      name: args.name,
      kind: 'image',
      // schema 1's CHECK lists the importers and a CHECK cannot change without rebuilding the
      // table; the composed images are an image folder's in all but origin (source says which)
      format: 'folder',
      source: `mechanisms: ${sources.map((s) => `dataset ${s.id} "${s.name}"`).join(' above ')}${args.patch ? ' + patch' : ''}`,
      classNames,
      classGroups: sources[0]!.classGroups,
      shape: layout.shape,
      options: {
        mechanisms: mechanisms.map((name, m) =>
          name === 'patch'
            ? { name, grid: PATCH_GRID, position: 'class mod 10, row-major cells 0-8; 9 = the centre cell at half brightness' }
            : { name, source: { datasetId: sources[m]!.id, name: sources[m]!.name }, rows: [layout.parts[m]!.top, layout.parts[m]!.top + layout.parts[m]!.shape.height] },
        ),
        labelMechanism,
        sources: sources.map((s) => ({ datasetId: s.id, name: s.name })),
        patch: args.patch,
        splits: args.splits.map((s) => ({ name: s.name, size: s.size, settings: s.settings, correlation: s.correlation, from: sourceSplitOf(s) })),
        seed: args.seed,
      },
    },
    examples,
    (written) => report('write', written, total),
      mechanismRows,
  );
}

function checkedSource(datasets: DatasetRepository, id: number, position: number): DatasetSummary {
  let source: DatasetSummary;
  try {
    source = datasets.getDataset(id);
  } catch {
    throw new ValidationError(`source ${position + 1}: no dataset with id ${id}`, { field: 'sources' });
  }
  if (source.kind === 'image' && !source.shape) {
    throw new ValidationError(`source ${position + 1}: dataset ${id} "${source.name}" keeps no training images (imported by reference with --train-size 0)`, { field: 'sources' });
  }
  if (source.kind !== 'image' || !source.shape) {
    throw new ValidationError(`source ${position + 1}: dataset ${id} "${source.name}" holds texts, not images`, { field: 'sources' });
  }
  return source;
}

function readPool(examples: ExampleRepository, source: DatasetSummary, split: 'train' | 'test', forSplit: string): ClassPools {
  const byClass: SourceImage[][] = source.classNames.map(() => []);
  for (const r of examples.imagesOfSplit(source.id, split)) {
    if (r.pixels && r.label < byClass.length) byClass[r.label]!.push({ id: r.id, pixels: new Uint8Array(r.pixels) });
  }
  const missing = byClass.findIndex((list) => list.length === 0);
  if (missing >= 0) {
    throw new ValidationError(
      `dataset ${source.id} "${source.name}" has no ${split} images of class ${missing} (${source.classNames[missing]}), which split "${forSplit}" draws from` +
        (split === 'test' ? '; set the split\'s from: "train" to draw from train images' : ''),
      { field: 'splits' },
    );
  }
  return { byClass };
}

/**
 * Draws images of a class in a seeded shuffled order and reshuffles once all were used: a split
 * larger than a class's pool reuses images (sampling with replacement, but only after the pool ran out).
 */
function createDrawer(pools: ClassPools | undefined, random: ReturnType<typeof splitRandom>): (cls: number) => SourceImage {
  const orders = new Map<number, { order: number[]; next: number }>();
  return (cls) => {
    const pool = pools!.byClass[cls]!;
    let state = orders.get(cls);
    if (!state || state.next >= state.order.length) {
      state = { order: random.shuffle(Array.from({ length: pool.length }, (_, i) => i)), next: 0 };
      orders.set(cls, state);
    }
    return pool[state.order[state.next++]!]!;
  };
}

/** examples.source_ref: what each mechanism shows, e.g. "top #12 Coat · bottom #981 Sandal · patch removed". */
function describeExample(mechanisms: MechanismName[], classes: (number | null)[], drawn: (SourceImage | null)[], sources: DatasetSummary[]): string {
  return mechanisms
    .map((name, m) => {
      const cls = classes[m];
      if (cls === null || cls === undefined) return `${name} removed`;
      const names = sources[name === 'patch' ? 0 : m]!.classNames;
      return name === 'patch' ? `patch ${names[cls]}` : `${name} #${drawn[m]!.id} ${names[cls]}`;
    })
    .join(' · ');
}

function sameNames(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}
