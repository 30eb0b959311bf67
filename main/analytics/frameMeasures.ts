// An analysis frame's per-example measures (shared/analytics.ts EXAMPLE_MEASURES): each one a
// function of one row, and a column that function over every row — built on first use (filters,
// sorts), while a page of 100 examples reads single rows without it. Formulas are those of
// shared/deviationMetrics.ts and docs/metrics.md.
import type { ExampleMeasure } from '../../shared/analytics.js';
import type { FrameBasis, RunAt } from './frameBasis.js';
import { lastRow } from './framePasses.js';
import { confidenceColumn, createSparseRowAdder, klColumn, pairRows, type ProbabilityTable } from './probabilityTable.js';

type RowMeasures = Record<ExampleMeasure, (i: number) => number>;
type MeasureOf = (name: ExampleMeasure) => Float64Array;
type ColumnBuilders = Partial<Record<ExampleMeasure, (measure: MeasureOf) => Float64Array>>;
type GradientRow = readonly [normOnehot: number, normKd: number, cosOnehot: number, cosKd: number];

/** What the row measures read besides the basis: the other stages' row functions. */
export interface MeasureParts {
  topClass(runId: number): Int32Array;
  /** each other replicate's student top class per row, −1 where it lacks the row */
  replicateTops(): Int32Array[];
  trajectoryRow(run: RunAt, i: number): [number, number];
  dynamicsRow(i: number): Record<'klMean' | 'klStd' | 'deviationMean' | 'deviationStd' | 'flips', number>;
  gradientRow(i: number): GradientRow;
}

/**
 * The gradients stage (experiment 7): g_onehot = p^S − e_y and g_kd = p^S − p^T (y the training
 * label), their norms, and each one's cosine to the mean gradient of the example's class within
 * its split. The class sums are one pass over the pair, made on first use.
 */
export function createGradients({ dataset, n, C, teacherProbs, studentProbs }: FrameBasis) {
  const y = dataset.trainLabel;
  const at = (i: number) => (dataset.split[i]! * C + y[i]!) * 2 * C;
  // A top-k row is completed into these, one row at a time; a dense row is read in place.
  const studentRow = new Float32Array(C);
  const teacherRow = new Float32Array(C);
  const rowOf = (probs: ProbabilityTable, i: number, scratch: Float32Array): [Float32Array, number] => (probs.dense ? [probs.dense, i * C] : [probs.row(i, scratch), 0]);
  let sums: Float64Array | undefined;
  function classSums(): Float64Array {
    if (sums) return sums;
    const s = new Float64Array(dataset.splitNames.length * C * 2 * C);
    if (studentProbs.topK !== null && teacherProbs.topK !== null) return (sums = sparseClassSums(s));
    for (let i = 0; i < n; i++) {
      if (!studentProbs.recorded(i) || !teacherProbs.recorded(i)) continue;
      const o = at(i);
      const [sp, so] = rowOf(studentProbs, i, studentRow);
      const [tp, to] = rowOf(teacherProbs, i, teacherRow);
      for (let c = 0; c < C; c++) {
        const p = sp[so + c]!;
        s[o + c]! += p - (c === y[i] ? 1 : 0);
        s[o + C + c]! += p - tp[to + c]!;
      }
    }
    return (sums = s);
  }
  /**
   * The same sums from two top-k tables in O(k) a row: each row's known values less its share go
   * to their classes, and the shares, which every class gets, are added per (split, label) at the end.
   */
  function sparseClassSums(s: Float64Array): Float64Array {
    const addStudent = createSparseRowAdder(studentProbs);
    const addTeacher = createSparseRowAdder(teacherProbs);
    const shares = new Float64Array(s.length / C);
    for (let i = 0; i < n; i++) {
      if (!studentProbs.recorded(i) || !teacherProbs.recorded(i)) continue;
      const o = at(i);
      shares[o / C]! += addStudent(i, s, o, 1);
      s[o + y[i]!]! -= 1;
      shares[o / C + 1]! += addStudent(i, s, o + C, 1) + addTeacher(i, s, o + C, -1);
    }
    for (let g = 0; g < shares.length; g++) for (let c = 0; c < C; c++) s[g * C + c]! += shares[g]!;
    return s;
  }
  const row = lastRow((i): GradientRow => {
    const s = classSums();
    const o = at(i);
    const [sp, so] = rowOf(studentProbs, i, studentRow);
    const [tp, to] = rowOf(teacherProbs, i, teacherRow);
    let n1 = 0;
    let n2 = 0;
    let d1 = 0;
    let d2 = 0;
    let m1 = 0;
    let m2 = 0;
    for (let c = 0; c < C; c++) {
      const p = sp[so + c]!;
      const g1 = p - (c === y[i] ? 1 : 0);
      const g2 = p - tp[to + c]!;
      n1 += g1 * g1;
      n2 += g2 * g2;
      // The class mean is kept as a sum: a cosine does not depend on its length.
      d1 += g1 * s[o + c]!;
      d2 += g2 * s[o + C + c]!;
      m1 += s[o + c]! * s[o + c]!;
      m2 += s[o + C + c]! * s[o + C + c]!;
    }
    const cos = (d: number, g: number, m: number) => (g > 0 && m > 0 ? d / Math.sqrt(g * m) : NaN);
    return [Math.sqrt(n1), Math.sqrt(n2), cos(d1, n1, m1), cos(d2, n2, m2)] as const;
  });
  return { row, held: (): Float64Array[] => (sums ? [sums] : []) };
}

/** The row-measures stage: every measure as a function of one row, from the pair's probabilities and the other stages' rows. */
export function rowMeasures(basis: FrameBasis, parts: MeasureParts): RowMeasures {
  const { dataset, teacherAt, studentAt, teacherProbs, studentProbs, confidenceClass, confidence } = basis;
  const { topClass, trajectoryRow, dynamicsRow, gradientRow } = parts;
  const teacherMarginEntropy = lastRow((i) => teacherProbs.marginEntropy(i));
  const studentMarginEntropy = lastRow((i) => studentProbs.marginEntropy(i));
  const recordedByBoth = (i: number) => teacherProbs.recorded(i) && studentProbs.recorded(i);
  const pair = pairRows(teacherProbs, studentProbs);
  return {
    teacherProb: (i) => teacherProbs.prob(i, confidenceClass[i]!),
    studentProb: (i) => studentProbs.prob(i, confidenceClass[i]!),
    teacherPhi: (i) => confidence(teacherProbs, i),
    studentPhi: (i) => confidence(studentProbs, i),
    deviation: (i) => confidence(studentProbs, i) - confidence(teacherProbs, i),
    kl: (i) => pair.kl(i),
    teacherMargin: (i) => teacherMarginEntropy(i)[0],
    studentMargin: (i) => studentMarginEntropy(i)[0],
    teacherEntropy: (i) => teacherMarginEntropy(i)[1],
    studentEntropy: (i) => studentMarginEntropy(i)[1],
    teacherLabelProb: (i) => teacherProbs.prob(i, dataset.trainLabel[i]!),
    studentLabelProb: (i) => studentProbs.prob(i, dataset.trainLabel[i]!),
    teacherLabelProbMean: (i) => trajectoryRow(teacherAt, i)[0],
    teacherLabelProbStd: (i) => trajectoryRow(teacherAt, i)[1],
    studentLabelProbMean: (i) => trajectoryRow(studentAt, i)[0],
    studentLabelProbStd: (i) => trajectoryRow(studentAt, i)[1],
    gradNormOnehot: (i) => gradientRow(i)[0],
    gradNormKd: (i) => gradientRow(i)[1],
    gradCosOnehot: (i) => gradientRow(i)[2],
    gradCosKd: (i) => gradientRow(i)[3],
    tv: (i) => pair.tv(i),
    top1Disagree: (i) => (recordedByBoth(i) ? Number(topClass(teacherAt.runId)[i] !== topClass(studentAt.runId)[i]) : NaN),
    studentTopRankInTeacher: (i) => {
      if (!recordedByBoth(i)) return NaN;
      // Ties rank as argmax breaks them: an equal probability at a lower class index ranks higher.
      return pair.rankIn(i, topClass(studentAt.runId)[i]!);
    },
    klMean: (i) => dynamicsRow(i).klMean,
    klStd: (i) => dynamicsRow(i).klStd,
    deviationMean: (i) => dynamicsRow(i).deviationMean,
    deviationStd: (i) => dynamicsRow(i).deviationStd,
    flips: (i) => dynamicsRow(i).flips,
    // Replicates without the row do not count; the analysed student without it makes the row NaN.
    misfitSeeds: (i) => {
      if (!studentProbs.recorded(i)) return NaN;
      const y = dataset.trainLabel[i]!;
      let k = Number(topClass(studentAt.runId)[i] !== y);
      for (const top of parts.replicateTops()) if (top[i] !== -1 && top[i] !== y) k++;
      return k;
    },
  };
}

/** The columns computed in one pass where that is much faster than row by row: from the pair, the trajectories and the dynamics columns. */
export function columnBuilders(
  { teacherAt, studentAt, teacherProbs, studentProbs, confidenceClass }: FrameBasis,
  trajectory: (run: RunAt) => [Float64Array, Float64Array],
  dynamics: () => Record<'klMean' | 'klStd' | 'deviationMean' | 'deviationStd' | 'flips', Float64Array>,
): ColumnBuilders {
  return {
    teacherPhi: () => confidenceColumn(teacherProbs, confidenceClass),
    studentPhi: () => confidenceColumn(studentProbs, confidenceClass),
    deviation: (measure) => {
      const a = measure('teacherPhi');
      return measure('studentPhi').map((b, i) => b - a[i]!);
    },
    kl: () => klColumn(teacherProbs, studentProbs),
    teacherLabelProbMean: () => trajectory(teacherAt)[0],
    teacherLabelProbStd: () => trajectory(teacherAt)[1],
    studentLabelProbMean: () => trajectory(studentAt)[0],
    studentLabelProbStd: () => trajectory(studentAt)[1],
    klMean: () => dynamics().klMean,
    klStd: () => dynamics().klStd,
    deviationMean: () => dynamics().deviationMean,
    deviationStd: () => dynamics().deviationStd,
    flips: () => dynamics().flips,
  };
}

/** The columns stage: a measure over every row, built on first use (in one pass where a builder exists, else row by row) and kept. */
export function createMeasureColumns(n: number, rows: RowMeasures, builders: ColumnBuilders) {
  const columns = new Map<ExampleMeasure, Float64Array>();
  function measure(name: ExampleMeasure): Float64Array {
    let column = columns.get(name);
    if (!column) {
      const build = builders[name];
      if (build) column = build(measure);
      else {
        const f = rows[name];
        column = new Float64Array(n);
        for (let i = 0; i < n; i++) column[i] = f(i);
      }
      columns.set(name, column);
    }
    return column;
  }
  return {
    measure,
    /** one row's measure: from the column when it exists, else computed for that row alone */
    measureAt: (name: ExampleMeasure, row: number): number => columns.get(name)?.[row] ?? rows[name](row),
    held: (): Float64Array[] => [...columns.values()],
  };
}
