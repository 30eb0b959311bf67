// `npm run bench losses`: what the jacobian (SPEC.md V5) and contrastive (V6) losses cost against
// plain KD — training examples/s of a small MLP and CNN student distilling from a same-arch
// teacher, per backend, each backend in a child process of its own (one TensorFlow per process).
import { measureInChild } from './benchChild.js';
import { fileURLToPath } from 'node:url';
import { CancelledError } from '../shared/errors.js';
import { parseRunSpec, type LossSpec, type ModelSpecInput } from '../shared/experimentSpec.js';
import { importIdx } from '../main/data/idx.js';
import { sampleDatasetDir } from '../main/paths.js';
import { BackendKinds, selectBackend, type BackendKind } from '../main/train/backend.js';
import { computeNormalisation, normaliseImages } from '../main/train/imageNormalisation.js';
import { buildModel } from '../main/train/models.js';
import { predictFeatures, predictProbabilities, trainRun } from '../main/train/trainer.js';
import type { BenchRow } from './table.js';

const BUDGET_SECONDS = Number(process.env.DISOBEY_BENCH_LOSS_SECONDS ?? 1.2);
const EXAMPLES = 2048;
const BATCH = 64;
const MODELS: Record<'mlp' | 'cnn', { label: string; spec: ModelSpecInput }> = {
  mlp: { label: 'MLP 784-128-10', spec: { arch: 'mlp', hidden: [128] } },
  cnn: { label: 'CNN conv8-pool-conv16-pool-fc', spec: { arch: 'cnn', filters: [8, 16] } },
};
const LOSSES: Record<'kd' | 'jacobian' | 'contrastive', LossSpec> = {
  kd: { kind: 'kd', alpha: 1, tau: 1, tauSquared: true },
  jacobian: { kind: 'jacobian', tau: 1, tauSquared: true, beta: 0.15, topClasses: 20, directions: 2, fdStep: 0.05 },
  contrastive: { kind: 'contrastive', tau: 1, tauSquared: true, beta: 0.03, tauC: 0.1, eps: 0.97, dim: 128, positives: 'label' },
};

type LossRates = Record<'mlp' | 'cnn', Record<keyof typeof LOSSES, number>>;
interface ChildResult {
  backend: string;
  rates: LossRates;
}

async function measure(kind: BackendKind): Promise<ChildResult> {
  const { tf, name } = await selectBackend(kind);
  const parsed = await importIdx(sampleDatasetDir());
  const train = parsed.examples.filter((e) => e.split === 'train').slice(0, EXAMPLES);
  const pixels = new Uint8Array(train.length * 784);
  train.forEach((e, i) => pixels.set(e.pixels!, i * 784));
  const x = normaliseImages(pixels, computeNormalisation(pixels, 1));
  const y = Int32Array.from(train, (e) => e.label);
  const n = train.length;
  const input = { kind: 'image' as const, height: 28, width: 28, channels: 1 };
  const rates = { mlp: {}, cnn: {} } as LossRates;
  for (const arch of ['mlp', 'cnn'] as const) {
    // The teacher's weights do not change the cost; an untrained same-arch teacher will do.
    const teacher = buildModel(tf, parseRunSpec({ name: 't', model: MODELS[arch].spec, optimizer: { kind: 'adam', lr: 0.001 }, batchSize: BATCH, epochs: 1, seed: 1 }).model, input, 10, 1);
    const teacherLogits = predictProbabilities(tf, teacher, x, n).logits;
    const features = predictFeatures(tf, teacher, x, n);
    for (const [lossName, loss] of Object.entries(LOSSES) as [keyof typeof LOSSES, LossSpec][]) {
      const spec = parseRunSpec({ name: lossName, model: MODELS[arch].spec, optimizer: { kind: 'adam', lr: 0.001 }, batchSize: BATCH, epochs: 1, seed: 2, phases: [{ from: 0, loss }] });
      const controller = new AbortController();
      let batches = 0;
      let timedSince = 0;
      let timedExamples = 0;
      try {
        await trainRun({
          tf,
          spec,
          data: { train: { x, y, n } },
          numClasses: 10,
          input,
          teacherLogits,
          teacherModel: teacher,
          teacherFeatures: { dim: features.dim, rows: features.features },
          signal: controller.signal,
          onBatch: (b) => {
            batches++;
            // The first batch warms up kernels and allocations; time the rest (at least two).
            if (batches === 1) timedSince = performance.now();
            else timedExamples += BATCH;
            if ((batches >= 3 && performance.now() - timedSince > BUDGET_SECONDS * 1000) || b.batch === b.batches - 1) controller.abort();
          },
        }).then((r) => r.model.dispose());
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
      }
      rates[arch][lossName] = timedExamples / ((performance.now() - timedSince) / 1000);
    }
    teacher.dispose();
  }
  return { backend: name, rates };
}

const rate = (v: number) => `${Math.round(v).toLocaleString('en')} ex/s`;

export function benchLosses(): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const kind of BackendKinds) {
    const answer = measureInChild<ChildResult>(fileURLToPath(import.meta.url), ['--loss-child', kind], 300);
    if (!answer.ok) {
      rows.push({ benchmark: `losses on ${kind}`, measured: 'not available', goal: '', pass: null, note: answer.reason.slice(0, 120) });
      continue;
    }
    const last = answer.value;
    for (const arch of ['mlp', 'cnn'] as const) {
      const kd = last.rates[arch].kd;
      for (const loss of ['kd', 'jacobian', 'contrastive'] as const) {
        const v = last.rates[arch][loss];
        rows.push({
          benchmark: `train ${MODELS[arch].label}, ${loss} — ${last.backend}`,
          measured: rate(v),
          goal: '',
          pass: null,
          note: loss === 'kd' ? `batch ${BATCH}, Adam` : `${(v / kd).toFixed(2)}× plain KD`,
        });
      }
    }
  }
  return rows;
}

// Child mode: this file (bundled into out/bench/index.js) run with `--loss-child KIND` prints one
// JSON line and exits before the suite starts.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--loss-child') {
  try {
    console.log(JSON.stringify(await measure(process.argv[3] as BackendKind)));
    process.exit(0);
  } catch (err) {
    console.log(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
    process.exit(3);
  }
}
