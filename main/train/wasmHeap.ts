// What our wasm kernels (wasmGradients.ts, directConv.ts) share: the slice of tfjs-backend-wasm's
// backend they use, a scope that runs its kernels below the engine and frees the intermediates,
// and our own SIMD modules instantiated on the backend's memory, reading its tensors in place.
import type * as tfjs from '@tensorflow/tfjs-core';
import type { DataId, DataType, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

type Tf = typeof tfjs;
type TypedArray = Float32Array | Int32Array | Uint8Array;

/** The slice of tfjs-backend-wasm's BackendWasm these kernels use. */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): TypedArray;
  disposeData(dataId: DataId, force?: boolean): boolean;
  incRef(dataId: DataId): void;
}

export type Inputs = Record<string, TensorInfo>;
export type KernelArgs = { inputs: Inputs; backend: unknown; attrs?: NamedAttrMap };
/** Our kernels' own signature; tfjs's KernelFunc is wider (it also allows several outputs). */
export type WasmKernel = (args: KernelArgs) => TensorInfo;

/** One wasm kernel run directly (below the engine: no gradient tape, no tensor bookkeeping); its outputs are the caller's. */
export function runWasmKernel(tf: Tf, backend: unknown, kernelName: string, inputs: Inputs | TensorInfo[], attrs: object = {}): TensorInfo | TensorInfo[] {
  const kernel = tf.getKernel(kernelName, 'wasm');
  if (!kernel) throw new Error(`wasm kernel ${kernelName} is not registered`);
  return kernel.kernelFunc({ inputs: inputs as Inputs, backend: backend as never, attrs: attrs as NamedAttrMap }) as TensorInfo | TensorInfo[];
}

/**
 * Runs wasm kernels directly (below the engine: no gradient tape, no tensor bookkeeping) and
 * frees every intermediate except the result.
 */
export class WasmKernelScope {
  private readonly intermediates: TensorInfo[] = [];
  constructor(
    private readonly tf: Tf,
    readonly backend: WasmBackend,
  ) {}

  run(kernelName: string, inputs: Inputs | TensorInfo[], attrs: NamedAttrMap = {}): TensorInfo {
    const out = runWasmKernel(this.tf, this.backend, kernelName, inputs, attrs) as TensorInfo;
    this.intermediates.push(out);
    return out;
  }

  /** A buffer on the backend's heap for this kernel alone, freed by finish. */
  scratch(shape: number[], dtype: 'float32' | 'int32' = 'float32'): TensorInfo {
    const info = this.backend.makeOutput(shape, dtype);
    this.intermediates.push(info);
    return info;
  }

  /**
   * Frees every intermediate but `result` (inputs are never ours to free). Each kernel output
   * holds one reference on the backend — a Reshape shares its input's buffer and adds one — so
   * releasing one per output leaves exactly the result's.
   */
  finish(result: TensorInfo): TensorInfo {
    for (const info of this.intermediates) {
      if (info !== result) this.backend.disposeData(info.dataId);
    }
    return result;
  }
}

const ownInstances = new WeakMap<WebAssembly.Memory, Map<string, WebAssembly.Exports | null>>();

/**
 * One export of one of our SIMD modules, instantiated once per backend memory (the module reads
 * and writes tfjs's tensors in place); null where the runtime lacks wasm SIMD or the backend
 * hides its memory.
 */
export function ownExport<F>(backend: WasmBackend, base64: string, name: string): F | null {
  const memory = (backend as unknown as { wasm?: { asm?: { memory?: WebAssembly.Memory } } }).wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return null;
  let modules = ownInstances.get(memory);
  if (!modules) ownInstances.set(memory, (modules = new Map()));
  let exports = modules.get(base64);
  if (exports === undefined) {
    const bytes = Buffer.from(base64, 'base64');
    exports = WebAssembly.validate(bytes) ? new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports : null;
    modules.set(base64, exports);
  }
  return exports ? (exports[name] as F) : null;
}
