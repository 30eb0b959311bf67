// The names the app's numbers go by, each explained for a newcomer: the one source the Help page
// (views/HelpView.vue), every tooltip (components/HelpTerm.vue) and the Findings page read.
// Definitions and formulas follow docs/metrics.md and papers/SPEC.md; never change a definition
// here without changing the computation it describes. `formula` and `definition` may use the
// formula markup of formulaText.ts (x_k, x_{ij}, p^T); `term` and `text` are plain text.
import { REGION_DEFAULTS, type CartographyRegion, type ExampleMeasure } from '../../shared/analytics.js';
import { PROB_FLOOR } from '../../shared/deviationMetrics.js';
import type { FindingDiagnostic, FindingStatus } from '../../shared/findings.js';
import { FINDINGS_PRESET } from '../../shared/experimentSpec.js';
import { SAMPLE_DATASET_NAME } from '../../shared/fashionMnist.js';

/** The numbers the definitions quote, from the code that uses them. */
const FLOOR = `10^{−${-Math.log10(PROB_FLOOR)}}`;
const FLOOR_BOUND = Math.log(1 / PROB_FLOOR).toFixed(2);
const KL_CLOSE = REGION_DEFAULTS.klThreshold;
const KL_STEADY = REGION_DEFAULTS.klStdThreshold;

/** Where an entry sits on the Help page. */
export type GlossarySection = 'confidence' | 'agreement' | 'training' | 'gradients' | 'findings' | 'setup' | 'lab';

export interface GlossaryEntry {
  /** the term as the page writes it */
  term: string;
  /** what it means, in a line: the tooltip */
  text: string;
  /** how it is computed, in a few sentences (docs/metrics.md) */
  definition?: string;
  /** the formula, in formulaText.ts markup */
  formula?: string;
  /** the Help page's section; entries without one are listed under "More terms" */
  section?: GlossarySection;
}

export const GLOSSARY_SECTIONS: readonly { id: GlossarySection | 'more'; title: string; intro: string }[] = [
  { id: 'confidence', title: 'Confidence and deviation', intro: 'How sure the teacher and the student are of each example, and where the student disobeys.' },
  { id: 'agreement', title: 'Accuracy and agreement', intro: 'How often a model is right, and how close the student stays to its teacher.' },
  { id: 'training', title: 'Over training', intro: 'How a student’s predictions move from one epoch to the next.' },
  { id: 'gradients', title: 'Gradients', intro: 'The push each example gives the student’s logits under each loss.' },
  { id: 'findings', title: 'Findings and statistics', intro: 'How the Findings page decides whether a claim of the papers holds on your data.' },
  { id: 'setup', title: 'Data, losses and training', intro: 'What an experiment is made of.' },
  { id: 'lab', title: 'Linear lab', intro: 'The closed-form linear regression lab behind the eigen-bias claim.' },
  { id: 'more', title: 'More terms', intro: 'Other words the app uses.' },
];

export const GLOSSARY = {
  statistic: {
    term: 'statistic',
    text: 'The one number a claim is decided on, e.g. the KD student’s test accuracy minus the one-hot student’s, averaged over seeds.',
    definition: 'Each claim of the Findings page has one statistic, in its own unit (points, a share, a slope…). The claim is reproduced when the statistic passes the threshold.',
    section: 'findings',
  },
  interval: {
    term: '95% interval',
    text: 'The range the statistic would fall in, 95 times out of 100, if the experiment were repeated with new seeds.',
    definition: 'A narrow interval on one side of the threshold means the verdict is not luck. None is given with a single seed: one value has no spread to measure.',
    section: 'findings',
  },
  tInterval: {
    term: 't-interval',
    text: 'An interval from the mean and spread of the per-seed values, with Student’s t distribution.',
    definition: 'With n seeds, mean ± t·sd/√n where t is the 97.5% quantile of Student’s t with n − 1 degrees of freedom. With 3 seeds it is wide: t is 4.30 for 2 degrees of freedom.',
    formula: 'x̄ ± t_{0.975, n−1} · s / √n',
    section: 'findings',
  },
  bootstrap: {
    term: 'bootstrap',
    text: 'An interval found by resampling the examples (or seeds) with replacement and recomputing the statistic each time.',
    definition: 'The examples are drawn again with replacement B times (1000 by default, a fixed random stream, so the same seed gives the same interval); the interval is the 2.5th and 97.5th percentiles of the B results.',
    formula: '[q_{2.5%}, q_{97.5%}] of {statistic(resample_r) : r = 1 … B}',
    section: 'findings',
  },
  threshold: {
    term: 'threshold',
    text: 'What a good run shows according to the papers’ reference experiments, e.g. “KD at least 1 point above one-hot”.',
    definition: 'The thresholds came from small probes on synthetic data; they are what to expect, not laws. A claim whose threshold says so also needs its 95% interval on the right side.',
    section: 'findings',
  },
  recoveredShare: {
    term: 'recovered share',
    text: 'For a student that switches loss mid-training: how much of KD’s gain over one-hot the switch recovers.',
    definition: '100% means the switch gained all that full KD gains over one-hot; 0% means none of it. Undefined when KD does not beat one-hot.',
    formula: '(acc_{switch} − acc_{one-hot}) / (acc_{KD} − acc_{one-hot})',
    section: 'findings',
  },
  points: {
    term: 'points',
    text: 'Percentage points of accuracy: 78.5% against 76.8% is +1.7 points.',
    section: 'findings',
  },
  seeds: {
    term: 'seeds',
    text: 'Replicates of the same experiment that differ only in their random seed (initial weights, batch order, label noise draw).',
    definition: 'An experiment planned with seeds: N trains N replicates, “name · seed s”, every run’s seed shifted by s − 1. A claim that holds across seeds is not an accident of one run.',
    section: 'findings',
  },
  evidence: {
    term: 'evidence',
    text: 'The claim’s measurement in each seed (or split, or test set) that the statistic summarises; for metric sanity, each check; for the linear lab, each of its values: the chart’s bars, named in its legend.',
    section: 'findings',
  },
  source: {
    term: 'source',
    text: 'Where the claim comes from: which paper, and which of its reference experiments.',
    definition: 'Paper 1: “On student-teacher deviations in distillation: does it pay to disobey?”. Paper 2: “What mechanisms does knowledge distillation distill?”.',
    section: 'findings',
  },
  reproduced: {
    term: 'reproduced',
    text: 'The statistic passes the threshold (and, where the threshold says so, its interval does too).',
    section: 'findings',
  },
  notReproduced: {
    term: 'not reproduced',
    text: 'The experiment can test the claim, and the statistic misses the threshold.',
    section: 'findings',
  },
  notApplicable: {
    term: 'not applicable',
    text: 'The experiment cannot test this claim: it lacks the runs, the data or the split the claim needs (the reason says which).',
    section: 'findings',
  },
  diagnostics: {
    term: 'warnings',
    text: 'Conditions that can make a claim’s number misleading even when it is computed right; read them before the verdicts.',
    section: 'findings',
  },
  // ---- per-example and per-run measures (docs/metrics.md) --------------------------------------
  pk: {
    term: 'pₖ (class probability)',
    text: 'The probability a model gives class k of an example; k is the teacher’s top class unless the page says the label.',
    definition:
      'Read from the run’s stored float32 probabilities at that epoch, never renormalised. k = k_T = argmax_c p^T_c, the teacher’s top class (ties to the lowest class index), or the label when the class choice is “label”. “teacher p_k” is p^T_k, “student p_k” is p^S_k.',
    formula: 'p_k = softmax(z)_k,   k_T = argmax_c p^T_c',
    section: 'confidence',
  },
  phi: {
    term: 'φ (logit confidence)',
    text: 'How sure a model is of class k, on a log-odds scale: 0 at 50%, about +2.2 at 90%, negative below 50%.',
    definition:
      `Computed from the stored probabilities with the other classes summed, so 1 − p_k is never formed, and each probability clamped at ${FLOOR} before the logarithm (φ stays within ±${FLOOR_BOUND}). Per example a = φ(p^T_k) is the teacher’s and b = φ(p^S_k) the student’s, at the same class k: the teacher’s top class, or the label where the page says so.`,
    formula: `φ(p_k) = log(p_k / (1 − p_k)) = ln max(p_k, ${FLOOR}) − ln max(Σ_{c≠k} p_c, ${FLOOR})`,
    section: 'confidence',
  },
  deviation: {
    term: 'Δ (deviation)',
    text: 'Student φ minus teacher φ of one example: below 0 the student is less sure than its teacher, above 0 more sure.',
    definition: 'Both φ at the same class k (the teacher’s top class by default). Undefined where either model lacks the example.',
    formula: 'Δ = b − a = φ(p^S_k) − φ(p^T_k)',
    section: 'confidence',
  },
  deltaByConfidence: {
    term: 'Δ by teacher confidence',
    text: 'The mean deviation Δ in each tenth of the examples ordered by the teacher’s confidence, least confident first: where the student disobeys.',
    definition:
      'The examples with finite a and b are sorted by a (ties by example index) and cut at positions ⌊j·n/10⌋, j = 0 … 10, into equal-count bins; each bin’s point sits at its mean a. One curve per student.',
    formula: 'Δ_j = mean_{i ∈ bin j} (b_i − a_i),   x_j = mean_{i ∈ bin j} a_i',
    section: 'confidence',
  },
  lowestBinDelta: {
    term: 'Δ of the lowest bin',
    text: 'Mean student φ − teacher φ over the tenth of the examples the teacher is least sure of: below 0 the student underfits those hard points.',
    definition: 'Examples are sorted by the teacher’s confidence a = φ(p^T_k) and cut into 10 equal-count bins; Δ of a bin is the mean of b − a over it. Below 0 in the lowest bin: the student is less confident than its teacher exactly where the teacher is unsure.',
    formula: 'Δ_{lowest} = mean_{i ∈ lowest bin} (b_i − a_i)',
    section: 'confidence',
  },
  deltaTop: {
    term: 'Δ of the top bin',
    text: 'Student φ − teacher φ, averaged over the tenth of the examples the teacher is most confident on.',
    definition: 'The last of the 10 equal-count bins of Δ by teacher confidence. A student underfits when Δ of the lowest bin is below 0 and below this.',
    formula: 'Δ_{top} = mean_{i ∈ top bin} (b_i − a_i)',
    section: 'confidence',
  },
  underfits: {
    term: 'underfits (hard points)',
    text: 'The student is less confident than its teacher on the teacher’s hard points: Δ of the lowest bin below 0 and below Δ of the top bin.',
    formula: 'Δ_{lowest} < 0  and  Δ_{lowest} < Δ_{top}',
    section: 'confidence',
  },
  beta: {
    term: 'β (exaggeration slope)',
    text: 'The slope of the student’s confidence φ against the teacher’s over all examples: 1 copies, above 1 exaggerates, below 1 flattens.',
    definition:
      'Ordinary least squares of b = φ(p^S_k) on a = φ(p^T_k) over the examples where both are finite; α₀ is the intercept. A student that copies its teacher gives β = 1 and α₀ = 0. Its 95% interval comes from 1000 bootstrap resamples of the examples. Compare and the report give it per split; the explorer fits it over the points it shows, so with no split chosen it pools train and test and says so.',
    formula: 'β = Σ(a − ā)(b − b̄) / Σ(a − ā)²,   α₀ = b̄ − β·ā',
    section: 'confidence',
  },
  hardPointFit: {
    term: 'hard-point fit',
    text: 'Among the quarter of the examples the teacher is least confident on, the share whose student top class is the label.',
    definition:
      'The examples with finite a are sorted by a (ties by example index) and the first ⌊n/4⌋ kept: the same set as the lowest of 4 bins. On the train split the label is the training label, noisy where label noise flipped it, so the rate measures fit to the noisy labels.',
    formula: 'fit = #{i ∈ lowest quarter of a : argmax_c p^S_{ic} = y_i} / ⌊n/4⌋',
    section: 'confidence',
  },
  margin: {
    term: 'margin',
    text: 'A model’s top probability minus its second: small when it hesitates between two classes.',
    formula: 'margin = p_{(1)} − p_{(2)}',
    section: 'confidence',
  },
  entropy: {
    term: 'entropy',
    text: 'How spread a model’s probabilities are over the classes: 0 when all on one class, ln C when uniform.',
    formula: 'H = −Σ_{c : p_c > 0} p_c ln p_c',
    section: 'confidence',
  },
  labelProb: {
    term: 'p(label)',
    text: 'The probability a model gives the example’s training label.',
    definition: 'The training label is the noisy one where label noise flipped it; test and other splits use the true label.',
    formula: 'p(label) = p_y',
    section: 'confidence',
  },
  accuracy: {
    term: 'accuracy',
    text: 'The share of examples whose top class is the label.',
    definition:
      'On the train split the label is the training label (noisy where label noise flipped it); test and other splits use the true label. “clean” marks an accuracy against the true labels on a split where label noise changed some training labels.',
    formula: 'acc = #{i : argmax_c p_{ic} = y_i} / n',
    section: 'agreement',
  },
  accuracyVsTeacher: {
    term: 'accuracy vs teacher',
    text: 'The student’s test accuracy minus its teacher’s, in percentage points: above 0 the student beats its teacher.',
    formula: 'acc_S − acc_T   (points)',
    section: 'agreement',
  },
  fidelity: {
    term: 'fidelity',
    text: 'The share of examples where the student’s top class is the teacher’s top class.',
    definition: 'Top classes are argmax with ties to the lowest class index. 100% for a student that copies its teacher, whether or not the teacher is right.',
    formula: 'fidelity = #{i : argmax_c p^S_{ic} = argmax_c p^T_{ic}} / n',
    section: 'agreement',
  },
  kl: {
    term: 'KL(T‖S)',
    text: 'How far the student’s probabilities are from the teacher’s (nats, temperature 1): 0 when the student copies the teacher.',
    definition:
      `Per example, the Kullback–Leibler divergence of the student from the teacher; the student’s probabilities are clamped at ${FLOOR}, the teacher’s terms with p^T_c = 0 count 0. The mean over the examples of the split is the run’s KL.`,
    formula: `KL_i = Σ_{c : p^T_c > 0} p^T_c · ln(p^T_c / max(p^S_c, ${FLOOR})),   mean KL = mean_i KL_i`,
    section: 'agreement',
  },
  tv: {
    term: 'total variation',
    text: 'Half the summed absolute difference between the teacher’s and the student’s probabilities: 0 identical, 1 disjoint.',
    formula: 'TV = ½ Σ_c |p^T_c − p^S_c|',
    section: 'agreement',
  },
  top1Disagree: {
    term: 'top classes differ',
    text: '1 when the student’s top class is not the teacher’s, else 0.',
    formula: '[argmax_c p^T_c ≠ argmax_c p^S_c]',
    section: 'agreement',
  },
  topRank: {
    term: 'rank in teacher',
    text: 'Where the student’s top class ranks among the teacher’s probabilities: 1 when they agree, 2 when the student picks the teacher’s runner-up.',
    formula: 'rank = 1 + #{c : p^T_c > p^T_s, or p^T_c = p^T_s and c < s},   s = argmax_c p^S_c',
    section: 'agreement',
  },
  oodAccuracy: {
    term: 'counterfactual (OOD) accuracy',
    text: 'Accuracy on a split that is neither train nor test, e.g. a counterfactual test set where a mechanism of the data was removed or randomised.',
    section: 'agreement',
  },
  // ---- over training --------------------------------------------------------------------------
  labelProbMean: {
    term: 'p(label) mean over epochs',
    text: 'A run’s average probability for the training label across its epochs (dataset cartography’s confidence).',
    formula: 'mean_{e = 1 … E} p_y(e)',
    section: 'training',
  },
  labelProbStd: {
    term: 'p(label) std over epochs',
    text: 'How much a run’s probability for the training label moves across its epochs (dataset cartography’s variability).',
    formula: 'std_{e = 1 … E} p_y(e)   (population, ddof 0)',
    section: 'training',
  },
  klMean: {
    term: 'KL mean over epochs',
    text: 'The student’s KL from its teacher, averaged over the student’s epochs (the teacher at its last epoch throughout).',
    formula: 'mean_{e = 1 … E} KL(p^T ‖ p^S_e)',
    section: 'training',
  },
  klStd: {
    term: 'KL std over epochs',
    text: 'How much the student’s KL from its teacher moves over its epochs: small when it settles.',
    formula: 'std_{e = 1 … E} KL(p^T ‖ p^S_e)   (population, ddof 0)',
    section: 'training',
  },
  deviationMean: {
    term: 'Δ mean over epochs',
    text: 'The example’s deviation b − a averaged over the student’s epochs.',
    formula: 'mean_{e = 1 … E} (φ(p^S_{e,k}) − a)',
    section: 'training',
  },
  deviationStd: {
    term: 'Δ std over epochs',
    text: 'How much the example’s deviation b − a moves over the student’s epochs.',
    formula: 'std_{e = 1 … E} (φ(p^S_{e,k}) − a)   (population, ddof 0)',
    section: 'training',
  },
  flips: {
    term: 'flips',
    text: 'How often the student’s top class changed from one epoch to the next.',
    definition: 'Per example over the student’s epochs; per epoch, the number of examples that changed top class, went right → wrong or wrong → right against the epoch before.',
    formula: 'flips = #{e ∈ 2 … E : argmax p^S_e ≠ argmax p^S_{e−1}}',
    section: 'training',
  },
  misfit: {
    term: 'misfit',
    text: 'An example whose student predicts another class than its training label.',
    formula: 'argmax_c p^S_c ≠ y',
    section: 'training',
  },
  misfitSeeds: {
    term: 'misfit in k of N seeds',
    text: 'In how many of the N seed replicates the student predicts another class than the training label: k = N a misfit whatever the seed, 0 < k < N an unstable one.',
    definition: 'Each replicate’s student of the same name is read at the analysed epoch where it has it, else at its last. Without seeds N = 1 and k is 0 or 1.',
    formula: 'k = #{replicates r : argmax_c p^{S_r}_c ≠ y}',
    section: 'training',
  },
  regions: {
    term: 'regions (cartography)',
    text: 'Four groups of examples by how the student’s KL from its teacher evolves over its epochs: never matches, forgets, tracks, overtakes.',
    definition: `The student is close to its teacher at epoch e when KL_e ≤ ${KL_CLOSE} nats. “Never matches”, “forgets” and “tracks” are disjoint (an example may be in none); “overtakes” can overlap any of them.`,
    formula: `KL_e = KL(p^T ‖ p^S_e),   close at e ⇔ KL_e ≤ ${KL_CLOSE}`,
    section: 'training',
  },
  regionNeverMatches: {
    term: 'never matches',
    text: 'The student is never close to its teacher on this example, at any epoch.',
    formula: `KL_e > ${KL_CLOSE} for every e = 1 … E`,
    section: 'training',
  },
  regionForgets: {
    term: 'forgets',
    text: 'The student matched its teacher at some epoch, then drifted away by the last one.',
    formula: `KL_e ≤ ${KL_CLOSE} for some e < E,  and  KL_E > ${KL_CLOSE}`,
    section: 'training',
  },
  regionTracks: {
    term: 'tracks',
    text: 'The student stays close to its teacher: small KL at the end, small on average and steady.',
    formula: `KL_E ≤ ${KL_CLOSE},  mean_e KL_e ≤ ${KL_CLOSE},  std_e KL_e ≤ ${KL_STEADY}`,
    section: 'training',
  },
  regionOvertakes: {
    term: 'overtakes',
    text: 'The student is right where its teacher is wrong.',
    formula: 'argmax_c p^S_{E,c} = y  and  argmax_c p^T_c ≠ y',
    section: 'training',
  },
  lossSwitch: {
    term: 'loss switch',
    text: 'The epoch where a student’s loss schedule changes, e.g. one-hot → KD (late distillation); dotted on the charts.',
    section: 'training',
  },
  sharedEpochs: {
    term: 'shared epochs',
    text: 'First epochs a run took over from an earlier run that trains identically up to there (e.g. one-hot and a one-hot → KD switch): trained once, the same numbers.',
    definition:
      'Two runs of one experiment and teacher with the same model, optimiser, schedule, batch size, epochs and seed, one-hot or KD losses, and the same loss in each of their first P epochs train those epochs identically. The earlier run trains them; the later one takes over copies of its recorded epochs 1 … P and its checkpoint, and trains on from there: what it records is what it would have computed alone.',
    section: 'setup',
  },
  // ---- gradients ------------------------------------------------------------------------------
  gradNorm: {
    term: '‖g‖ (logit-gradient norm)',
    text: 'The length of an example’s gradient of the loss with respect to the student’s logits: how hard it pushes.',
    formula: 'g_{one-hot} = p^S − e_y,   g_{KD} = p^S − p^T,   ‖g‖ = √(Σ_c g_c²)',
    section: 'gradients',
  },
  gradCos: {
    term: 'cos(g, class mean)',
    text: 'How closely an example’s gradient points along the mean gradient of its class: 1 aligned, 0 unrelated, below 0 opposed.',
    definition: 'The class mean is over the examples of the same split and training label. Undefined when either gradient is 0.',
    formula: 'cos = g · ḡ_y / (‖g‖ ‖ḡ_y‖)',
    section: 'gradients',
  },
  confusableGroups: {
    term: 'confusable class groups',
    text: 'Classes easily mistaken for each other, e.g. Fashion-MNIST’s tops {T-shirt, Pullover, Coat, Shirt} and shoes {Sandal, Sneaker, Ankle boot}.',
    section: 'gradients',
  },
  confidenceQuartiles: {
    term: 'quartiles of teacher confidence',
    text: 'The examples cut into four equal-count groups by the teacher’s φ, least confident first.',
    definition: 'Sorted by (a, example id) and cut at ⌊j·n/4⌋, j = 0 … 4.',
    section: 'gradients',
  },
  // ---- data, losses and training --------------------------------------------------------------
  split: {
    term: 'split',
    text: 'A part of the dataset: train (what the models fit), test (held out), and extra sets such as counterfactual tests.',
    section: 'setup',
  },
  labelNoise: {
    term: 'label noise',
    text: 'A share of the training labels flipped at random to another class on purpose; the true label is kept beside the noisy one.',
    section: 'setup',
  },
  teacher: {
    term: 'teacher',
    text: 'The model trained first, on the labels; the students learn from its probabilities. Compare shows it as the baseline row.',
    section: 'setup',
  },
  onehot: {
    term: 'one-hot loss',
    text: 'Cross-entropy on the training labels: the student ignores the teacher.',
    formula: 'L = CE(y, σ(z^S))',
    section: 'setup',
  },
  kd: {
    term: 'KD (knowledge distillation)',
    text: 'The student matches the teacher’s probabilities softened by a temperature τ, mixed with the labels by α.',
    definition: 'α = 1 uses the teacher alone; the τ² factor can be switched off. Distilling into the teacher’s own architecture is self-distillation.',
    formula: 'L = (1 − α)·CE(y, σ(z^S)) + α·τ²·KL(σ(z^T/τ) ‖ σ(z^S/τ))',
    section: 'setup',
  },
  lossSchedule: {
    term: 'loss schedule',
    text: 'A list of loss phases, e.g. one-hot until epoch s then KD (late distillation), or KD then one-hot.',
    section: 'setup',
  },
  jacobian: {
    term: 'Jacobian matching',
    text: 'KD plus a term that makes the student’s input gradients point where the teacher’s do.',
    definition: 'J = ∂z/∂x over classes × input, normalised; matched along random unit input directions by central differences. β = 0.15 by default (0.01–0.8).',
    formula: 'L = (1 − β)·KL_τ(T ‖ S) + β·mean_i ‖Ĵ^T_i − Ĵ^S_i‖₂,   Ĵ = J / ‖J‖₂',
    section: 'setup',
  },
  contrastive: {
    term: 'contrastive distillation',
    text: 'KD plus a term that pulls the student’s features toward the teacher’s for matching examples and pushes them apart otherwise.',
    definition: 'Features are the penultimate layer, projected to 128 dimensions by trainable heads; positives share a label (or are the same example). β = 0.03, τ_c = 0.1, ε = 0.97 by default.',
    formula: 'L = (1 − β)·KL_τ + β·L_{crd},   L_{crd} = −(1/B)[Σ_{pos} log(s/(s+ε)) + Σ_{neg} log(ε/(s+ε))]',
    section: 'setup',
  },
  mechanisms: {
    term: 'mechanisms',
    text: 'Features of the data that predict the label, e.g. one half of a two-part image or a class-placed patch; counterfactual test sets keep, remove or randomise each.',
    section: 'setup',
  },
  backend: {
    term: 'backend',
    text: 'The compute library that trained the runs: TensorFlow (on the GPU or the CPU), WebAssembly, or plain JavaScript.',
    definition: 'The fastest one installed is used. The same seed on the same backend gives the same numbers; another backend can differ in the last digits.',
    section: 'setup',
  },
  // ---- linear lab -----------------------------------------------------------------------------
  eigenProgress: {
    term: 'cₖ (eigen-progress)',
    text: 'How far a linear model’s predictions have moved toward the targets along eigendirection k of the data: 0 at the start, 1 when fitted.',
    definition: 'Gradient descent on least squares from w = 0. The teacher is stopped early at T̃ steps; the student is trained on the teacher’s predictions. An unstopped teacher gives identical curves.',
    formula: 'K = X Xᵀ = Σ_k λ_k u_k u_kᵀ,   c_k(t) = ⟨u_k, f(t)⟩ / ⟨u_k, y⟩',
    section: 'lab',
  },
  eigenTrajectory: {
    term: 'eigen-trajectory',
    text: 'The curve of c_j against c_1 over training for the teacher and the student: the student under the teacher shows a bias toward the top direction.',
    formula: 'f_T(t) = Σ_k (1 − e^{−λ_k t}) y_k u_k,   f_S(t) = Σ_k (1 − e^{−λ_k t})(1 − e^{−λ_k T̃}) y_k u_k',
    section: 'lab',
  },
  mechanism: {
    term: 'mechanism',
    text: 'One part of a mechanism dataset’s image that can show the class: the top half, the bottom half, or a small patch whose position encodes the class.',
    definition: 'Each half is an image from a source dataset. A model can learn the class from any of them; which one it uses is what the Mechanisms page compares.',
    section: 'setup',
  },
  counterfactualSplit: {
    term: 'counterfactual split',
    text: 'A test split of a mechanism dataset in which one mechanism is changed (a random class, or blanked) while the others still show the label’s class.',
    definition: 'How a model’s predictions change there shows which mechanism it relies on.',
    section: 'setup',
  },
  trainingSplit: {
    term: 'trained on',
    text: 'The split a run fitted; on a mechanism dataset it decides which mechanisms show the label during training.',
    definition: 'A teacher trained where only the top half shows the class cannot have learned the bottom one.',
    section: 'setup',
  },
  differenceFromKd: {
    term: 'difference from KD',
    text: 'The same cell of another loss’s grid minus plain KD’s: green where that loss makes the student share more of its teacher’s behaviour, red where less.',
    section: 'agreement',
  },
  predictedClass: {
    term: 'predicted class',
    text: 'The class a run gives the highest probability (its top class). It is marked wrong when it is not the training label.',
    section: 'agreement',
  },
  noisyLabel: {
    term: 'noisy',
    text: 'Examples whose training label was flipped on purpose by label noise at import; the clean class is kept and shown, and the class filter counts them under it.',
    section: 'setup',
  },
  imageStore: {
    term: 'image store',
    text: 'How an image dataset keeps its images. Pixels: every image whole in the database. Reference: the files stay in their folder; the database keeps a thumbnail and a training image of each.',
    definition: 'Pixels suits small images of one size, such as MNIST. By reference, each file’s path, size and SHA-256 are recorded too. An import chooses reference when the images differ in size or exceed 64×64 pixels; the import dialog’s Image store, or --store on the command line, overrides it.',
    section: 'setup',
  },
  trainingImage: {
    term: 'training image',
    text: 'What training sees of an image, in pixels: height × width × channels (3 for colour, 1 for grey). For a dataset kept by reference it is the centred square of the training size, not the whole original.',
    section: 'setup',
  },
  trainingSize: {
    term: 'training size',
    text: 'For images kept by reference: each image’s shorter side is scaled to this many pixels and the centred square kept; that square is what training sees. The original stays on disk; 0 keeps no training images.',
    section: 'setup',
  },
  thumbnail: {
    term: 'thumbnail',
    text: 'The small copy of an image kept by reference (at most 128 pixels on its long side) that the grid shows; the detail panel shows the original file full size.',
    section: 'setup',
  },
  datasetFolder: {
    term: 'dataset folder',
    text: 'Where the original files of a dataset kept by reference live. If it moves, Relocate points the dataset at the new place once a sample of the files there matches the import.',
    definition: 'A sample of up to 20 files, spread over the dataset, is read in the new folder and its SHA-256 hashes compared with those recorded at import; one missing or different file and nothing changes.',
    section: 'setup',
  },
  estimate: {
    term: 'estimate',
    text: 'A run of this pair stored only its top-k probabilities and p(label): this number needs classes it did not store, so it is computed with the unknown probability spread evenly over them.',
    definition:
      'Exact from the top k: p(label), top classes, accuracy, fidelity, flips, margins with k ≥ 2 and φ at a stored class. Estimated: KL, total variation, entropy, the margin at k = 1, φ of a class outside the top k (and Δ, β, the bins built on it). The Help’s metrics notes give each one’s bounds.',
    section: 'agreement',
  },
} as const satisfies Record<string, GlossaryEntry>;

export type GlossaryKey = keyof typeof GLOSSARY;

export const GLOSSARY_KEYS = Object.keys(GLOSSARY) as GlossaryKey[];

export function isGlossaryKey(key: string): key is GlossaryKey {
  return Object.prototype.hasOwnProperty.call(GLOSSARY, key);
}

/** The Help page's address of a term: `#/help?term=phi`. */
export function helpRoute(key: string): { name: 'help'; query: { term: string } } {
  return { name: 'help', query: { term: key } };
}

export const STATUS_HELP: Record<FindingStatus, GlossaryEntry> = {
  reproduced: GLOSSARY.reproduced,
  'not-reproduced': GLOSSARY.notReproduced,
  'not-applicable': GLOSSARY.notApplicable,
};

/** Each warning kind of the findings: a short label, a one-glyph icon and what it means. */
export const DIAGNOSTIC_HELP: Record<FindingDiagnostic['kind'], GlossaryEntry & { icon: string }> = {
  'not-converged': { icon: '↘', term: 'not converged', text: 'A run was still improving at its last epoch: more training could change the comparison.' },
  'teacher-interpolates': {
    icon: '≡',
    term: 'teacher interpolates',
    text: 'The teacher fits its training set (train accuracy ≈ 100%), so on the train split its probabilities are almost one-hot and distillation adds little there: a known confounder.',
  },
  'in-sample': { icon: '◎', term: 'in-sample', text: 'A number is measured on the examples the models trained on; on held-out examples it can differ.' },
  'underfit-flag-vs-delta': {
    icon: '≠',
    term: 'underfit flag vs Δ',
    text: 'The underfitting flag (Δ of the lowest bin below 0 and below the top bin) and the sign of Δ alone disagree; read both.',
  },
  'label-noise': { icon: '≈', term: 'label noise', text: 'Some training labels were flipped on purpose; accuracies on the train split are measured against the noisy labels.' },
  'few-seeds': { icon: '#', term: 'few seeds', text: 'Too few seed replicates for a useful interval: the verdict rests on one or two runs.' },
  'top-k': { icon: '~', term: 'top-k estimates', text: 'Some runs stored only their top-k probabilities; numbers that need every class are estimates.' },
  unfinished: { icon: '…', term: 'unfinished runs', text: 'Some runs are still training or stopped early; the claims use finished runs only, so they may change.' },
  splits: { icon: '⊂', term: 'splits recorded', text: 'Some runs recorded predictions for only some splits (e.g. a log of the training split); the numbers cover the splits they recorded.' },
};

/** The Help page's anchor of a warning kind. */
export const warningAnchor = (kind: FindingDiagnostic['kind']) => `warning-${kind}`;

/** The terms the Findings page's Help section lists, in reading order. */
export const FINDINGS_HELP_KEYS: readonly GlossaryKey[] = [
  'statistic',
  'interval',
  'tInterval',
  'bootstrap',
  'threshold',
  'evidence',
  'seeds',
  'points',
  'recoveredShare',
  'lowestBinDelta',
  'beta',
  'phi',
  'fidelity',
  'source',
  'reproduced',
  'notReproduced',
  'notApplicable',
  'diagnostics',
];

/** The glossary entry of every per-example measure (explorer/measureLabels.ts names them). */
export const MEASURE_GLOSSARY: Record<ExampleMeasure, GlossaryKey> = {
  teacherProb: 'pk',
  studentProb: 'pk',
  teacherPhi: 'phi',
  studentPhi: 'phi',
  deviation: 'deviation',
  kl: 'kl',
  teacherMargin: 'margin',
  studentMargin: 'margin',
  teacherEntropy: 'entropy',
  studentEntropy: 'entropy',
  teacherLabelProb: 'labelProb',
  studentLabelProb: 'labelProb',
  teacherLabelProbMean: 'labelProbMean',
  teacherLabelProbStd: 'labelProbStd',
  studentLabelProbMean: 'labelProbMean',
  studentLabelProbStd: 'labelProbStd',
  gradNormOnehot: 'gradNorm',
  gradNormKd: 'gradNorm',
  gradCosOnehot: 'gradCos',
  gradCosKd: 'gradCos',
  tv: 'tv',
  top1Disagree: 'top1Disagree',
  studentTopRankInTeacher: 'topRank',
  klMean: 'klMean',
  klStd: 'klStd',
  deviationMean: 'deviationMean',
  deviationStd: 'deviationStd',
  flips: 'flips',
  misfitSeeds: 'misfitSeeds',
};

/** The glossary entry of each cartography region. */
export const REGION_GLOSSARY: Record<CartographyRegion, GlossaryKey> = {
  'never-matches': 'regionNeverMatches',
  forgets: 'regionForgets',
  overtakes: 'regionOvertakes',
  tracks: 'regionTracks',
};

/** Which glossary terms an interval method names ("t over 3 seeds", "bootstrap 1000 resamples"). */
export function intervalMethodTerms(method: string | null): GlossaryKey[] {
  if (!method) return [];
  const keys: GlossaryKey[] = [];
  if (/\bt\b|t-interval|student/i.test(method)) keys.push('tInterval');
  if (/bootstrap/i.test(method)) keys.push('bootstrap');
  return keys;
}

/** The glossary terms a statistic's name mentions, so its tooltip can explain them. */
export function termsIn(text: string): GlossaryKey[] {
  const keys: GlossaryKey[] = [];
  if (/β|slope/i.test(text)) keys.push('beta');
  if (/recovered/i.test(text)) keys.push('recoveredShare');
  if (/lowest bin|Δ/i.test(text)) keys.push('lowestBinDelta');
  if (/fidelity/i.test(text)) keys.push('fidelity');
  if (/φ/.test(text)) keys.push('phi');
  if (/KL/.test(text)) keys.push('kl');
  if (/cosine/i.test(text)) keys.push('gradCos');
  if (/c₄₅|eigendirection/i.test(text)) keys.push('eigenProgress');
  if (/accuracy/i.test(text)) keys.push('accuracy');
  return keys;
}

/** The glossary key of each finding status, for its badge's tooltip. */
export const STATUS_TERMS: Record<FindingStatus, GlossaryKey> = {
  reproduced: 'reproduced',
  'not-reproduced': 'notReproduced',
  'not-applicable': 'notApplicable',
};

/** How a measure is written in the sentences the app shows, for glossarySegments. */
const TERM_PATTERNS: readonly [GlossaryKey, RegExp][] = [
  ['lowestBinDelta', /Δ of the lowest bin|Δ₁/],
  ['deltaTop', /Δ of the top bin|top bin’s Δ/],
  ['beta', /β/],
  ['phi', /φ/],
  ['kl', /KL(?:\(teacher ‖ student\)|\(T‖S\))?/],
  ['fidelity', /\bfidelity\b/i],
  ['recoveredShare', /\brecovered share\b/i],
  ['eigenProgress', /c₄₅/],
  ['gradCos', /\bcosine\b/i],
  ['hardPointFit', /\bhard-point fit\b/i],
  ['accuracy', /\baccuracy\b/i],
  // percentage points follow a number ("3 points"); "hard points" are examples, not a unit
  ['points', /(?<=\d\s?)points?\b/],
  ['labelNoise', /\b(?:label noise|noisy (?:training )?labels)\b/i],
];

export interface GlossarySegment {
  text: string;
  /** the glossary entry this piece of text names, if it names one */
  term?: GlossaryKey;
}

/**
 * A sentence cut into pieces, each measure it names (its first mention) marked with its glossary
 * key, so a page can give every measure its tooltip inside generated text.
 */
export function glossarySegments(text: string): GlossarySegment[] {
  const out: GlossarySegment[] = [];
  const used = new Set<GlossaryKey>();
  let rest = text;
  for (;;) {
    let best: { key: GlossaryKey; index: number; length: number } | null = null;
    for (const [key, pattern] of TERM_PATTERNS) {
      if (used.has(key)) continue;
      const m = pattern.exec(rest);
      if (m && (best === null || m.index < best.index || (m.index === best.index && m[0].length > best.length))) best = { key, index: m.index, length: m[0].length };
    }
    if (!best) break;
    if (best.index > 0) out.push({ text: rest.slice(0, best.index) });
    out.push({ text: rest.slice(best.index, best.index + best.length), term: best.key });
    used.add(best.key);
    rest = rest.slice(best.index + best.length);
  }
  if (rest) out.push({ text: rest });
  return out;
}

// ---- the Help page's guide: the words that depend on the app ------------------------------------

const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

/** A count in prose: words up to ten ("four"), digits past it. */
export function numberWord(n: number): string {
  return NUMBER_WORDS[n] ?? String(n);
}

/** How many seeds the findings preset trains, in words ("four"), as the guide's step 2 says it: from FINDINGS_PRESET, which a dataset page's button trains. */
export function findingsPresetSeeds(seeds: number = FINDINGS_PRESET.seeds): string {
  return numberWord(seeds);
}

/**
 * The guide's words on the sample, from the names of the datasets this database holds (null
 * while they load): the desktop app loads the sample into a new database, `serve --no-sample`
 * does not, and a user may have deleted it, so the guide says what is here, not what was meant to be.
 */
export function sampleDatasetSentence(datasetNames: readonly string[] | null): string {
  if (datasetNames === null) return 'the desktop app loads a Fashion-MNIST sample into a new database (serve --no-sample leaves it out).';
  if (datasetNames.includes(SAMPLE_DATASET_NAME)) return 'the Fashion-MNIST sample, loaded into this database on first start, is there to try.';
  return 'this database holds no Fashion-MNIST sample (the desktop app loads one into a new database; serve --no-sample does not), so start with your own.';
}
