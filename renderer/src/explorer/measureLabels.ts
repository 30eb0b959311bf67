// Short names of the per-example measures for menus and column headers (docs/metrics.md has
// their definitions).
import type { ExampleMeasure } from '../../../shared/analytics.js';

export const MEASURE_LABELS: Record<ExampleMeasure, string> = {
  teacherProb: 'teacher p_k',
  studentProb: 'student p_k',
  teacherPhi: 'teacher φ',
  studentPhi: 'student φ',
  deviation: 'deviation Δ (student − teacher φ)',
  kl: 'KL(teacher ‖ student)',
  teacherMargin: 'teacher margin',
  studentMargin: 'student margin',
  teacherEntropy: 'teacher entropy',
  studentEntropy: 'student entropy',
  teacherLabelProb: 'teacher p(label)',
  studentLabelProb: 'student p(label)',
  teacherLabelProbMean: 'teacher p(label) mean over epochs',
  teacherLabelProbStd: 'teacher p(label) std over epochs',
  studentLabelProbMean: 'student p(label) mean over epochs',
  studentLabelProbStd: 'student p(label) std over epochs',
  gradNormOnehot: '‖g one-hot‖',
  gradNormKd: '‖g KD‖',
  gradCosOnehot: 'cos(g one-hot, class mean)',
  gradCosKd: 'cos(g KD, class mean)',
  tv: 'total variation ½Σ|p^T − p^S|',
  top1Disagree: 'top classes differ (1/0)',
  studentTopRankInTeacher: 'student top class: rank in teacher',
  klMean: 'KL(teacher ‖ student) mean over epochs',
  klStd: 'KL(teacher ‖ student) std over epochs',
  deviationMean: 'deviation Δ mean over epochs',
  deviationStd: 'deviation Δ std over epochs',
  flips: 'student top-class changes over epochs',
  misfitSeeds: 'misfit in k of N seeds',
};

/** What a measure counts, where its short name needs saying more (a filter's tooltip). */
export const MEASURE_HELP: Partial<Record<ExampleMeasure, string>> = {
  misfitSeeds:
    'k: in how many seed replicates of this experiment the student of this name predicts another class than the training label (N replicates, shown above the grid; an experiment without seeds has N = 1, so k is 0 or 1). k = N: a misfit whatever the seed; k between 0 and N: an unstable one.',
};
