// The training-manifest dialog's rules as the form holds them (weights as typed text), the preset
// rules it offers, the default reason of the explorer's filter, and the call's arguments built and
// checked from the form (shared/trainingManifest.ts: the first rule an example passes decides its row).
import type { CartographyRegion, ClassChoice } from '../../../shared/analytics.js';
import type { CallArgs } from '../../../shared/contract.js';
import type { ManifestFormat } from '../../../shared/trainingManifest.js';
import type { ExplorerState } from './explorerState.js';
import { MEASURE_LABELS } from './measureLabels.js';

export type ManifestKind = 'weights' | 'curriculum';
type Args = CallArgs<'exportTrainingManifest'>;
/** an explorer filter as the call takes it (defaults such as the region thresholds may be left out) */
export type RuleFilter = Args['rules'][number]['filter'];

export interface RuleDraft {
  /** stable key for the list while rules move */
  key: number;
  filter: RuleFilter;
  /** what the filter selects, shown beside the rule */
  what: string;
  weight: string;
  reason: string;
}

export interface ManifestPreset {
  id: string;
  label: string;
  filter: RuleFilter;
  reason: string;
}

/** The reason column is limited to 200 characters (ManifestRule). */
export const REASON_MAX = 200;
export const DEFAULT_RULE_WEIGHT = '0.5';

let nextKey = 1;
export function ruleDraft(filter: RuleFilter, what: string, reason: string, weight = DEFAULT_RULE_WEIGHT): RuleDraft {
  return { key: nextKey++, filter, what, weight, reason: clip(reason) };
}

function clip(text: string): string {
  const t = text.trim();
  return t.length <= REASON_MAX ? t : `${t.slice(0, REASON_MAX - 1)}…`;
}

export const REGION_REASONS: Record<CartographyRegion, string> = {
  'never-matches': 'never matches the teacher',
  forgets: 'matched the teacher, then drifted away',
  overtakes: 'right where the teacher is wrong',
  tracks: 'tracks the teacher',
};

/** A cartography region of the analysed student as a rule (the Dynamics page's region buttons). */
export function regionRule(kind: CartographyRegion, weight = DEFAULT_RULE_WEIGHT): RuleDraft {
  return ruleDraft({ region: { kind } }, `region: ${kind}`, `${kind}: ${REGION_REASONS[kind]}`, weight);
}

/** The rules a researcher most often adds after the explorer's filter; run-specific ones need the runs. */
export function manifestPresets(runs: { teacherRunId: number | null; studentRunId: number | null }): ManifestPreset[] {
  const out: ManifestPreset[] = (Object.keys(REGION_REASONS) as CartographyRegion[]).map((kind) => ({
    id: `region-${kind}`,
    label: `region: ${kind} (${REGION_REASONS[kind]})`,
    filter: { region: { kind } },
    reason: `${kind}: ${REGION_REASONS[kind]}`,
  }));
  out.push({
    id: 'underfit',
    label: 'underfit (student φ below the teacher’s by > 0.5 on its least confident quarter)',
    filter: { underfit: { delta: 0.5, quantile: 0.25 } },
    reason: 'underfit: student below the teacher on low-confidence examples',
  });
  const { teacherRunId: t, studentRunId: s } = runs;
  if (s !== null) out.push({ id: 'student-wrong', label: 'student wrong', filter: { correctness: [{ runId: s, correct: false }] }, reason: 'student wrong' });
  if (t !== null && s !== null) {
    out.push(
      { id: 'teacher-right-student-wrong', label: 'teacher right, student wrong', filter: { correctness: [{ runId: t, correct: true }, { runId: s, correct: false }] }, reason: 'teacher right, student wrong' },
      { id: 'teacher-wrong', label: 'teacher wrong', filter: { correctness: [{ runId: t, correct: false }] }, reason: 'teacher wrong' },
      { id: 'disagree', label: 'teacher and student predict different classes', filter: { disagree: { runA: t, runB: s } }, reason: 'teacher and student disagree' },
    );
  }
  return out;
}

export function presetRule(preset: ManifestPreset, weight = DEFAULT_RULE_WEIGHT): RuleDraft {
  return ruleDraft(preset.filter, preset.label, preset.reason, weight);
}

export interface FilterNames {
  runName(runId: number): string;
  className(c: number): string;
  setName(setId: number): string;
}

function list(items: string[], most = 3): string {
  return items.length <= most ? items.join(', ') : `${items.slice(0, most).join(', ')} +${items.length - most}`;
}
const num = (n: number) => String(Math.round(n * 1000) / 1000);

/**
 * A brief description of the explorer's filter (the split aside: the manifest lists one split),
 * the default reason of the rule made from it: "teacher right, KD wrong; brushed 34".
 */
export function describeFilter(state: ExplorerState, names: FilterNames, brushed: number | null = null): string {
  const parts: string[] = [];
  if (state.labels.length) parts.push(`label ${list(state.labels.map(names.className))}`);
  if (state.predicted.length) parts.push(`student predicts ${list(state.predicted.map(names.className))}`);
  for (const r of state.ranges) {
    const m = MEASURE_LABELS[r.measure];
    if (r.min !== undefined && r.max !== undefined) parts.push(`${num(r.min)} ≤ ${m} ≤ ${num(r.max)}`);
    else if (r.max !== undefined) parts.push(`${m} ≤ ${num(r.max)}`);
    else if (r.min !== undefined) parts.push(`${m} ≥ ${num(r.min)}`);
  }
  if (state.underfit) parts.push(`underfit by > ${num(state.underfit.delta)} (least confident ${num(state.underfit.quantile * 100)}%)`);
  if (state.correctness.length) parts.push(state.correctness.map((c) => `${names.runName(c.runId)} ${c.correct ? 'right' : 'wrong'}`).join(', '));
  if (state.disagree) parts.push(`${names.runName(state.disagree.runA)} and ${names.runName(state.disagree.runB)} disagree`);
  if (state.text !== null) parts.push(`text contains “${state.text}”`);
  if (state.set) parts.push(`${state.set.member ? 'in' : 'not in'} set “${names.setName(state.set.setId)}”`);
  if (state.noisy !== null) parts.push(state.noisy ? 'noisy label' : 'clean label');
  if (state.region) parts.push(`region ${state.region}`);
  if (state.confusion) {
    const { label, teacherTop, studentTop } = state.confusion;
    parts.push(`label ${names.className(label)}, teacher ${names.className(teacherTop)}, student ${names.className(studentTop)}`);
  }
  if (state.brush) parts.push(brushed === null ? 'brushed on the teacher-vs-student chart' : `brushed ${brushed} on the teacher-vs-student chart`);
  return clip(parts.length ? parts.join('; ') : 'selected in the explorer');
}

/** A weight as typed: a finite number in [0, 1e6] (ManifestRule's Weight), or null. */
export function parseWeight(text: string | number): number | null {
  const t = String(text).trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) && n >= 0 && n <= 1_000_000 ? n : null;
}

export function moveRule<T>(rules: readonly T[], index: number, by: -1 | 1): T[] {
  const to = index + by;
  if (index < 0 || index >= rules.length || to < 0 || to >= rules.length) return [...rules];
  const out = [...rules];
  [out[index], out[to]] = [out[to]!, out[index]!];
  return out;
}

export interface ManifestForm {
  rules: readonly RuleDraft[];
  defaultWeight: string;
  kind: ManifestKind;
  format: ManifestFormat;
  /** null: every example of the dataset */
  split: string | null;
}

export type ManifestScope = { experimentId: number; studentRunId?: number; epoch?: number; classChoice: ClassChoice };

/** The call's arguments (without path), or the first problem of the form in words. */
export function manifestArgs(scope: ManifestScope, form: ManifestForm): { args: Args; error: null } | { args: null; error: string } {
  if (form.rules.length === 0) return { args: null, error: 'add at least one rule' };
  const rules: Args['rules'] = [];
  for (const [i, r] of form.rules.entries()) {
    const weight = parseWeight(r.weight);
    if (weight === null) return { args: null, error: `rule ${i + 1}: the weight must be a number from 0 to 1,000,000` };
    const reason = r.reason.trim();
    if (reason === '') return { args: null, error: `rule ${i + 1}: a rule needs a reason` };
    if (reason.length > REASON_MAX) return { args: null, error: `rule ${i + 1}: the reason is longer than ${REASON_MAX} characters` };
    rules.push({ filter: r.filter, weight, reason });
  }
  const defaultWeight = parseWeight(form.defaultWeight);
  if (defaultWeight === null) return { args: null, error: 'the default weight must be a number from 0 to 1,000,000' };
  return {
    args: { ...scope, ...(form.split !== null ? { split: form.split } : {}), rules, defaultWeight, kind: form.kind, format: form.format },
    error: null,
  };
}

/** The file's name: experiment, split and kind, e.g. "fm paper train weights.csv" (cleaned by exportFileName). */
export function manifestStem(experimentName: string, split: string | null, kind: ManifestKind): string {
  return `${experimentName} ${split ?? 'all'} ${kind}`;
}
