// Reading a tensor's values out of the backend without the copies dataSync makes. On the wasm
// backend dataSync slices the WebAssembly heap into a fresh buffer; on this machine a fresh
// buffer of a model's weights (0.8–1.6 MB) cost 2–9 ms in page faults and zeroing, more than half
// a small model's training step when done twice per step. A view of the heap copied into a buffer
// the caller keeps costs ~0.1 ms. The values are the same bytes either way.
import type { Tensor } from '@tensorflow/tfjs-core';
import type { Tf } from './backend.js';

/** The slice of tfjs-backend-wasm's BackendWasm read here. */
interface HeapBackend {
  typedArrayFromHeap(info: Tensor): Float32Array | Int32Array | Uint8Array;
}

function heapOf(tf: Tf): HeapBackend | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as Partial<HeapBackend>;
  return typeof backend.typedArrayFromHeap === 'function' ? (backend as HeapBackend) : null;
}

/** Copies a float32 tensor's values into `target` at `offset`. */
export function readTensorInto(tf: Tf, tensor: Tensor, target: Float32Array, offset = 0): void {
  const heap = heapOf(tf);
  target.set((heap ? heap.typedArrayFromHeap(tensor) : tensor.dataSync()) as Float32Array, offset);
}

/** A float32 tensor's values in an array of their own (never the backend's storage). */
export function readTensor(tf: Tf, tensor: Tensor): Float32Array {
  const out = new Float32Array(tensor.size);
  readTensorInto(tf, tensor, out);
  return out;
}
