// The β bootstrap's inner loops as a hand-written SIMD WebAssembly kernel (shared/wasm/bootstrapSums.wat):
// counting each resample's draws and the blocks' weighted sums, with the same results to the bit
// as bootstrapBetas's JavaScript loops, which stay as the path where WebAssembly SIMD is missing.
import { WASM_BASE64 } from './wasm/bootstrapSumsWasm.js';

interface Exports {
  memory: WebAssembly.Memory;
  countDraws(state: number, counts: number, n: number): number;
  countDraws4(states: number, counts: number, n: number): void;
  blockSums(counts: number, x: number, y: number, m: number, withX: number, out: number): void;
}

const PAGE = 65_536;
/** wasm32's largest memory. */
const MAX_BYTES = 65_536 * PAGE;
/** Bytes before the counts: five f64 of block sums at 0, four i32 states at 64. */
const HEADER = 128;

/**
 * One instance and its memory, kept for the thread's life: a call of the same size (a worker's next
 * range) reuses the memory, already paged in, and it grows only when n or the columns do.
 */
export class BootstrapSumsKernel {
  private n = 0;
  private perPass = 0;
  private columnsAt = 0;
  private f64 = new Float64Array(0);
  private i32 = new Int32Array(0);
  private u8 = new Uint8Array(0);
  private out = new Float64Array(0);

  constructor(private readonly wasm: Exports) {
    this.views();
  }

  private views(): void {
    const { buffer } = this.wasm.memory;
    this.f64 = new Float64Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u8 = new Uint8Array(buffer);
    this.out = this.f64.subarray(0, 5);
  }

  /**
   * Room for `perPass` count arrays of n bytes (zero) and the columns of n f64, copied in (column j
   * is loaded column j); false, and nothing loaded, where the memory cannot grow that far (4 GiB).
   */
  load(n: number, perPass: number, columns: readonly Float64Array[]): boolean {
    const columnsAt = HEADER + Math.ceil((perPass * n) / 16) * 16;
    const bytes = columnsAt + 8 * n * columns.length;
    const have = this.wasm.memory.buffer.byteLength;
    if (bytes > have) {
      if (bytes > MAX_BYTES) return false;
      try {
        this.wasm.memory.grow(Math.ceil((bytes - have) / PAGE));
      } catch (err) {
        if (err instanceof RangeError) return false; // the engine would not give that much
        throw err;
      }
      this.views();
    }
    this.n = n;
    this.perPass = perPass;
    this.columnsAt = columnsAt;
    this.u8.fill(0, HEADER, HEADER + perPass * n);
    columns.forEach((column, j) => this.f64.set(column, this.columnsAt / 8 + j * n));
    return true;
  }

  /** Resample k's counts (a view into the kernel's memory, valid until the next load). */
  counts(k: number): Uint8Array {
    if (k >= this.perPass) throw new RangeError(`bootstrap kernel: count array ${k} of ${this.perPass}`);
    return this.u8.subarray(HEADER + k * this.n, HEADER + (k + 1) * this.n);
  }

  /** Counts the n draws of resamples 0 … starts.length − 1 of a pass from their first states. */
  countDraws(starts: ArrayLike<number>): void {
    let j = 0;
    for (; j + 4 <= starts.length; j += 4) {
      for (let lane = 0; lane < 4; lane++) this.i32[16 + lane] = starts[j + lane]!;
      this.wasm.countDraws4(64, HEADER + j * this.n, this.n);
    }
    for (; j < starts.length; j++) this.wasm.countDraws(starts[j]!, HEADER + j * this.n, this.n);
  }

  /** Zeroes the count arrays of resamples [0, pass). */
  clearCounts(pass: number): void {
    this.u8.fill(0, HEADER, HEADER + pass * this.n);
  }

  /**
   * Over pairs [offset, offset + m) of resample k with loaded columns x and y: Σ c·y, Σ (c·x)·y, and
   * with `withX` Σ c·x, Σ (c·x)·x and Σ c (out[0..4]; the view is overwritten by the next call).
   */
  blockSums(k: number, x: number, y: number, offset: number, m: number, withX: boolean): Float64Array {
    const n = this.n;
    this.wasm.blockSums(HEADER + k * n + offset, this.columnsAt + 8 * (x * n + offset), this.columnsAt + 8 * (y * n + offset), m, withX ? 1 : 0, 0);
    return this.out;
  }
}

let instance: BootstrapSumsKernel | null | undefined;

/** This thread's kernel, made on first use; null where WebAssembly or its SIMD is unavailable. */
export function bootstrapSumsKernel(): BootstrapSumsKernel | null {
  if (instance === undefined) instance = createBootstrapSumsKernel();
  return instance;
}

/**
 * A new kernel with its own memory (instantiated synchronously, as worker threads and plain Node
 * allow); null where WebAssembly or its SIMD is unavailable, or where a page's Content Security
 * Policy refuses to compile it (a CompileError): the JavaScript loops then give the same βs.
 */
export function createBootstrapSumsKernel(): BootstrapSumsKernel | null {
  if (typeof WebAssembly !== 'object') return null;
  const bytes = Uint8Array.from(atob(WASM_BASE64), (ch) => ch.charCodeAt(0));
  if (!WebAssembly.validate(bytes)) return null;
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (err) {
    if (err instanceof WebAssembly.CompileError) return null;
    throw err;
  }
  return new BootstrapSumsKernel(new WebAssembly.Instance(module).exports as unknown as Exports);
}
