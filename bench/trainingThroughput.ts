// One backend's training and inference speed for the benchmark's two models, measured in a
// process of its own (one TensorFlow per process) on the Fashion-MNIST sample: batch 128, Adam,
// on `threads` threads (gradient worker threads beside this one, main/train/dataParallel.ts).
import { parseRunSpec, type ModelSpecInput } from '../shared/experimentSpec.js';
import { CancelledError } from '../shared/errors.js';
import { importIdx } from '../main/data/idx.js';
import { sampleDatasetDir } from '../main/paths.js';
import { selectBackend, type BackendKind } from '../main/train/backend.js';
import { computeNormalisation, normalisedZero, normaliseImages } from '../main/train/imageNormalisation.js';
import { startedGradientWorkers } from '../main/train/dataParallel.js';
import { buildModel } from '../main/train/models.js';
import { predictProbabilities, trainRun } from '../main/train/trainer.js';

export const BENCH_MODELS: Record<'mlp' | 'cnn', ModelSpecInput> = {
  mlp: { arch: 'mlp', hidden: [256] },
  cnn: { arch: 'cnn', filters: [16, 32] },
};

export interface Throughput {
  backend: string;
  threads: number;
  /** per model, the threads the run kept after probing with its workers and without (dataParallel.ts) */
  mlp: { train: number; infer: number; kept?: number };
  cnn: { train: number; infer: number; kept?: number };
}

export async function measureThroughput(kind: BackendKind, budgetSeconds: number, threads = 1): Promise<Throughput> {
  const backend = await selectBackend(kind);
  const { tf } = backend;
  const parsed = await importIdx(sampleDatasetDir());
  const train = parsed.examples.filter((e) => e.split === 'train');
  const pixels = new Uint8Array(train.length * 784);
  train.forEach((e, i) => pixels.set(e.pixels!, i * 784));
  const normalisation = computeNormalisation(pixels, 1);
  const x = normaliseImages(pixels, normalisation);
  const y = Int32Array.from(train, (e) => e.label);
  // As trainingData.ts gives it: the background lets wasm's MLP skip those pixels (sparseDense.ts).
  const input = { kind: 'image' as const, height: 28, width: 28, channels: 1, background: normalisedZero(normalisation) };
  const out = { backend: backend.name, threads: 1 } as Throughput;
  for (const name of ['mlp', 'cnn'] as const) {
    const spec = parseRunSpec({ name, model: BENCH_MODELS[name], optimizer: { kind: 'adam', lr: 0.001 }, batchSize: 128, epochs: 1, seed: 1 });
    const controller = new AbortController();
    let timedExamples = 0;
    let timedSince = 0;
    let batches = 0;
    let kept: number | undefined;
    try {
      await trainRun({
        tf,
        spec,
        data: { train: { x, y, n: train.length } },
        numClasses: 10,
        input,
        threads: { backend: kind, count: threads },
        signal: controller.signal,
        onBatch: () => {
          batches++;
          // The first three batches warm up kernels and allocations; time the rest.
          if (batches === 3) timedSince = performance.now();
          else if (batches > 3) timedExamples += 128;
          if (batches > 4 && performance.now() - timedSince > budgetSeconds * 1000) controller.abort();
        },
      }).then((r) => {
        kept = r.threads;
        r.model.dispose();
      });
    } catch (err) {
      if (!(err instanceof CancelledError)) throw err;
    }
    const trainRate = timedExamples / ((performance.now() - timedSince) / 1000);
    const model = buildModel(tf, spec.model, input, 10, 1);
    predictProbabilities(tf, model, x.subarray(0, 512 * 784), 512, 512);
    const inferN = 4096;
    const started = performance.now();
    predictProbabilities(tf, model, x.subarray(0, inferN * 784), inferN, 512);
    const inferRate = inferN / ((performance.now() - started) / 1000);
    model.dispose();
    out[name] = { train: trainRate, infer: inferRate, kept };
    // The threads that trained: this one and the gradient workers it started.
    out.threads = 1 + startedGradientWorkers();
  }
  return out;
}
