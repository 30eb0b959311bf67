// The names the app's numbers go by, each explained for a newcomer: shown as a tooltip wherever
// the term appears (components/HelpTerm.vue) and listed in a page's Help section. Definitions
// follow papers/SPEC.md and docs/metrics.md; the Findings page's terms come first.
import type { FindingDiagnostic, FindingStatus } from '../../shared/findings.js';

export interface GlossaryEntry {
  /** the term as the page writes it */
  term: string;
  /** what it means, in a sentence or two */
  text: string;
}

export const GLOSSARY = {
  statistic: {
    term: 'statistic',
    text: 'The one number a claim is decided on, e.g. the KD student’s test accuracy minus the one-hot student’s, averaged over seeds. The claim is reproduced when it passes the threshold.',
  },
  interval: {
    term: '95% interval',
    text: 'The range the statistic would fall in, 95 times out of 100, if the experiment were repeated with new seeds. A narrow interval on one side of the threshold means the verdict is not luck; none is given with a single seed.',
  },
  tInterval: {
    term: 't-interval',
    text: 'An interval from the mean and spread of the per-seed values with Student’s t distribution (mean ± t·sd/√n). With 3 seeds it is wide: t is 4.30 for 2 degrees of freedom.',
  },
  bootstrap: {
    term: 'bootstrap',
    text: 'An interval found by resampling: the examples (or seeds) are drawn again with replacement many times (1000 by default), the statistic is recomputed each time, and the middle 95% of the results is the interval.',
  },
  threshold: {
    term: 'threshold',
    text: 'What SPEC.md says a good run shows, e.g. “KD at least 1 point above one-hot”. Thresholds came from small probes; they are what to expect, not laws.',
  },
  recoveredShare: {
    term: 'recovered share',
    text: 'For a student that switches loss mid-training: (switch − one-hot) / (KD − one-hot) test accuracy. 100% means the switch gained all that full KD gains over one-hot; 0% means none of it.',
  },
  lowestBinDelta: {
    term: 'Δ of the lowest bin',
    text: 'Examples are sorted by the teacher’s confidence φ and cut into 10 equal bins; Δ is the mean of student φ − teacher φ in a bin. Below 0 in the lowest bin: the student is less confident than the teacher exactly where the teacher is unsure (it underfits the hard points).',
  },
  beta: {
    term: 'β (exaggeration slope)',
    text: 'The slope of the student’s confidence φ against the teacher’s over all examples (least squares). β = 1: the student copies the teacher’s confidence; above 1 it exaggerates it, below 1 it flattens it.',
  },
  phi: {
    term: 'φ (logit confidence)',
    text: 'log(p / (1 − p)) of a class’s probability p: 0 at 50%, about +2.2 at 90%, negative below 50%.',
  },
  fidelity: {
    term: 'fidelity',
    text: 'The share of examples where the student’s top class is the teacher’s top class.',
  },
  points: {
    term: 'points',
    text: 'Percentage points of accuracy: 78.5% against 76.8% is +1.7 points.',
  },
  seeds: {
    term: 'seeds',
    text: 'Replicates of the same experiment that differ only in their random seed (initial weights, batch order, label noise draw). A claim that holds across seeds is not an accident of one run.',
  },
  evidence: {
    term: 'evidence',
    text: 'The value of the claim’s measurement in each seed (or split, or test set) that the statistic summarises: the chart’s bars.',
  },
  source: {
    term: 'source',
    text: 'Where the claim comes from: the experiment of papers/SPEC.md and the paper behind it.',
  },
  reproduced: {
    term: 'reproduced',
    text: 'The statistic passes the SPEC threshold (and, where the threshold says so, its interval does too).',
  },
  notReproduced: {
    term: 'not reproduced',
    text: 'The experiment can test the claim, and the statistic misses the threshold.',
  },
  notApplicable: {
    term: 'not applicable',
    text: 'The experiment cannot test this claim: it lacks the runs, the data or the split the claim needs (the reason says which).',
  },
  diagnostics: {
    term: 'warnings',
    text: 'Conditions that can make a claim’s number misleading even when it is computed right; read them before the verdicts.',
  },
} as const satisfies Record<string, GlossaryEntry>;

export type GlossaryKey = keyof typeof GLOSSARY;

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

/** The terms a Help section lists, in reading order. */
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
  return keys;
}
