// A run-epoch's probabilities over a dataset's rows, whatever the run stored: every probability
// (dense, n × C float32) or only its top k and its label's (top-k, docs/metrics.md "Top-k runs").
// The analytics read per-row quantities through it — top class, p(class), φ, margin, entropy, KL
// and TV against another run, rank — so a top-k run is never completed to n × C. A top-k row's
// unknown mass, 1 − Σ known, is spread evenly over its unknown classes (the store's completion,
// main/store/matrixChunks.ts denseRows), so every number here equals the completed matrix's.
import { argmaxRow, argmaxRows, klPerExample, klRow, logitConfidence, logitConfidenceRow, PROB_FLOOR } from '../../shared/deviationMetrics.js';
import type { StoredMatrix, TopKStoredMatrix } from '../store/matrixChunks.js';

export interface ProbabilityTable {
  /** rows (the dataset's examples, in its id order) */
  n: number;
  /** classes */
  C: number;
  /** k where the run stored only its top-k and its label's probability; null: every probability */
  topK: number | null;
  /** the n × C rows of a dense table (NaN rows where the run lacks the example); undefined for top-k */
  dense: Float32Array | undefined;
  /** whether the run recorded row i */
  recorded(i: number): boolean;
  /** p(class c) of row i: exact where stored, the even share of the unknown mass elsewhere; NaN when not recorded */
  prob(i: number, c: number): number;
  /** row i's top class (ties → lowest class; 0 when not recorded, as argmaxRow of a NaN row) */
  top(i: number): number;
  /** row i's C probabilities: a view of a dense row, else the completion written into `scratch` */
  row(i: number, scratch: Float32Array): Float32Array;
  /** φ(p_k) of row i (SPEC M1, logitConfidenceRow) */
  confidence(i: number, k: number): number;
  /** top-minus-second probability and natural-log entropy of row i (NaN and 0 when not recorded, as a NaN row gives) */
  marginEntropy(i: number): [number, number];
  /** bytes of the arrays behind the table that it alone holds */
  bytes: number;
}

/** Margin (top minus second probability) and natural-log entropy of one dense row. */
export function marginAndEntropy(probs: Float32Array, offset: number, C: number): [number, number] {
  let first = -Infinity;
  let second = -Infinity;
  let h = 0;
  for (let c = 0; c < C; c++) {
    const p = probs[offset + c]!;
    if (p > first) {
      second = first;
      first = p;
    } else if (p > second) second = p;
    if (p > 0) h -= p * Math.log(p);
  }
  return [first - second, h];
}

export function denseTable(probs: Float32Array, C: number): ProbabilityTable {
  return {
    n: probs.length / C,
    C,
    topK: null,
    dense: probs,
    recorded: (i) => Number.isFinite(probs[i * C]!),
    prob: (i, c) => probs[i * C + c]!,
    top: (i) => argmaxRow(probs, i * C, C),
    row: (i) => probs.subarray(i * C, (i + 1) * C),
    confidence: (i, k) => logitConfidenceRow(probs, i * C, C, k),
    marginEntropy: (i) => marginAndEntropy(probs, i * C, C),
    bytes: probs.byteLength,
  };
}

/** A matrix's rows as stored (row r: its r-th example id). */
export function storedTable(m: StoredMatrix | TopKStoredMatrix): ProbabilityTable {
  return 'probs' in m ? denseTable(m.probs, m.numClasses) : topKTable(m, m.exampleIds.length, null);
}

/** One row of C probabilities (an example's history row) standing as row `at` of a table of `n` rows. */
export function oneRowTable(row: Float32Array, at: number, n: number): ProbabilityTable {
  const C = row.length;
  const mine = (i: number) => i === at;
  return {
    n,
    C,
    topK: null,
    dense: undefined,
    recorded: (i) => mine(i) && Number.isFinite(row[0]!),
    prob: (i, c) => (mine(i) ? row[c]! : NaN),
    top: (i) => (mine(i) ? argmaxRow(row, 0, C) : 0),
    row: (i, scratch) => (mine(i) ? row : scratch.fill(NaN)),
    confidence: (i, k) => (mine(i) ? logitConfidenceRow(row, 0, C, k) : NaN),
    marginEntropy: (i) => (mine(i) ? marginAndEntropy(row, 0, C) : [NaN, 0]),
    bytes: row.byteLength,
  };
}

/** A top-k row's known classes and probabilities, and what the unknown classes each get. */
interface KnownRow {
  /** known classes: the top k, then the label's where it is not among them */
  classes: Int32Array;
  values: Float64Array;
  count: number;
  /** the probability of each unknown class: (1 − Σ known) / (C − count), at float32 as the completion stores it */
  share: number;
}

/**
 * A top-k matrix over a dataset's rows: `rowOf[i]` is dataset row i's stored row (−1: the run
 * lacks it), or null where the stored rows are the dataset's in order.
 */
export function topKTable(m: TopKStoredMatrix, n: number, rowOf: Int32Array | null): ProbabilityTable {
  const { numClasses: C, topK: k, topProbs, topClasses, labelClasses, labelProbs } = m;
  const stored = (i: number): number => (rowOf ? rowOf[i]! : i);
  const scratch = newKnown(k);
  /** Row i's known values into `into` (the completion's arithmetic, denseRows); false when not recorded. */
  function known(i: number, into: KnownRow): boolean {
    const r = stored(i);
    if (r < 0) return false;
    let mass = 0;
    let label = true;
    for (let j = 0; j < k; j++) {
      const c = topClasses[r * k + j]!;
      into.classes[j] = c;
      into.values[j] = topProbs[r * k + j]!;
      mass += topProbs[r * k + j]!;
      if (c === labelClasses[r]) label = false;
    }
    into.count = k;
    if (label) {
      into.classes[k] = labelClasses[r]!;
      into.values[k] = labelProbs[r]!;
      mass += labelProbs[r]!;
      into.count = k + 1;
    }
    into.share = into.count < C ? Math.fround(Math.max(0, 1 - mass) / (C - into.count)) : 0;
    return true;
  }
  const table: TopKTable = {
    n,
    C,
    topK: k,
    dense: undefined,
    known,
    recorded: (i) => stored(i) >= 0,
    prob: (i, c) => (known(i, scratch) ? at(scratch, c) : NaN),
    top: (i) => (known(i, scratch) ? topOfKnown(scratch, C) : 0),
    row(i, out) {
      if (!known(i, scratch)) return out.fill(NaN);
      out.fill(scratch.share);
      for (let j = 0; j < scratch.count; j++) out[scratch.classes[j]!] = scratch.values[j]!;
      return out;
    },
    confidence(i, c) {
      if (!known(i, scratch)) return NaN;
      let pk = scratch.share;
      let others = 0;
      let unknownOthers = C - scratch.count - 1;
      for (let j = 0; j < scratch.count; j++) {
        if (scratch.classes[j] === c) {
          pk = scratch.values[j]!;
          unknownOthers++;
        } else others += scratch.values[j]!;
      }
      others += scratch.share * unknownOthers;
      return Math.log(Math.max(pk, PROB_FLOOR)) - Math.log(Math.max(others, PROB_FLOOR));
    },
    marginEntropy(i) {
      if (!known(i, scratch)) return [NaN, 0];
      let first = -Infinity;
      let second = -Infinity;
      let h = 0;
      const take = (p: number) => {
        if (p > first) {
          second = first;
          first = p;
        } else if (p > second) second = p;
      };
      for (let j = 0; j < scratch.count; j++) {
        const p = scratch.values[j]!;
        take(p);
        if (p > 0) h -= p * Math.log(p);
      }
      const unknown = C - scratch.count;
      // The unknown classes all hold the share: two of them are enough to find the second value.
      for (let u = 0; u < Math.min(2, unknown); u++) take(scratch.share);
      if (unknown > 0 && scratch.share > 0) h -= unknown * scratch.share * Math.log(scratch.share);
      return [first - second, h];
    },
    bytes: topProbs.byteLength + topClasses.byteLength + labelClasses.byteLength + labelProbs.byteLength + m.exampleIds.byteLength + (rowOf?.byteLength ?? 0),
  };
  return table;
}

interface TopKTable extends ProbabilityTable {
  known(i: number, into: KnownRow): boolean;
}

const isKnown = (row: KnownRow, c: number): boolean => {
  for (let j = 0; j < row.count; j++) if (row.classes[j] === c) return true;
  return false;
};

/** The completed row's argmax (ties → lowest class) from its known values and share. */
function topOfKnown(row: KnownRow, C: number): number {
  let best = -Infinity;
  let top = 0;
  for (let j = 0; j < row.count; j++) {
    const v = row.values[j]!;
    const c = row.classes[j]!;
    if (v > best || (v === best && c < top)) {
      best = v;
      top = c;
    }
  }
  if (row.count < C && row.share >= best) {
    let lowest = 0;
    while (isKnown(row, lowest)) lowest++;
    if (row.share > best || lowest < top) top = lowest;
  }
  return top;
}

const newKnown = (k: number): KnownRow => ({ classes: new Int32Array(k + 1), values: new Float64Array(k + 1), count: 0, share: 0 });

/**
 * Adds `sign` × row i of a top-k table into out[offset … offset + C) in O(k): its known values less
 * its share go to their classes, and the share itself, which every class gets, is returned for
 * the caller to add to all C at once. False-y (0) share where row i is not recorded.
 */
export function createSparseRowAdder(table: ProbabilityTable) {
  const row = newKnown(table.topK ?? 0);
  return (i: number, out: Float64Array, offset: number, sign: number): number => {
    if (!(table as TopKTable).known(i, row)) return 0;
    for (let j = 0; j < row.count; j++) out[offset + row.classes[j]!]! += sign * (row.values[j]! - row.share);
    return sign * row.share;
  };
}

/**
 * The measures of two tables' rows together (a teacher's and a student's): KL(T ‖ S), total
 * variation, and the rank of a class in T. Two top-k rows are combined over the union of their
 * known classes, the rest (both rows' shares) counted at once; otherwise both rows are completed.
 */
export function pairRows(t: ProbabilityTable, s: ProbabilityTable) {
  const C = t.C;
  const ts = new Float32Array(C);
  const ss = new Float32Array(C);
  const sparse = t.topK !== null && s.topK !== null;
  const td = t.dense;
  const sd = s.dense;
  const tk = newKnown(t.topK ?? 0);
  const sk = newKnown(s.topK ?? 0);
  /** Both rows' known values; false where either is not recorded. */
  const both = (i: number) => (t as TopKTable).known(i, tk) && (s as TopKTable).known(i, sk);
  /** Σ f(pT_c, pS_c) over every class, from the two known rows. */
  function overUnion(f: (pt: number, ps: number) => number): number {
    let sum = 0;
    let union = tk.count;
    for (let j = 0; j < tk.count; j++) sum += f(tk.values[j]!, at(sk, tk.classes[j]!));
    for (let j = 0; j < sk.count; j++) {
      if (isKnown(tk, sk.classes[j]!)) continue;
      sum += f(tk.share, sk.values[j]!);
      union++;
    }
    return C > union ? sum + (C - union) * f(tk.share, sk.share) : sum;
  }
  const klTerm = (pt: number, ps: number) => (pt > 0 ? pt * Math.log(pt / Math.max(ps, PROB_FLOOR)) : 0);
  const tvTerm = (pt: number, ps: number) => Math.abs(pt - ps);
  return {
    /** KL(p^T ‖ p^S) of row i, as klRow gives on the completed rows */
    kl(i: number): number {
      if (td && sd) return klRow(td, i * C, sd, i * C, C);
      if (!sparse) return klRow(t.row(i, ts), 0, s.row(i, ss), 0, C);
      if (!t.recorded(i)) return 0;
      return both(i) ? overUnion(klTerm) : NaN;
    },
    /** total variation ½ Σ |p^T − p^S| of row i */
    tv(i: number): number {
      if (!sparse) {
        // Dense rows in place; a top-k row beside a dense one completed.
        const a = td ?? t.row(i, ts);
        const b = sd ?? s.row(i, ss);
        const ao = td ? i * C : 0;
        const bo = sd ? i * C : 0;
        let sum = 0;
        for (let c = 0; c < C; c++) sum += Math.abs(a[ao + c]! - b[bo + c]!);
        return sum / 2;
      }
      return both(i) ? overUnion(tvTerm) / 2 : NaN;
    },
    /** rank of class `c` in T's row i (1 = its top; ties rank as argmax breaks them: a lower class ranks higher) */
    rankIn(i: number, c: number): number {
      if (td) {
        const o = i * C;
        const pc = td[o + c]!;
        let rank = 1;
        for (let d = 0; d < C; d++) if (td[o + d]! > pc || (td[o + d]! === pc && d < c)) rank++;
        return rank;
      }
      if (!(t as TopKTable).known(i, tk)) return NaN;
      const pc = at(tk, c);
      let rank = 1;
      let knownBelow = 0;
      for (let j = 0; j < tk.count; j++) {
        const p = tk.values[j]!;
        const d = tk.classes[j]!;
        if (d < c) knownBelow++;
        if (d !== c && (p > pc || (p === pc && d < c))) rank++;
      }
      // Every unknown class holds the share: all of them rank above c when the share is larger, those of lower index when equal.
      const unknown = C - tk.count - (isKnown(tk, c) ? 0 : 1);
      if (tk.share > pc) rank += unknown;
      else if (tk.share === pc) rank += c - knownBelow;
      return rank;
    },
  };
}

const at = (row: KnownRow, c: number): number => {
  for (let j = 0; j < row.count; j++) if (row.classes[j] === c) return row.values[j]!;
  return row.share;
};

/** Top class of every row (argmaxRows on a dense table, as fast as before). */
export function topColumn(t: ProbabilityTable): Int32Array {
  if (t.dense) return argmaxRows(t.dense, t.C);
  const out = new Int32Array(t.n);
  for (let i = 0; i < t.n; i++) out[i] = t.top(i);
  return out;
}

/** φ at each row's class. */
export function confidenceColumn(t: ProbabilityTable, classes: Int32Array): Float64Array {
  if (t.dense) return logitConfidence(t.dense, t.C, classes);
  const out = new Float64Array(t.n);
  for (let i = 0; i < t.n; i++) out[i] = t.confidence(i, classes[i]!);
  return out;
}

/** KL(p^T ‖ p^S) of every row. */
export function klColumn(t: ProbabilityTable, s: ProbabilityTable): Float64Array {
  if (t.dense && s.dense) return klPerExample(t.dense, s.dense, t.C);
  const pair = pairRows(t, s);
  const out = new Float64Array(t.n);
  for (let i = 0; i < t.n; i++) out[i] = pair.kl(i);
  return out;
}
