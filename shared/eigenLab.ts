// The linear distillation lab (SPEC.md V4, M8, P3, experiment 6): gradient descent on least squares
// for a teacher stopped early at T̃ and a student fitted to its predictions, tracked per eigendirection
// of K = X Xᵀ both by simulation and by the discrete-step closed form. Pure TypeScript, no Node/DOM.
// The computation is a generator that stops at short intervals: runEigenLab runs it straight
// through; runEigenLabSliced pauses between slices, so a server thread keeps answering meanwhile.
import { ValidationError } from './errors.js';
import { createRandom, type SeededRandom } from './seededRandom.js';

/** Per-feature standard deviations scale_j = from·(to/from)^(j/(p−1)), j = 0..p−1 (numpy's geomspace). */
export interface GeomspaceScales {
  kind: 'geomspace';
  from: number;
  to: number;
}

export interface EigenLabSettings {
  /** number of training examples (rows of X) */
  n: number;
  /** number of features (columns of X) */
  p: number;
  /** per-feature standard deviations of the anisotropic Gaussian features */
  scales: GeomspaceScales;
  /** label noise standard deviation: y = X w* + noise·ε (default 0) */
  noise?: number;
  /** gradient-descent step η, or 'auto' = 0.1/λ_max */
  stepSize: number | 'auto';
  /** the teacher's early-stopping step T̃; null or Infinity = run to convergence (analytic limit) */
  teacherSteps: number | null;
  /** student gradient steps; both curves are recorded on the grid 0..studentSteps */
  studentSteps: number;
  /** record every `record` steps (default 1); the last step is always recorded */
  record?: number;
  seed: number;
}

/** c[r][k] = c_{k+1}(steps[r]) of SPEC M8: index k is 0-based here, SPEC's direction k+1. */
export interface EigenTrajectory {
  c: Float64Array[];
}

export interface EigenLabResult {
  /** λ_1 ≥ … ≥ λ_n of K = X Xᵀ */
  eigenvalues: Float64Array;
  /** u_k, unit vectors of length n, in the order of `eigenvalues` */
  eigenvectors: Float64Array[];
  /** y_k = ⟨u_k, y⟩ */
  yProjections: Float64Array;
  /** true where |y_k| is too small to divide by: c_k is NaN there in every trajectory */
  guarded: boolean[];
  /** the resolved step η */
  stepSize: number;
  /** T̃ as run (Infinity = converged teacher) */
  teacherSteps: number;
  /** recorded steps t (shared by all four trajectories) */
  steps: number[];
  /** the teacher's GD on y, recorded on `steps` (continued past T̃ when studentSteps > T̃, for the plot) */
  teacher: EigenTrajectory;
  /** the student's GD on ỹ = X w_T̃ */
  student: EigenTrajectory;
  /** SPEC V4 discrete-step closed forms evaluated on `steps` */
  closedForm: { teacher: EigenTrajectory; student: EigenTrajectory };
}

export interface EigenDecomposition {
  /** descending */
  values: Float64Array;
  /** vectors[k] is the unit eigenvector of values[k] */
  vectors: Float64Array[];
}

const EPS = 2 ** -52;

export function geomspace(from: number, to: number, count: number): Float64Array {
  const out = new Float64Array(count);
  for (let j = 0; j < count; j++) out[j] = count === 1 ? from : from * Math.pow(to / from, j / (count - 1));
  return out;
}

/** Standard normal draws by Box–Muller from the seeded uniform stream (both outputs used). */
export function createGaussian(random: SeededRandom): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const z = spare;
      spare = null;
      return z;
    }
    const u1 = 1 - random.next(); // (0, 1]: log stays finite
    const u2 = random.next();
    const radius = Math.sqrt(-2 * Math.log(u1));
    spare = radius * Math.sin(2 * Math.PI * u2);
    return radius * Math.cos(2 * Math.PI * u2);
  };
}

function hypot(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  if (x > y) {
    const r = y / x;
    return x * Math.sqrt(1 + r * r);
  }
  if (y === 0) return 0;
  const r = x / y;
  return y * Math.sqrt(1 + r * r);
}

/** Runs a step generator straight through (the synchronous form of every computation here). */
function runToEnd<T>(steps: Generator<void, T, void>): T {
  let next = steps.next();
  while (!next.done) next = steps.next();
  return next.value;
}

/**
 * Eigendecomposition of a symmetric n×n matrix (row-major, only symmetry assumed): Householder
 * reduction to tridiagonal form, then implicit QL with Wilkinson-type shifts (the EISPACK
 * tred2/tql2 pair, as in JAMA). O(n³); n = 200 takes a few tens of milliseconds.
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): EigenDecomposition {
  return runToEnd(symmetricEigenSteps(matrix, n));
}

/** tred2, row i (n − 1 down to 1): the Householder reflection that zeroes row i left of its subdiagonal. */
function householderRow(V: Float64Array, d: Float64Array, e: Float64Array, n: number, i: number): void {
  const at = (r: number, c: number) => V[r * n + c]!;
  let scale = 0;
  let h = 0;
  for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
  if (scale === 0) {
    e[i] = d[i - 1]!;
    for (let j = 0; j < i; j++) {
      d[j] = at(i - 1, j);
      V[i * n + j] = 0;
      V[j * n + i] = 0;
    }
  } else {
    for (let k = 0; k < i; k++) {
      d[k] = d[k]! / scale;
      h += d[k]! * d[k]!;
    }
    let f = d[i - 1]!;
    let g = Math.sqrt(h);
    if (f > 0) g = -g;
    e[i] = scale * g;
    h -= f * g;
    d[i - 1] = f - g;
    for (let j = 0; j < i; j++) e[j] = 0;
    for (let j = 0; j < i; j++) {
      f = d[j]!;
      V[j * n + i] = f;
      g = e[j]! + at(j, j) * f;
      for (let k = j + 1; k <= i - 1; k++) {
        g += at(k, j) * d[k]!;
        e[k] = e[k]! + at(k, j) * f;
      }
      e[j] = g;
    }
    f = 0;
    for (let j = 0; j < i; j++) {
      e[j] = e[j]! / h;
      f += e[j]! * d[j]!;
    }
    const hh = f / (h + h);
    for (let j = 0; j < i; j++) e[j] = e[j]! - hh * d[j]!;
    for (let j = 0; j < i; j++) {
      f = d[j]!;
      g = e[j]!;
      for (let k = j; k <= i - 1; k++) V[k * n + j] = at(k, j) - (f * e[k]! + g * d[k]!);
      d[j] = at(i - 1, j);
      V[i * n + j] = 0;
    }
  }
  d[i] = h;
}

/** tred2, column i (0 to n − 2): accumulates the reflections into V. */
function accumulateTransform(V: Float64Array, d: Float64Array, n: number, i: number): void {
  const at = (r: number, c: number) => V[r * n + c]!;
  V[(n - 1) * n + i] = at(i, i);
  V[i * n + i] = 1;
  const h = d[i + 1]!;
  if (h !== 0) {
    for (let k = 0; k <= i; k++) d[k] = at(k, i + 1) / h;
    for (let j = 0; j <= i; j++) {
      let g = 0;
      for (let k = 0; k <= i; k++) g += at(k, i + 1) * at(k, j);
      for (let k = 0; k <= i; k++) V[k * n + j] = at(k, j) - g * d[k]!;
    }
  }
  for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
}

/** tql2, one implicit QL sweep on rows l..m of the tridiagonal, rotating V's columns; returns the shift applied. */
function qlSweep(V: Float64Array, d: Float64Array, e: Float64Array, n: number, l: number, m: number): number {
  let g = d[l]!;
  let p = (d[l + 1]! - g) / (2 * e[l]!);
  let r = hypot(p, 1);
  if (p < 0) r = -r;
  d[l] = e[l]! / (p + r);
  d[l + 1] = e[l]! * (p + r);
  const dl1 = d[l + 1]!;
  let h = g - d[l]!;
  for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
  const shift = h;
  p = d[m]!;
  let c = 1;
  let c2 = c;
  let c3 = c;
  const el1 = e[l + 1]!;
  let s = 0;
  let s2 = 0;
  for (let i = m - 1; i >= l; i--) {
    c3 = c2;
    c2 = c;
    s2 = s;
    g = c * e[i]!;
    h = c * p;
    r = hypot(p, e[i]!);
    e[i + 1] = s * r;
    s = e[i]! / r;
    c = p / r;
    p = c * d[i]! - s * g;
    d[i + 1] = h + s * (c * g + s * d[i]!);
    for (let k = 0; k < n; k++) {
      const row = k * n;
      const vh = V[row + i + 1]!;
      const vi = V[row + i]!;
      V[row + i + 1] = s * vi + c * vh;
      V[row + i] = c * vi - s * vh;
    }
  }
  p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
  e[l] = s * p;
  d[l] = c * p;
  return shift;
}

/** symmetricEigen, stopping after each row of the reduction and each QL sweep (O(n²) work apiece). */
function* symmetricEigenSteps(matrix: ArrayLike<number>, n: number): Generator<void, EigenDecomposition, void> {
  if (matrix.length !== n * n) throw new ValidationError(`matrix has ${matrix.length} entries, expected ${n}×${n}`);
  const V = Float64Array.from(matrix); // V[r*n + c]
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return { values: d, vectors: [] };

  // --- tred2: Householder tridiagonalisation, accumulating the orthogonal transform in V.
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j]!;
  for (let i = n - 1; i > 0; i--) {
    householderRow(V, d, e, n, i);
    yield;
  }
  for (let i = 0; i < n - 1; i++) {
    accumulateTransform(V, d, n, i);
    yield;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[(n - 1) * n + j]!;
    V[(n - 1) * n + j] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;

  // --- tql2: implicit QL on the tridiagonal (d, e), rotating the columns of V.
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let shiftSum = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]!) > EPS * tst1) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error(`symmetricEigen: QL did not converge for eigenvalue ${l}`);
        shiftSum += qlSweep(V, d, e, n, l, m);
        yield;
      } while (Math.abs(e[l]!) > EPS * tst1);
    }
    d[l] = d[l]! + shiftSum;
    e[l] = 0;
  }

  // Sort descending; fix each vector's sign so its largest-magnitude entry is positive.
  const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => d[b]! - d[a]!);
  const values = new Float64Array(n);
  const vectors: Float64Array[] = [];
  order.forEach((col, k) => {
    values[k] = d[col]!;
    const u = new Float64Array(n);
    let big = 0;
    for (let r = 0; r < n; r++) {
      u[r] = V[r * n + col]!;
      if (Math.abs(u[r]!) > Math.abs(big)) big = u[r]!;
    }
    if (big < 0) for (let r = 0; r < n; r++) u[r] = -u[r]!;
    vectors.push(u);
  });
  return { values, vectors };
}

export interface EigenLabData {
  /** n×p, row-major */
  X: Float64Array;
  wStar: Float64Array;
  y: Float64Array;
  scales: Float64Array;
}

/** X_ij = scale_j·z, w* ~ N(0, I), y = X w* + noise·ε, all from one seeded stream in that order. */
export function generateEigenLabData(settings: Pick<EigenLabSettings, 'n' | 'p' | 'scales' | 'noise' | 'seed'>): EigenLabData {
  return runToEnd(eigenLabDataSteps(settings));
}

/** generateEigenLabData, stopping after each row of X. */
function* eigenLabDataSteps(settings: Pick<EigenLabSettings, 'n' | 'p' | 'scales' | 'noise' | 'seed'>): Generator<void, EigenLabData, void> {
  const { n, p } = settings;
  const gauss = createGaussian(createRandom(settings.seed));
  const scales = geomspace(settings.scales.from, settings.scales.to, p);
  const X = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) X[i * p + j] = scales[j]! * gauss();
    yield;
  }
  const wStar = new Float64Array(p);
  for (let j = 0; j < p; j++) wStar[j] = gauss();
  const y = matVec(X, n, p, wStar);
  const noise = settings.noise ?? 0;
  if (noise > 0) for (let i = 0; i < n; i++) y[i] = y[i]! + noise * gauss();
  return { X, wStar, y, scales };
}

function matVec(A: Float64Array, rows: number, cols: number, v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const row = i * cols;
    for (let j = 0; j < cols; j++) s += A[row + j]! * v[j]!;
    out[i] = s;
  }
  return out;
}

/** K = X Xᵀ (n×n, row-major). */
export function gramMatrix(X: Float64Array, n: number, p: number): Float64Array {
  return runToEnd(gramMatrixSteps(X, n, p));
}

/** gramMatrix, stopping after each row of K. */
function* gramMatrixSteps(X: Float64Array, n: number, p: number): Generator<void, Float64Array, void> {
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    gramRow(X, n, p, K, i);
    yield;
  }
  return K;
}

function gramRow(X: Float64Array, n: number, p: number, K: Float64Array, i: number): void {
  for (let k = i; k < n; k++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += X[i * p + j]! * X[k * p + j]!;
    K[i * n + k] = s;
    K[k * n + i] = s;
  }
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function isNonNegativeInteger(v: number): boolean {
  return Number.isInteger(v) && v >= 0;
}

function validate(settings: EigenLabSettings): void {
  const { n, p, scales } = settings;
  if (!Number.isInteger(n) || n < 1) throw new ValidationError('n must be a positive integer', { field: 'n' });
  if (!Number.isInteger(p) || p < 1) throw new ValidationError('p must be a positive integer', { field: 'p' });
  if (scales.kind !== 'geomspace' || !(scales.from > 0) || !(scales.to > 0) || !Number.isFinite(scales.from) || !Number.isFinite(scales.to)) {
    throw new ValidationError('scales must be a geomspace with finite positive ends', { field: 'scales' });
  }
  const noise = settings.noise ?? 0;
  if (!(noise >= 0) || !Number.isFinite(noise)) throw new ValidationError('noise must be a finite number ≥ 0', { field: 'noise' });
  if (settings.stepSize !== 'auto' && !(settings.stepSize > 0 && Number.isFinite(settings.stepSize))) {
    throw new ValidationError("stepSize must be a positive number or 'auto'", { field: 'stepSize' });
  }
  const t = settings.teacherSteps;
  if (t !== null && t !== Infinity && !isNonNegativeInteger(t)) {
    throw new ValidationError('teacherSteps must be a non-negative integer, null or Infinity', { field: 'teacherSteps' });
  }
  if (!isNonNegativeInteger(settings.studentSteps)) throw new ValidationError('studentSteps must be a non-negative integer', { field: 'studentSteps' });
  const record = settings.record ?? 1;
  if (!Number.isInteger(record) || record < 1) throw new ValidationError('record must be a positive integer', { field: 'record' });
}

/** About this many multiply-adds of GD and recording between two stops of the step generator. */
const WORK_BETWEEN_STOPS = 200_000;

/**
 * Runs GD from w₀ = 0 on ½‖Xw − target‖² for `total` steps, calling `onStep(t, w)` at t = 0..total
 * (the gradient is Xᵀ(Xw − target)); `onStep` returns the multiply-adds it spent. Stops every
 * WORK_BETWEEN_STOPS or so.
 */
function* gradientDescentSteps(
  X: Float64Array,
  n: number,
  p: number,
  target: Float64Array,
  eta: number,
  total: number,
  onStep: (t: number, w: Float64Array) => number,
): Generator<void, void, void> {
  const w = new Float64Array(p);
  const residual = new Float64Array(n);
  let work = onStep(0, w);
  for (let t = 1; t <= total; t++) {
    gradientStep(X, n, p, target, eta, w, residual);
    // the step's bookkeeping costs about 100 multiply-adds besides its 2·n·p (shared/analytics.ts eigenLabWork)
    work += 2 * n * p + 100 + onStep(t, w);
    if (work >= WORK_BETWEEN_STOPS) {
      work = 0;
      yield;
    }
  }
}

function gradientStep(X: Float64Array, n: number, p: number, target: Float64Array, eta: number, w: Float64Array, residual: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = -target[i]!;
    const row = i * p;
    for (let j = 0; j < p; j++) s += X[row + j]! * w[j]!;
    residual[i] = s;
  }
  for (let i = 0; i < n; i++) {
    const r = eta * residual[i]!;
    if (r === 0) continue;
    const row = i * p;
    for (let j = 0; j < p; j++) w[j] = w[j]! - r * X[row + j]!;
  }
}

/** Runs the lab: data, K's eigendecomposition, teacher and student GD, and the closed forms. */
export function runEigenLab(settings: EigenLabSettings): EigenLabResult {
  return runToEnd(eigenLabSteps(settings));
}

/**
 * runEigenLab in slices of about `sliceMs` of computing, awaiting `pause()` between them, so the
 * thread running it goes on answering other work (web mode's server: each slice is one turn of
 * its event loop). The numbers are runEigenLab's, bit for bit.
 */
export async function runEigenLabSliced(settings: EigenLabSettings, pause: () => Promise<void>, sliceMs = 20): Promise<EigenLabResult> {
  const steps = eigenLabSteps(settings);
  let sliceStart = Date.now();
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    if (Date.now() - sliceStart >= sliceMs) {
      await pause();
      sliceStart = Date.now();
    }
  }
}

/** The lab as a step generator: it stops after at most O(n·p + n²) work at a time. */
function* eigenLabSteps(settings: EigenLabSettings): Generator<void, EigenLabResult, void> {
  validate(settings);
  const { n, p } = settings;
  const data = yield* eigenLabDataSteps(settings);
  const { X, y } = data;
  const { values: lambda, vectors: U } = yield* symmetricEigenSteps(yield* gramMatrixSteps(X, n, p), n);
  const lambdaMax = Math.max(lambda[0] ?? 0, 0);
  if (!(lambdaMax > 0)) throw new ValidationError('K = X Xᵀ is zero: no direction to learn', { field: 'scales' });
  const eta = settings.stepSize === 'auto' ? 0.1 / lambdaMax : settings.stepSize;
  if (eta * lambdaMax >= 2) {
    throw new ValidationError(`stepSize ${eta} diverges: GD needs η < 2/λ_max = ${2 / lambdaMax}`, { field: 'stepSize' });
  }
  // Eigenvalues at round-off level are zero directions: GD never moves along them.
  const zeroTol = 10 * n * EPS * lambdaMax;
  const isZero = (k: number) => lambda[k]! <= zeroTol;

  // M8: y_k = ⟨u_k, y⟩, guarded where it is round-off relative to ‖y‖.
  const yNorm = Math.sqrt(dot(y, y));
  const yProj = new Float64Array(n);
  const guarded: boolean[] = [];
  for (let k = 0; k < n; k++) {
    yProj[k] = dot(U[k]!, y);
    guarded.push(!(Math.abs(yProj[k]!) > 1e-12 * yNorm));
  }
  const progress = (f: Float64Array): Float64Array => {
    const c = new Float64Array(n);
    for (let k = 0; k < n; k++) c[k] = guarded[k] ? NaN : dot(U[k]!, f) / yProj[k]!;
    return c;
  };

  const record = settings.record ?? 1;
  const horizon = settings.studentSteps;
  const steps: number[] = [];
  for (let t = 0; t <= horizon; t += record) steps.push(t);
  if (steps[steps.length - 1] !== horizon) steps.push(horizon);
  const recorded = new Set(steps);

  const teacherStop = settings.teacherSteps === null ? Infinity : settings.teacherSteps;
  const teacherC: Float64Array[] = [];
  let teacherW: Float64Array | null = null;
  const teacherRun = Number.isFinite(teacherStop) ? Math.max(teacherStop, horizon) : horizon;
  const recordingWork = n * p + n * n;
  yield* gradientDescentSteps(X, n, p, y, eta, teacherRun, (t, w) => {
    if (t === teacherStop) teacherW = Float64Array.from(w);
    if (!(t <= horizon && recorded.has(t))) return 0;
    teacherC.push(progress(matVec(X, n, p, w)));
    return recordingWork;
  });

  // ỹ = X w_T̃. A converged teacher (T̃ = ∞) is GD's limit from w₀ = 0: the minimum-norm least-squares
  // fit, whose predictions are the projection of y onto K's range, Σ_{λ_k > 0} y_k u_k.
  let yTilde: Float64Array;
  if (teacherW !== null) {
    yTilde = matVec(X, n, p, teacherW);
  } else {
    yTilde = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      if (isZero(k)) continue;
      const u = U[k]!;
      const yk = yProj[k]!;
      for (let i = 0; i < n; i++) yTilde[i] = yTilde[i]! + yk * u[i]!;
    }
  }
  const studentC: Float64Array[] = [];
  yield* gradientDescentSteps(X, n, p, yTilde, eta, horizon, (t, w) => {
    if (!recorded.has(t)) return 0;
    studentC.push(progress(matVec(X, n, p, w)));
    return recordingWork;
  });

  // SPEC V4, discrete steps: c_k^T(t) = 1 − (1 − ηλ_k)^t, c_k^S(t) = (1 − (1 − ηλ_k)^t)(1 − (1 − ηλ_k)^T̃).
  const decay = (k: number, t: number) => (isZero(k) ? 1 : t === Infinity ? 0 : Math.pow(1 - eta * lambda[k]!, t));
  const closedTeacher: Float64Array[] = [];
  const closedStudent: Float64Array[] = [];
  for (const t of steps) {
    const ct = new Float64Array(n);
    const cs = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      if (guarded[k]) {
        ct[k] = NaN;
        cs[k] = NaN;
        continue;
      }
      ct[k] = 1 - decay(k, t);
      cs[k] = ct[k]! * (1 - decay(k, teacherStop));
    }
    closedTeacher.push(ct);
    closedStudent.push(cs);
  }

  return {
    eigenvalues: lambda,
    eigenvectors: U,
    yProjections: yProj,
    guarded,
    stepSize: eta,
    teacherSteps: teacherStop,
    steps,
    teacher: { c: teacherC },
    student: { c: studentC },
    closedForm: { teacher: { c: closedTeacher }, student: { c: closedStudent } },
  };
}

export interface MatchedPoint {
  /** the (interpolated, possibly fractional) step where c_1 first reaches the target */
  step: number;
  /** c_j there */
  cj: number;
}

/**
 * SPEC experiment 6 / P3: the teacher's and the student's c_j at the first step where each one's c_1
 * reaches `target`, interpolating linearly between recorded steps. `j` is 1-based like SPEC
 * (j = 1 is the top eigendirection; c_45 means j = 45, array index 44). null where c_1 never gets there.
 */
export function progressAtMatchedTop(
  result: EigenLabResult,
  j: number,
  target = 0.9,
  source: 'simulated' | 'closedForm' = 'simulated',
): { teacher: MatchedPoint | null; student: MatchedPoint | null } {
  const n = result.eigenvalues.length;
  if (!Number.isInteger(j) || j < 1 || j > n) throw new ValidationError(`j must be an integer in 1..${n}`, { field: 'j' });
  const pair = source === 'simulated' ? result : result.closedForm;
  const at = (trajectory: EigenTrajectory): MatchedPoint | null => {
    const c = trajectory.c;
    for (let r = 0; r < c.length; r++) {
      const top = c[r]![0]!;
      if (!(top >= target)) continue;
      const step = result.steps[r]!;
      if (r === 0) return { step, cj: c[0]![j - 1]! };
      const prevTop = c[r - 1]![0]!;
      const a = top === prevTop ? 1 : (target - prevTop) / (top - prevTop);
      const prevStep = result.steps[r - 1]!;
      const prevCj = c[r - 1]![j - 1]!;
      return { step: prevStep + a * (step - prevStep), cj: prevCj + a * (c[r]![j - 1]! - prevCj) };
    }
    return null;
  };
  return { teacher: at(pair.teacher), student: at(pair.student) };
}
