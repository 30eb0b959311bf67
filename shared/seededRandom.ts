// A small seeded pseudo-random generator (mulberry32): splits, subsets and label noise
// must come out the same for the same seed on every machine, which Math.random cannot give.

export interface SeededRandom {
  /** a float in [0, 1) */
  next(): number;
  /** an integer in [0, n) */
  int(n: number): number;
  /** Fisher–Yates shuffle in place; returns the same array */
  shuffle<T>(array: T[]): T[];
  /** a standard normal draw: Box–Muller's cosine output from two uniforms (eigenLab's createGaussian also uses the sine) */
  normal(): number;
}

export function createRandom(seed: number): SeededRandom {
  // Fold the high bits in so seeds above 2^32 (still safe integers) give distinct streams.
  let state = (seed >>> 0) ^ Math.floor(seed / 0x1_0000_0000);
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    shuffle<T>(array: T[]): T[] {
      for (let i = array.length - 1; i > 0; i--) {
        const j = int(i + 1);
        const tmp = array[i] as T;
        array[i] = array[j] as T;
        array[j] = tmp;
      }
      return array;
    },
  };
}

/**
 * The bootstrap's index stream: xorshift32 (13, 17, 5) started from the first uint32 of
 * mulberry32(seed) (1 if that is 0, xorshift's one forbidden state); int(n) = floor(u / 2³² · n)
 * of each successive state u. Three shifts per draw instead of mulberry32's two multiplies: the
 * resampling loop of a 70,000-example report makes 70 million draws per student and split.
 */
export function createBootstrapStream(seed: number): { int(n: number): number } {
  let state = bootstrapStartState(seed);
  return {
    int(n: number): number {
      state = xorshiftStep(state);
      return Math.floor(((state >>> 0) / 0x1_0000_0000) * n);
    },
  };
}

export function bootstrapStartState(seed: number): number {
  const first = Math.floor(createRandom(seed).next() * 0x1_0000_0000);
  return first === 0 ? 1 : first | 0;
}

/**
 * createBootstrapStream's state after `steps` more draws, as a matrix to apply to any state:
 * xorshift32 is linear over GF(2), one step is a 32×32 bit matrix M, and `steps` steps are M^steps,
 * found by squaring (≈ 2·log₂ steps matrix products). Column j (entry j) is M^steps applied to
 * bit j alone. It lets a bootstrap start its resample r at draw r·n without drawing the ones before.
 */
export function bootstrapJump(steps: number): Int32Array {
  if (!Number.isSafeInteger(steps) || steps < 0) throw new RangeError(`steps must be a non-negative safe integer, got ${steps}`);
  let power = new Int32Array(32);
  for (let j = 0; j < 32; j++) power[j] = xorshiftStep(1 << j);
  const result = new Int32Array(32);
  for (let j = 0; j < 32; j++) result[j] = 1 << j;
  for (let left = steps; left > 0; left = Math.floor(left / 2)) {
    if (left % 2 === 1) for (let j = 0; j < 32; j++) result[j] = jumpState(power, result[j]!);
    const squared = new Int32Array(32);
    for (let j = 0; j < 32; j++) squared[j] = jumpState(power, power[j]!);
    power = squared;
  }
  return result;
}

/** The state `jump` (bootstrapJump) leads to from `state`: the XOR of the columns of its set bits. */
export function jumpState(jump: Int32Array, state: number): number {
  let out = 0;
  for (let j = 0; j < 32; j++) if ((state >>> j) & 1) out ^= jump[j]!;
  return out;
}

/** One step of the bootstrap stream's xorshift32 (13, 17, 5), as an int32. */
export function xorshiftStep(state: number): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return state;
}
