// What an experiment trains: the teacher and student runs, their models, optimisers, schedules
// and loss phases (SPEC.md V1–V3, V5, V6), as zod schemas so the UI, the CLI and the trainer check the
// same rules and a bad spec is refused with a message that names the offending field.
import { z } from 'zod';
import { SplitName } from './domain.js';
import { DomainError } from './errors.js';

const PositiveInt = z.number().int().positive();

/**
 * How large a model a spec may ask for. Each field has a bound generous for research at this app's
 * scale (CPU, wasm or one GPU through tfjs), so an impossible size is refused by the schema, naming
 * its field, rather than by a training worker that grows to gigabytes or fails on a typed array
 * too long. The fields alone still multiply to billions of weights (an MLP of 8 × 65,536 units), so
 * the whole model is held to `parameters` too, counted by modelParameterCount once the dataset's
 * input size and classes are known (main/services/experimentPlanner.ts).
 */
export const MODEL_LIMITS = {
  /** units per hidden layer: mlp and bow-mlp `hidden`, cnn `dense` */
  hiddenUnits: 65_536,
  /** hidden layers of an mlp or bow-mlp */
  hiddenLayers: 8,
  /** filters per conv block of a cnn */
  convFilters: 4_096,
  /** a resnet's first-stage width (each later stage doubles it) */
  resnetWidth: 8_192,
  /** residual blocks per resnet stage (ResNet-152 has 36 in its largest) */
  blocksPerStage: 64,
  /** embedding width of embedding-bag and transformer models */
  dim: 8_192,
  /** transformer attention heads */
  heads: 256,
  /**
   * Weights in one model, teacher or student, frozen ones (batch-norm statistics, IDF) included:
   * 100 M float32 weights are 400 MB, and the gradients and Adam's two moments make it 1.6 GB per
   * run, with several runs training side by side.
   */
  parameters: 100_000_000,
} as const;

/** A count as the messages write it: 1,000,000. */
export function groupedCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A positive integer at most `max`, refused beyond it as "1,000,000 units is more than 65,536". */
function boundedInt(max: number, unit: string) {
  return PositiveInt.max(max, { error: (issue) => `${typeof issue.input === 'number' ? groupedCount(issue.input) : String(issue.input)} ${unit} is more than ${groupedCount(max)}` });
}
const HiddenSizes = z.array(boundedInt(MODEL_LIMITS.hiddenUnits, 'units')).max(MODEL_LIMITS.hiddenLayers);
const EmbeddingDim = boundedInt(MODEL_LIMITS.dim, 'dimensions');
/** token ids include the padding id 0 and the unknown id 1 (see main/train/textFeatures.ts) */
const VocabSize = z.number().int().min(3).max(200_000);

export const ModelArchs = ['softmax', 'mlp', 'cnn', 'resnet', 'bow-mlp', 'embedding-bag', 'transformer'] as const;
export type ModelArch = (typeof ModelArchs)[number];
/** the archs that read token ids rather than images */
export const TextArchs: readonly ModelArch[] = ['bow-mlp', 'embedding-bag', 'transformer'];

export const SoftmaxModel = z.object({ arch: z.literal('softmax') }).strict();
export const MlpModel = z
  .object({
    arch: z.literal('mlp'),
    hidden: HiddenSizes.default([256]),
    dropout: z.number().min(0).lt(1).default(0),
  })
  .strict();
export const CnnModel = z
  .object({
    arch: z.literal('cnn'),
    /** one conv3x3-ReLU-maxpool2x2 block per entry */
    filters: z.array(boundedInt(MODEL_LIMITS.convFilters, 'filters')).min(1).max(6).default([16, 32]),
    /** a hidden dense layer before the classifier; none when absent */
    dense: boundedInt(MODEL_LIMITS.hiddenUnits, 'units').optional(),
  })
  .strict();
export const ResnetModel = z
  .object({
    arch: z.literal('resnet'),
    /** basic residual blocks per stage; each later stage halves the resolution and doubles the width */
    blocks: z.array(boundedInt(MODEL_LIMITS.blocksPerStage, 'blocks')).min(1).max(4).default([1, 1]),
    width: boundedInt(MODEL_LIMITS.resnetWidth, 'channels').default(16),
  })
  .strict();
export const BowMlpModel = z
  .object({
    arch: z.literal('bow-mlp'),
    vocabSize: VocabSize.default(5000),
    tfidf: z.boolean().default(true),
    hidden: HiddenSizes.default([256]),
  })
  .strict();
export const EmbeddingBagModel = z
  .object({
    arch: z.literal('embedding-bag'),
    vocabSize: VocabSize.default(5000),
    dim: EmbeddingDim.default(64),
  })
  .strict();
export const TransformerModel = z
  .object({
    arch: z.literal('transformer'),
    vocabSize: VocabSize.default(5000),
    dim: EmbeddingDim.default(64),
    heads: boundedInt(MODEL_LIMITS.heads, 'heads').default(2),
    layers: z.union([z.literal(1), z.literal(2)]).default(1),
    maxLen: PositiveInt.max(1024).default(128),
  })
  .strict()
  .refine((m) => m.dim % m.heads === 0, { message: 'transformer dim must be a multiple of heads', path: ['dim'] });

export const ModelSpec = z.discriminatedUnion(
  'arch',
  [SoftmaxModel, MlpModel, CnnModel, ResnetModel, BowMlpModel, EmbeddingBagModel, TransformerModel],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `unknown model arch ${JSON.stringify((issue.input as { arch?: unknown } | undefined)?.arch)}; known archs: ${ModelArchs.join(', ')}`
        : undefined,
  },
);
export type ModelSpec = z.infer<typeof ModelSpec>;
export type ModelSpecInput = z.input<typeof ModelSpec>;

/** What a model's size depends on besides its spec: an image's shape (a text model's table is its own vocabSize). */
export type ModelInputSize = { kind: 'image'; height: number; width: number; channels: number } | { kind: 'text' };

/**
 * The weights of the model `model` builds for `input` and `numClasses` classes, frozen ones
 * included: the same layers, in the same sizes, as main/train/models.ts buildModel makes them
 * (test/unit/modelSize-spec.test.ts holds the two together). A spec for the other kind of data
 * counts its classifier only; the planner refuses it for that reason first.
 */
export function modelParameterCount(model: ModelSpec, input: ModelInputSize, numClasses: number): number {
  const dense = (inputs: number, outputs: number) => inputs * outputs + outputs;
  const chain = (sizes: readonly number[]) => sizes.slice(1).reduce((sum, size, i) => sum + dense(sizes[i]!, size), 0);
  const conv = (size: number, inputs: number, outputs: number, bias: boolean) => size * size * inputs * outputs + (bias ? outputs : 0);
  /** gamma, beta and the two running statistics */
  const batchNorm = (channels: number) => 4 * channels;
  const image = input.kind === 'image' ? input : { height: 0, width: 0, channels: 0 };
  const pixels = image.height * image.width * image.channels;
  switch (model.arch) {
    case 'softmax':
      return dense(pixels, numClasses);
    case 'mlp':
      return chain([pixels, ...model.hidden, numClasses]);
    case 'cnn': {
      let [channels, height, width, count] = [image.channels, image.height, image.width, 0];
      for (const filters of model.filters) {
        count += conv(3, channels, filters, true);
        [channels, height, width] = [filters, Math.floor(height / 2), Math.floor(width / 2)];
      }
      const flat = Math.max(height, 0) * Math.max(width, 0) * channels;
      return count + (model.dense !== undefined ? dense(flat, model.dense) + dense(model.dense, numClasses) : dense(flat, numClasses));
    }
    case 'resnet': {
      let count = conv(3, image.channels, model.width, false) + batchNorm(model.width);
      let channels = model.width;
      model.blocks.forEach((blocks, stage) => {
        const out = model.width * 2 ** stage;
        for (let j = 0; j < blocks; j++) {
          count += conv(3, channels, out, false) + conv(3, out, out, false) + 2 * batchNorm(out);
          if ((stage > 0 && j === 0) || channels !== out) count += conv(1, channels, out, false) + batchNorm(out);
          channels = out;
        }
      });
      return count + dense(channels, numClasses);
    }
    case 'bow-mlp':
      return (model.tfidf ? model.vocabSize : 0) + chain([model.vocabSize, ...model.hidden, numClasses]);
    case 'embedding-bag':
      return model.vocabSize * model.dim + dense(model.dim, numClasses);
    case 'transformer': {
      const { dim } = model;
      const layerNorm = 2 * dim;
      const block = 2 * layerNorm + dense(dim, 3 * dim) + dense(dim, dim) + dense(dim, 4 * dim) + dense(4 * dim, dim);
      return (model.vocabSize + model.maxLen) * dim + model.layers * block + layerNorm + dense(dim, numClasses);
    }
  }
}

/** Why `model` is too large for `input` and `numClasses` (MODEL_LIMITS.parameters), or undefined when it is not. */
export function modelSizeProblem(model: ModelSpec, input: ModelInputSize, numClasses: number): string | undefined {
  const count = modelParameterCount(model, input, numClasses);
  if (count <= MODEL_LIMITS.parameters) return undefined;
  const on = input.kind === 'image' ? ` on ${input.height}×${input.width}×${input.channels} images` : '';
  return `the ${model.arch} model has ${groupedCount(count)} parameters${on} with ${numClasses} classes, more than the ${groupedCount(MODEL_LIMITS.parameters)} one model may have: make it narrower or shallower`;
}

export const OptimizerSpec = z
  .object({
    kind: z.enum(['sgd', 'adam']),
    lr: z.number().positive().max(10),
    /** SGD only: heavy-ball momentum, 0 for plain SGD */
    momentum: z.number().min(0).lt(1).optional(),
    /** L2 coefficient added to the gradient of weight matrices (see main/train/optimizers.ts) */
    weightDecay: z.number().min(0).max(1).default(0),
  })
  .strict()
  .refine((o) => o.kind === 'sgd' || o.momentum === undefined, {
    message: 'momentum is an SGD setting; Adam has its own moment estimates',
    path: ['momentum'],
  });
export type OptimizerSpec = z.infer<typeof OptimizerSpec>;

export const LrScheduleSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant') }).strict(),
  z.object({ kind: z.literal('cosine') }).strict(),
  z
    .object({
      kind: z.literal('step'),
      stepEvery: PositiveInt,
      gamma: z.number().positive().max(1),
    })
    .strict(),
]);
export type LrScheduleSpec = z.infer<typeof LrScheduleSpec>;

export const OneHotLoss = z.object({ kind: z.literal('onehot') }).strict();
/** SPEC.md V2: (1 − α)·CE + α·[τ²]·KL(σ(z_T/τ) ‖ σ(z_S/τ)); defaults α = 1, τ = 1, with τ² */
export const KdLoss = z
  .object({
    kind: z.literal('kd'),
    alpha: z.number().min(0, 'alpha must be in [0, 1]').max(1, 'alpha must be in [0, 1]').default(1),
    tau: z.number().gt(0, 'tau must be > 0').max(1000).default(1),
    tauSquared: z.boolean().default(true),
  })
  .strict();
/** KL_τ settings shared by the losses that add a term to plain KD (SPEC.md V5, V6). */
const klFields = {
  tau: z.number().gt(0, 'tau must be > 0').max(1000).default(1),
  tauSquared: z.boolean().default(true),
};
/**
 * SPEC.md V5: (1 − β)·[τ²]·KL_τ(T ‖ S) + β·mean_i ‖Ĵ^T_i − Ĵ^S_i‖₂, the Jacobians taken as
 * directional derivatives by central finite differences (docs/losses.md, main/train/jacobianMatching.ts).
 */
export const JacobianLoss = z
  .object({
    kind: z.literal('jacobian'),
    ...klFields,
    beta: z.number().min(0.01, 'beta must be in [0.01, 0.8]').max(0.8, 'beta must be in [0.01, 0.8]').default(0.15),
    /** only the teacher's top classes enter the Jacobian when there are more classes than this */
    topClasses: z.number().int().min(1, 'topClasses must be ≥ 1').max(1000).default(20),
    /** random unit input directions u per batch; J·u is matched for each */
    directions: z.number().int().min(1, 'directions must be in 1–16').max(16, 'directions must be in 1–16').default(2),
    /** finite-difference step h along u, in normalised input units: (z(x + hu) − z(x − hu)) / 2h */
    fdStep: z.number().gt(0, 'fdStep must be in (0, 1]').max(1, 'fdStep must be in (0, 1]').default(0.05),
  })
  .strict();
/** SPEC.md V6: (1 − β)·[τ²]·KL_τ(T ‖ S) + β·L_crd over trainable projection heads. */
export const ContrastiveLoss = z
  .object({
    kind: z.literal('contrastive'),
    ...klFields,
    beta: z.number().gt(0, 'beta must be in (0, 1]').max(1, 'beta must be in (0, 1]').default(0.03),
    /** the temperature τ_c of s_ij = exp(e^S_i·e^T_j / τ_c) */
    tauC: z.number().gt(0, 'tauC must be > 0').max(10, 'tauC must be ≤ 10').default(0.1),
    eps: z.number().gt(0, 'eps must be > 0').max(1000, 'eps must be ≤ 1000').default(0.97),
    /** width of both projection heads */
    dim: z.number().int().min(1, 'dim must be in 1–4096').max(4096, 'dim must be in 1–4096').default(128),
    /** 'label': in-batch pairs with the same label are positives; 'instance': only i = j (Tian et al.) */
    positives: z.enum(['label', 'instance']).default('label'),
  })
  .strict();
export const LossSpec = z.discriminatedUnion('kind', [OneHotLoss, KdLoss, JacobianLoss, ContrastiveLoss]);
export type LossSpec = z.infer<typeof LossSpec>;
export type KdLossSpec = z.infer<typeof KdLoss>;
export type JacobianLossSpec = z.infer<typeof JacobianLoss>;
export type ContrastiveLossSpec = z.infer<typeof ContrastiveLoss>;

/** Loss kinds that read a teacher (its logits, Jacobian or features); the teacher itself has none. */
export const TeacherLossKinds: readonly LossSpec['kind'][] = ['kd', 'jacobian', 'contrastive'];
export function lossNeedsTeacher(loss: LossSpec): boolean {
  return TeacherLossKinds.includes(loss.kind);
}

/**
 * Whether a model has a learned representation before its classifier (the penultimate features
 * a contrastive loss projects): softmax regression and MLPs without hidden layers have none.
 */
export function hasPenultimateLayer(model: ModelSpec): boolean {
  if (model.arch === 'softmax') return false;
  if (model.arch === 'mlp' || model.arch === 'bow-mlp') return model.hidden.length > 0;
  return true;
}

/** Why `loss` cannot train `model` (as student or as its teacher), or undefined when it can. */
export function lossModelConflict(loss: LossSpec, model: ModelSpec, role: 'student' | 'teacher'): string | undefined {
  if (loss.kind === 'jacobian' && TextArchs.includes(model.arch)) {
    return `a jacobian loss differentiates the logits by the input pixels; the ${role}'s ${model.arch} model reads token ids, which have no derivative`;
  }
  if (loss.kind === 'contrastive' && !hasPenultimateLayer(model)) {
    return `a contrastive loss projects the penultimate features, and the ${role}'s ${model.arch} model has no hidden layer (use mlp with hidden sizes, cnn, resnet, …)`;
  }
  return undefined;
}

/** SPEC.md V3: a phase's loss applies from its (0-based) epoch until the next phase starts. */
export const LossPhase = z
  .object({
    from: z.number().int().min(0, 'a loss phase starts at an epoch ≥ 0'),
    loss: LossSpec,
  })
  .strict();
export type LossPhase = z.infer<typeof LossPhase>;

const runFields = {
  name: z.string().trim().min(1).max(100),
  model: ModelSpec,
  optimizer: OptimizerSpec,
  lrSchedule: LrScheduleSpec.default({ kind: 'constant' }),
  batchSize: z.number().int().min(1).max(65_536),
  epochs: z.number().int().min(1, 'epochs must be ≥ 1').max(10_000),
  seed: z.number().int().min(0).max(0xffff_ffff),
  // at most one phase per epoch: phases start at strictly increasing epochs below `epochs`
  phases: z.array(LossPhase).min(1).max(10_000).default([{ from: 0, loss: { kind: 'onehot' } }]),
  /**
   * The split this run fits (default "train"): mechanism datasets train a teacher and its
   * students on different splits. Normalisation or vocabulary come from this split; a student's
   * teacher is read on the student's split.
   */
  trainSplit: SplitName.optional(),
};

type PhaseCheckable = { epochs: number; phases: LossPhase[] };
function checkPhases(run: PhaseCheckable, ctx: z.RefinementCtx): void {
  const first = run.phases[0];
  if (first && first.from !== 0) {
    ctx.addIssue({ code: 'custom', message: 'the first loss phase must start at epoch 0', path: ['phases', 0, 'from'] });
  }
  run.phases.forEach((phase, i) => {
    const previous = run.phases[i - 1];
    if (previous && phase.from <= previous.from) {
      ctx.addIssue({
        code: 'custom',
        message: `loss phases must start at strictly increasing epochs (phase ${i} starts at ${phase.from}, after ${previous.from})`,
        path: ['phases', i, 'from'],
      });
    }
    // (refinements run even when a field failed: an invalid epoch count is reported once, by its field)
    if (Number.isInteger(run.epochs) && run.epochs >= 1 && phase.from >= run.epochs) {
      ctx.addIssue({
        code: 'custom',
        message: `loss phase ${i} starts at epoch ${phase.from}, but the run has only epochs 0–${run.epochs - 1}`,
        path: ['phases', i, 'from'],
      });
    }
  });
}

export const RunSpec = z.object(runFields).strict().superRefine(checkPhases);
export type RunSpec = z.infer<typeof RunSpec>;
export type RunSpecInput = z.input<typeof RunSpec>;

export const StudentSpec = z
  .object({
    ...runFields,
    /** the student uses the teacher's architecture (self-distillation) */
    selfDistill: z.boolean().optional(),
  })
  .strict()
  .superRefine(checkPhases)
  .superRefine((student, ctx) => {
    student.phases.forEach((phase, i) => {
      const conflict = lossModelConflict(phase.loss, student.model, 'student');
      if (conflict) ctx.addIssue({ code: 'custom', message: conflict, path: ['phases', i, 'loss'] });
    });
    // One pair of projection heads serves every contrastive phase of a run, so they share a width.
    const dims = student.phases.flatMap((p, i) => (p.loss.kind === 'contrastive' ? [{ dim: p.loss.dim, i }] : []));
    const first = dims[0];
    for (const { dim, i } of dims) {
      if (first && dim !== first.dim) {
        ctx.addIssue({ code: 'custom', message: `contrastive phases share one pair of projection heads: dim ${dim} differs from phase ${first.i}'s ${first.dim}`, path: ['phases', i, 'loss', 'dim'] });
      }
    }
  });
export type StudentSpec = z.infer<typeof StudentSpec>;

export const TeacherReuse = z.object({ reuseRunId: z.number().int().positive() }).strict();

/** At most this many seed replicates per experiment. */
export const MAX_SEEDS = 20;
const MAX_RUN_SEED = 0xffff_ffff;
export const SeedTeacherChoices = ['per-seed', 'shared'] as const;
/** How an experiment stores its probabilities (docs/database.md, "Precision"). */
export const StorageChoices = ['float32', 'float16'] as const;
export type Storage = (typeof StorageChoices)[number];
export type SeedTeacher = (typeof SeedTeacherChoices)[number];

/** The longest experiment name, trained or ingested (main/data/runIngest.ts). */
export const MAX_EXPERIMENT_NAME = 200;

export const ExperimentSpec = z
  .object({
    name: z.string().trim().min(1).max(MAX_EXPERIMENT_NAME),
    datasetId: z.number().int().positive(),
    /** a teacher to train, or a finished teacher run to distil from again */
    teacher: z.union([RunSpec, TeacherReuse]),
    students: z.array(StudentSpec).min(1).max(32),
    /**
     * Seed replicates: a count N (seed labels 1…N) or a list of distinct labels. The spec is planned
     * once per label s as its own experiment of one series, every run's seed shifted by s − 1, so
     * with 1…N replicate 1 is the spec as written (seedReplicateSpec). Absent: one experiment.
     */
    seeds: z.union([z.number(), z.array(z.number())], { error: `seeds is a count of replicates (1–${MAX_SEEDS}) or a list of distinct seeds` }).optional(),
    /**
     * How replicates get their teacher: 'per-seed' (the default) trains one per replicate;
     * 'shared' trains the first replicate's and every replicate's students distil from it, so students
     * differ only by their own seed. A reused teacher (teacher.reuseRunId) is always shared.
     */
    seedTeacher: z.enum(SeedTeacherChoices).optional(),
    /**
     * How the runs' probabilities are stored: 'float32' (the default) or 'float16', half the
     * space, each probability within 2^-11 of its float32 value relatively (docs/database.md, "Precision").
     */
    storage: z.enum(StorageChoices).optional(),
  })
  .strict()
  .superRefine((exp, ctx) => {
    checkSeeds(exp, ctx);
    const teacher = exp.teacher;
    if ('phases' in teacher) {
      // kd, jacobian and contrastive phases need a teacher; the teacher is the one run that has none.
      teacher.phases.forEach((phase, i) => {
        if (lossNeedsTeacher(phase.loss)) {
          ctx.addIssue({
            code: 'custom',
            message: `the teacher trains on one-hot labels: a ${phase.loss.kind} phase needs a teacher, and the teacher has none`,
            path: ['teacher', 'phases', i, 'loss'],
          });
        }
      });
      // The teacher's side of a jacobian or contrastive loss has the same needs as the student's.
      exp.students.forEach((student, i) => {
        student.phases.forEach((phase, j) => {
          const conflict = lossModelConflict(phase.loss, teacher.model, 'teacher');
          if (conflict) ctx.addIssue({ code: 'custom', message: conflict, path: ['students', i, 'phases', j, 'loss'] });
        });
      });
    }
    exp.students.forEach((student, i) => {
      if (student.selfDistill && 'model' in teacher && JSON.stringify(student.model) !== JSON.stringify(teacher.model)) {
        ctx.addIssue({
          code: 'custom',
          message: 'a self-distilled student must use the teacher’s model',
          path: ['students', i, 'model'],
        });
      }
    });
    const names = new Set<string>();
    exp.students.forEach((student, i) => {
      if (names.has(student.name)) {
        ctx.addIssue({ code: 'custom', message: `two students are named "${student.name}"`, path: ['students', i, 'name'] });
      }
      names.add(student.name);
    });
  });
export type ExperimentSpec = z.infer<typeof ExperimentSpec>;
export type ExperimentSpecInput = z.input<typeof ExperimentSpec>;

/** The seed labels a `seeds` value names: 1…N for a count, the list itself otherwise; null without seeds. */
export function seedLabels(seeds: number | readonly number[] | undefined): number[] | null {
  if (seeds === undefined) return null;
  return typeof seeds === 'number' ? Array.from({ length: seeds }, (_, i) => i + 1) : [...seeds];
}

/** A run's seed in the replicate with seed label `label`: shifted by label − 1. */
export function replicateRunSeed(runSeed: number, label: number): number {
  return runSeed + label - 1;
}

interface SeedCheckable {
  teacher: { seed: number; name: string } | { reuseRunId: number };
  students: { seed: number; name: string }[];
  seeds?: number | number[];
  seedTeacher?: SeedTeacher;
}
function checkSeeds(exp: SeedCheckable, ctx: z.RefinementCtx): void {
  if (exp.seeds === undefined) {
    if (exp.seedTeacher !== undefined) ctx.addIssue({ code: 'custom', message: 'seedTeacher chooses how seed replicates get their teacher; it needs seeds', path: ['seedTeacher'] });
    return;
  }
  if (typeof exp.seeds === 'number') {
    if (!Number.isInteger(exp.seeds) || exp.seeds < 1 || exp.seeds > MAX_SEEDS) {
      ctx.addIssue({ code: 'custom', message: `seeds must be a whole number of replicates in 1–${MAX_SEEDS} (or a list of seeds), got ${exp.seeds}`, path: ['seeds'] });
      return;
    }
  } else {
    if (exp.seeds.length < 1 || exp.seeds.length > MAX_SEEDS) {
      ctx.addIssue({ code: 'custom', message: `a list of seeds holds 1–${MAX_SEEDS} seeds, got ${exp.seeds.length}`, path: ['seeds'] });
      return;
    }
    const seen = new Set<number>();
    let bad = false;
    exp.seeds.forEach((s, i) => {
      if (!Number.isInteger(s) || s < 0 || s > MAX_RUN_SEED) {
        ctx.addIssue({ code: 'custom', message: `seeds are whole numbers ≥ 0, got ${s}`, path: ['seeds', i] });
        bad = true;
      } else if (seen.has(s)) {
        ctx.addIssue({ code: 'custom', message: `seed ${s} is listed twice; replicates need distinct seeds`, path: ['seeds', i] });
        bad = true;
      }
      seen.add(s);
    });
    if (bad) return;
  }
  if (exp.seedTeacher === 'per-seed' && 'reuseRunId' in exp.teacher) {
    ctx.addIssue({ code: 'custom', message: 'a reused teacher (teacher.reuseRunId) is one teacher for every replicate: seedTeacher must be "shared" or left out', path: ['seedTeacher'] });
  }
  // Every run's seed, shifted by label − 1, must stay a valid run seed.
  const runs = [...('seed' in exp.teacher ? [exp.teacher] : []), ...exp.students];
  const labels = seedLabels(exp.seeds)!;
  labels.forEach((label, i) => {
    const out = runs.find((r) => replicateRunSeed(r.seed, label) < 0 || replicateRunSeed(r.seed, label) > MAX_RUN_SEED);
    if (out) {
      ctx.addIssue({
        code: 'custom',
        message: `replicate seed ${label} shifts every run's seed by ${label - 1}, which takes "${out.name}"'s seed ${out.seed} to ${replicateRunSeed(out.seed, label)}, outside 0–${MAX_RUN_SEED}`,
        path: typeof exp.seeds === 'number' ? ['seeds'] : ['seeds', i],
      });
    }
  });
}

/**
 * The experiment that replicate `label` of a seeded spec plans: named "name · seed s", every run's
 * seed shifted by s − 1, without `seeds` (a replicate is one experiment). The teacher is the
 * spec's; the planner points a shared teacher's later replicates at the first one's run.
 */
export function seedReplicateSpec(spec: ExperimentSpec, label: number): ExperimentSpec {
  const { seeds: _seeds, seedTeacher: _seedTeacher, ...rest } = spec;
  const teacher = 'seed' in spec.teacher ? { ...spec.teacher, seed: replicateRunSeed(spec.teacher.seed, label) } : spec.teacher;
  return {
    ...rest,
    name: `${spec.name} · seed ${label}`,
    teacher,
    students: spec.students.map((s) => ({ ...s, seed: replicateRunSeed(s.seed, label) })),
  };
}

/**
 * A union's bare "Invalid input" as the problems of the branch the input came closest to (fewest
 * problems; the first on a tie), their paths under the union's, so the message names the field
 * that is wrong; a union with its own message (seeds) keeps it.
 */
function closestBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0 || issue.message !== 'Invalid input') return [issue];
  const branch = issue.errors.reduce((best, next) => (next.length < best.length ? next : best));
  return branch.flatMap((inner) => closestBranch({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue));
}

/** How many of a spec's problems its error lists. */
const SPEC_PROBLEMS_SHOWN = 5;

/** Parses with `schema` or throws a SPEC_ERROR listing its problems, the first one's field as its place. */
function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  // Every problem at once (the first five), so a spec is mended in one pass.
  const fieldOf = (issue: z.core.$ZodIssue) => (issue.path.length > 0 ? issue.path.map(String).join('.') : undefined);
  const issues = result.error.issues.flatMap(closestBranch);
  const said = issues.slice(0, SPEC_PROBLEMS_SHOWN).map((issue) => `${fieldOf(issue) ? `${fieldOf(issue)}: ` : ''}${issue.message}`);
  const more = issues.length > SPEC_PROBLEMS_SHOWN ? `; and ${issues.length - SPEC_PROBLEMS_SHOWN} more` : '';
  const field = issues[0] && fieldOf(issues[0]);
  const message = said.length ? `${what}: ${said.join('; ')}${more}` : `${what} is invalid`;
  throw new DomainError('SPEC_ERROR', message, field ? { field } : {}, { cause: result.error });
}

export function parseExperimentSpec(input: unknown): ExperimentSpec {
  return parseOrThrow(ExperimentSpec, input, 'experiment spec');
}
export function parseRunSpec(input: unknown): RunSpec {
  return parseOrThrow(RunSpec, input, 'run spec');
}
export function parseModelSpec(input: unknown): ModelSpec {
  return parseOrThrow(ModelSpec, input, 'model spec');
}

export interface LossSwitch {
  /** epochs done when the new loss takes over (the phase's 0-based `from`) */
  epoch: number;
  /** the loss in force from there on */
  loss: LossSpec;
}

/** The loss switches of a stored run spec (phases after the first); none for a single phase or an unreadable spec. */
export function lossSwitches(spec: unknown): LossSwitch[] {
  const phases = (spec as { phases?: unknown } | null | undefined)?.phases;
  if (!Array.isArray(phases)) return [];
  const parsed = phases.map((p) => LossPhase.safeParse(p));
  if (!parsed.every((p) => p.success)) return [];
  return parsed.slice(1).map((p) => ({ epoch: p.data!.from, loss: p.data!.loss }));
}

/** SPEC.md V3: the loss in force at a (0-based) epoch is that of the last phase started by then. */
export function lossAtEpoch(phases: readonly LossPhase[], epoch: number): LossSpec {
  let current: LossSpec | undefined;
  for (const phase of phases) {
    if (phase.from <= epoch) current = phase.loss;
  }
  if (!current) throw new DomainError('SPEC_ERROR', `no loss phase covers epoch ${epoch}`, { field: 'phases' });
  return current;
}

/** The losses whose whole training state is the weights and the optimiser's (no projection heads, no teacher model). */
const PREFIX_SHARING_LOSSES: readonly LossSpec['kind'][] = ['onehot', 'kd'];

/** A stored spec as a run spec, without the self-distillation mark (a label); null when it is not one (an ingested run's). */
export function trainingSpec(stored: unknown): RunSpec | null {
  if (stored === null || typeof stored !== 'object') return null;
  const { selfDistill: _selfDistill, ...rest } = stored as Record<string, unknown>;
  const parsed = RunSpec.safeParse(rest);
  return parsed.success ? parsed.data : null;
}

/** Object keys sorted at every depth, so that equal specs serialise equally. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
}

/**
 * How many epochs, from the first, two runs of one teacher train identically: both specs the same
 * but for their names and loss phases, every loss one-hot or KD, and the same loss at each of
 * those epochs. Training is deterministic per seed (the batch order depends on seed and epoch
 * only), so the run that gets there first can hand its recorded epochs and its checkpoint to the
 * other, which resumes from there (runQueries.ts). 0 when they differ from the first epoch, or
 * when either is not a run spec (trainingSpec's null).
 */
export function sharedPrefixEpochs(x: RunSpec | null, y: RunSpec | null): number {
  if (!x || !y) return 0;
  if (![...x.phases, ...y.phases].every((p) => PREFIX_SHARING_LOSSES.includes(p.loss.kind))) return 0;
  const rest = (s: RunSpec) => canonical({ ...s, name: undefined, phases: undefined });
  if (rest(x) !== rest(y)) return 0;
  let epoch = 0;
  while (epoch < x.epochs && canonical(lossAtEpoch(x.phases, epoch)) === canonical(lossAtEpoch(y.phases, epoch))) epoch++;
  return epoch;
}

export interface PaperPresetBase {
  model: ModelSpecInput;
  optimizer: z.input<typeof OptimizerSpec>;
  batchSize: number;
  seed: number;
  lrSchedule?: LrScheduleSpec;
  /** a smaller model for the non-self-distilled students; the teacher's model when absent */
  studentModel?: ModelSpecInput;
}

/**
 * The paper-1 student line-up (SPEC.md V1–V3 and experiment 5): one-hot, KD at τ = 1 and
 * τ = 4, late KD (one-hot then KD from the halfway epoch), early KD then one-hot, and
 * self-distillation. Everything shares the base model, optimiser, batch size and seed, so
 * students differ only in their loss. Without `studentModel` every student has the teacher's
 * architecture, so 'KD τ=1' and 'self-distillation' are the same run; pass a smaller
 * `studentModel` to tell distillation into a smaller model apart from self-distillation.
 */
export function paperPreset(epochs: number, base: PaperPresetBase): { teacher: RunSpec; students: StudentSpec[] } {
  const half = Math.round(epochs / 2);
  const common = {
    model: base.model,
    optimizer: base.optimizer,
    lrSchedule: base.lrSchedule ?? { kind: 'constant' as const },
    batchSize: base.batchSize,
    epochs,
    seed: base.seed,
  };
  const onehot = { kind: 'onehot' as const };
  const kd = (tau: number) => ({ kind: 'kd' as const, alpha: 1, tau, tauSquared: true });
  // A switch at epoch 0 or at the end would be no switch at all; keep it inside the budget.
  const switchAt = Math.min(Math.max(half, 1), epochs - 1);
  const switching = epochs >= 2;
  const teacher = parseRunSpec({ ...common, name: 'teacher', phases: [{ from: 0, loss: onehot }] });
  const studentModel = base.studentModel ?? base.model;
  const students = [
    { ...common, model: studentModel, name: 'one-hot', phases: [{ from: 0, loss: onehot }] },
    { ...common, model: studentModel, name: 'KD τ=1', phases: [{ from: 0, loss: kd(1) }] },
    { ...common, model: studentModel, name: 'KD τ=4', phases: [{ from: 0, loss: kd(4) }] },
    {
      ...common,
      model: studentModel,
      name: switching ? `late KD (one-hot → KD at ${switchAt})` : 'late KD (no room to switch: KD only)',
      phases: switching ? [{ from: 0, loss: onehot }, { from: switchAt, loss: kd(1) }] : [{ from: 0, loss: kd(1) }],
    },
    {
      ...common,
      model: studentModel,
      name: switching ? `early KD (KD → one-hot at ${switchAt})` : 'early KD (no room to switch: one-hot only)',
      phases: switching ? [{ from: 0, loss: kd(1) }, { from: switchAt, loss: onehot }] : [{ from: 0, loss: onehot }],
    },
    { ...common, name: 'self-distillation', model: teacher.model, selfDistill: true, phases: [{ from: 0, loss: kd(1) }] },
  ].map((s) => parseOrThrow(StudentSpec, s, `preset student "${s.name}"`));
  return { teacher, students };
}

/**
 * The findings preset's defaults and the data it is demonstrated on (`disobey demo`): chosen so
 * that SPEC experiments 3–5 show on the embedded Fashion-MNIST sample within the demo's budget;
 * the evidence for each value is in docs/findings.md.
 */
export const FINDINGS_PRESET = { epochs: 20, seeds: 4, seedTeacher: 'shared', hidden: 512, noiseRate: 0.2, noiseSeed: 1, trainExamples: 5000 } as const;

/**
 * The line-up the findings compare (SPEC experiments 3–5, docs/findings.md): a teacher and four
 * students of its own architecture (self-distillation) — one-hot, KD τ = 1, one-hot → KD and
 * KD → one-hot at the halfway epoch — differing only in their loss. The teacher's seed is
 * `teacherSeed`, the students' `seed`, so no student starts from the teacher's initial weights.
 * Meant to be planned with seeds (each replicate shifts every seed, see `seeds`).
 */
export function findingsPreset(epochs: number, base: PaperPresetBase & { teacherSeed: number }): { teacher: RunSpec; students: StudentSpec[] } {
  const switchAt = Math.min(Math.max(Math.round(epochs / 2), 1), epochs - 1);
  const common = { model: base.model, optimizer: base.optimizer, lrSchedule: base.lrSchedule ?? { kind: 'constant' as const }, batchSize: base.batchSize, epochs, seed: base.seed };
  const onehot = { kind: 'onehot' as const };
  const kd = { kind: 'kd' as const, alpha: 1, tau: 1, tauSquared: true };
  const teacher = parseRunSpec({ ...common, name: 'teacher', seed: base.teacherSeed, phases: [{ from: 0, loss: onehot }] });
  if (epochs < 2) throw new DomainError('SPEC_ERROR', 'the findings preset switches losses halfway: it needs at least 2 epochs', { field: 'epochs' });
  const students = [
    { ...common, name: 'one-hot', phases: [{ from: 0, loss: onehot }] },
    { ...common, name: 'KD τ=1', selfDistill: true, phases: [{ from: 0, loss: kd }] },
    { ...common, name: `late KD (one-hot → KD at ${switchAt})`, phases: [{ from: 0, loss: onehot }, { from: switchAt, loss: kd }] },
    { ...common, name: `early KD (KD → one-hot at ${switchAt})`, phases: [{ from: 0, loss: kd }, { from: switchAt, loss: onehot }] },
  ].map((s) => parseOrThrow(StudentSpec, s, `preset student "${s.name}"`));
  return { teacher, students };
}

export const MECHANISM_STUDENT_LOSSES = ['kd', 'jacobian', 'contrastive'] as const;

/**
 * SPEC experiment 8 on a mechanism dataset (`disobey mechanisms`): one experiment per teacher
 * training split (its mechanism set), each with a student per distillation loss — plain KD,
 * Jacobian matching, contrastive — and per student training split. With the default layout the
 * teacher on `train` sees only the hard mechanism predict the label; students on
 * `train-student` also see the easy one. Reports on the cf-… splits then show which mechanisms
 * each student shares with its teacher (P5).
 */
export function mechanismPreset(epochs: number, base: PaperPresetBase & { teacherSplits: string[]; studentSplits: string[] }): { name: string; teacher: RunSpec; students: StudentSpec[] }[] {
  const common = { optimizer: base.optimizer, lrSchedule: base.lrSchedule ?? { kind: 'constant' as const }, batchSize: base.batchSize, epochs, seed: base.seed };
  const losses: Record<(typeof MECHANISM_STUDENT_LOSSES)[number], [string, LossSpec]> = {
    kd: ['KD', { kind: 'kd', alpha: 1, tau: 4, tauSquared: true }],
    jacobian: ['Jacobian', { kind: 'jacobian', tau: 4, tauSquared: true, beta: 0.15, topClasses: 20, directions: 2, fdStep: 0.05 }],
    contrastive: ['contrastive', { kind: 'contrastive', tau: 4, tauSquared: true, beta: 0.03, tauC: 0.1, eps: 0.97, dim: 128, positives: 'label' }],
  };
  return base.teacherSplits.map((teacherSplit) => ({
    name: `teacher on ${teacherSplit}`,
    teacher: parseRunSpec({ ...common, model: base.model, name: `teacher on ${teacherSplit}`, trainSplit: teacherSplit, phases: [{ from: 0, loss: { kind: 'onehot' } }] }),
    students: base.studentSplits.flatMap((studentSplit) =>
      MECHANISM_STUDENT_LOSSES.map((key) => {
        const [label, loss] = losses[key];
        const spec = { ...common, model: base.studentModel ?? base.model, name: `${label} on ${studentSplit}`, trainSplit: studentSplit, phases: [{ from: 0, loss }] };
        return parseOrThrow(StudentSpec, spec, `preset student "${spec.name}"`);
      }),
    ),
  }));
}
