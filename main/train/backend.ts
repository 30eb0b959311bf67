// Picks the fastest tfjs backend this machine can run: native TensorFlow (CUDA, then CPU) when the
// optional tfjs-node packages are installed, else WebAssembly, else plain JavaScript. Everything
// downstream takes the returned `tf` namespace, so no module imports a backend statically.
import * as tfjs from '@tensorflow/tfjs-core';
// Registers the plain-JavaScript 'cpu' backend (and the kernels the wasm backend borrows from it).
import '@tensorflow/tfjs-backend-cpu';
// The gradient functions autodiff needs and the chained ops (t.reshape(…)): the umbrella
// @tensorflow/tfjs registered both; tfjs-core's Node bundle does neither. These ES module trees are
// bundled in (scripts/build.mjs; vitest.config.ts inlines them) and register into the global
// registries and Tensor class that tfjs-core's engine uses.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DomainError } from '../../shared/errors.js';
import { TrainingBackends } from '../../shared/runs.js';
import { registerCpuGradientKernels } from './cpuGradients.js';
import { registerWasmGradientKernels } from './wasmGradients.js';

/** The tfjs namespace; tfjs-node's is a superset with the same API. */
export type Tf = typeof tfjs;

export const BackendKinds = TrainingBackends;
export type BackendKind = (typeof BackendKinds)[number];

export interface SelectedBackend {
  /** for people: 'tensorflow (CUDA)', 'tensorflow (CPU)', 'wasm (SIMD, 1 thread)', 'cpu' */
  name: string;
  kind: BackendKind;
  tf: Tf;
}

// Specifiers in variables keep TypeScript (and esbuild) from resolving packages that are optional.
const NODE_GPU_PACKAGE = '@tensorflow/tfjs-node-gpu';
const NODE_CPU_PACKAGE = '@tensorflow/tfjs-node';

async function loadNative(pkg: string): Promise<Tf> {
  const mod = (await import(pkg)) as Tf & { default?: Tf };
  // CommonJS packages arrive under `default` when imported from ESM.
  const tf = (typeof mod.setBackend === 'function' ? mod : mod.default) as Tf | undefined;
  if (!tf || typeof tf.setBackend !== 'function') throw new Error(`${pkg} did not export a tfjs namespace`);
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} loaded but its 'tensorflow' backend did not start`);
  await tf.ready();
  return tf;
}

function usesGpu(tf: Tf): boolean {
  // tfjs-node's backend says whether libtensorflow found a CUDA device.
  const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
  return backend.isUsingGpuDevice === true;
}

/** The folder holding the .wasm binaries, as a plain path: in Node the loader reads files, not URLs. */
export function wasmBinaryFolder(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve('@tensorflow/tfjs-backend-wasm'); // …/dist/tf-backend-wasm.node.js
  return path.dirname(main) + path.sep;
}

let wasmPathsSet = false;

async function startWasm(): Promise<Tf> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // Before the first start only: the loader reads the path once.
  if (!wasmPathsSet) {
    wasm.setWasmPaths(wasmBinaryFolder());
    wasmPathsSet = true;
  }
  if (!(await tfjs.setBackend('wasm'))) throw new Error('the wasm backend did not start');
  await tfjs.ready();
  registerWasmGradientKernels(tfjs);
  return tfjs;
}

async function startCpu(): Promise<Tf> {
  if (!(await tfjs.setBackend('cpu'))) throw new Error('the cpu backend did not start');
  await tfjs.ready();
  registerCpuGradientKernels(tfjs);
  return tfjs;
}

async function tryKind(kind: BackendKind): Promise<SelectedBackend> {
  switch (kind) {
    case 'tensorflow-gpu': {
      const tf = await loadNative(NODE_GPU_PACKAGE);
      if (!usesGpu(tf)) throw new Error(`${NODE_GPU_PACKAGE} loaded but found no CUDA device`);
      return { kind, name: 'tensorflow (CUDA)', tf };
    }
    case 'tensorflow': {
      // tfjs-node-gpu also runs on CPU when CUDA is missing; either package will do.
      let tf: Tf;
      try {
        tf = await loadNative(NODE_CPU_PACKAGE);
      } catch (cpuPackageError) {
        try {
          tf = await loadNative(NODE_GPU_PACKAGE);
        } catch {
          throw cpuPackageError;
        }
      }
      return { kind, name: usesGpu(tf) ? 'tensorflow (CUDA)' : 'tensorflow (CPU)', tf };
    }
    case 'wasm': {
      const tf = await startWasm();
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      // Node has no cross-origin-isolated workers for the threaded build: one thread.
      return { kind, name: `wasm (${simd ? 'SIMD, ' : ''}1 thread)`, tf };
    }
    case 'cpu':
      return { kind, name: 'cpu', tf: await startCpu() };
  }
}

/**
 * Starts `preferred` or, when none is given, the first that works of tensorflow-gpu,
 * tensorflow, wasm, cpu. A preferred backend that cannot start is an error, not a silent
 * fall-back: a user who asked for CUDA should hear that it is missing.
 */
export async function selectBackend(preferred?: BackendKind): Promise<SelectedBackend> {
  if (preferred) {
    try {
      return await tryKind(preferred);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new DomainError('VALIDATION_ERROR', `the '${preferred}' backend is not available here: ${why}`, { field: 'backend' }, { cause: err });
    }
  }
  const failures: string[] = [];
  for (const kind of BackendKinds) {
    try {
      return await tryKind(kind);
    } catch (err) {
      failures.push(`${kind}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw new DomainError('INTERNAL', `no tfjs backend could start (${failures.join('; ')})`);
}
