// A gradient worker thread (dataParallel.ts): a replica of one run's model on the run's backend.
// Before each step it copies the run's current weights from shared memory, takes the gradients of
// the shards it is given and writes each into that shard's slot; it also predicts batches for
// recording (from the shared weights, or from a snapshot sent with them while the run trains on).
// It owns no state that outlives a step but the replica.
import { parentPort } from 'node:worker_threads';
import type { Variable } from '@tensorflow/tfjs-core';
import { selectBackend, type Tf } from './backend.js';
import { assignFlat, shardGradients, writeShardGrads, type GradientWorkerReply, type GradientWorkerRequest } from './dataParallel.js';
import { buildModel, type ClassifierModel } from './models.js';

interface Replica {
  tf: Tf;
  model: ClassifierModel;
  variables: Variable[];
  weights: Float32Array;
  grads: Float32Array;
}

let replica: Replica | null = null;

async function answer(request: GradientWorkerRequest): Promise<GradientWorkerReply> {
  if (request.type === 'init') {
    const { tf } = await selectBackend(request.backend);
    replica?.model.dispose();
    const model = buildModel(tf, request.model, request.input, request.numClasses, request.seed);
    replica = { tf, model, variables: model.parameters.filter((p) => p.trainable).map((p) => p.variable), weights: new Float32Array(request.weights), grads: new Float32Array(request.grads) };
    return { type: 'ready' };
  }
  if (!replica) throw new Error(`${request.type} before init`);
  const { tf, model, variables, weights, grads } = replica;
  assignFlat(tf, variables, request.type === 'predict' && request.weights ? request.weights : weights);
  if (request.type === 'step') {
    const values: [number, number][] = [];
    for (const shard of request.shards) {
      const result = shardGradients(tf, model, variables, request.loss, shard);
      writeShardGrads(tf, grads, result.grads, shard.index, weights.length);
      values.push([shard.index, result.value]);
    }
    return { type: 'step', values };
  }
  const shape = model.input.kind === 'image' ? [model.input.height, model.input.width, model.input.channels] : [model.input.maxLen];
  const dtype = model.input.kind === 'text' ? 'int32' : 'float32';
  const logits: [number, Float32Array][] = request.batches.map(({ index, x, rows }) => {
    const out = tf.tidy(() => model.predictLogits(tf.tensor(x, [rows, ...shape], dtype)));
    try {
      return [index, (out.dataSync() as Float32Array).slice()];
    } finally {
      out.dispose();
    }
  });
  return { type: 'predict', logits };
}

const port = parentPort;
if (!port) throw new Error('the gradient worker runs as a worker thread');
// Requests arrive one at a time (the run waits for each answer), so they are answered in order.
port.on('message', (request: GradientWorkerRequest) => {
  answer(request).then(
    (reply) => port.postMessage(reply),
    (err: unknown) => port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies GradientWorkerReply),
  );
});
