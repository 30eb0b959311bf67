// One-click filters for what people open the explorer for. Each preset is one definition: the
// filter clauses it sets (every other clause and the brush are cleared; the pair, split,
// colouring and sort stay), and its tooltip is written from those same clauses, so the words can
// never drift from what the filter does. Every clause reads the training label and top classes,
// never the φ class, so a preset means the same whichever class φ is taken at.
import { clearedFilters, emptyExplorerState, filterOf, type ExplorerState } from './explorerState.js';
import { describeFilter, type FilterNames } from './manifestRules.js';

export type FilterPresetId = 'teacher-unsure' | 'student-disagrees' | 'misfits' | 'label-noise';

/** The analysed pair the clauses name. */
export interface PresetPair {
  studentRunId: number;
  teacherRunId: number;
}

export interface FilterPreset {
  id: FilterPresetId;
  name: string;
  /** why one looks at these examples, in a sentence */
  why: string;
  clauses(pair: PresetPair): Partial<ExplorerState>;
}

/** top probability − second below this: the teacher hesitates between two classes (or more) */
export const TEACHER_UNSURE_MARGIN = 0.2;
/** p(training label) at most this for teacher and student alike: both put the label far down */
export const NOISE_SUSPECT_LABEL_PROB = 0.1;

export const FILTER_PRESETS: readonly FilterPreset[] = [
  {
    id: 'teacher-unsure',
    name: 'Teacher unsure',
    why: 'Examples where the teacher hesitates: its top class barely beats the runner-up, so its soft labels carry the most information about other classes.',
    clauses: () => ({ ranges: [{ measure: 'teacherMargin', max: TEACHER_UNSURE_MARGIN }] }),
  },
  {
    id: 'student-disagrees',
    name: 'Student disagrees',
    why: 'Examples whose top class differs between the student and its teacher: where the student disobeys.',
    clauses: ({ teacherRunId, studentRunId }) => ({ disagree: { runA: teacherRunId, runB: studentRunId } }),
  },
  {
    id: 'misfits',
    name: 'Misfits',
    why: 'Examples the student misfits: its top class is not the training label (the detail panel’s “misfit in”).',
    clauses: ({ studentRunId }) => ({ correctness: [{ runId: studentRunId, correct: false }] }),
  },
  {
    id: 'label-noise',
    name: 'Label-noise suspects',
    why: 'Examples where teacher and student both confidently predict a class other than the stored label: the label itself may be wrong.',
    clauses: ({ teacherRunId, studentRunId }) => ({
      correctness: [{ runId: teacherRunId, correct: false }, { runId: studentRunId, correct: false }],
      ranges: [{ measure: 'teacherLabelProb', max: NOISE_SUSPECT_LABEL_PROB }, { measure: 'studentLabelProb', max: NOISE_SUSPECT_LABEL_PROB }],
    }),
  },
];

/** The state patch a preset applies: every filter clause cleared, then its own set. */
export function presetPatch(preset: FilterPreset, pair: PresetPair): Partial<ExplorerState> {
  return { ...clearedFilters(), ...preset.clauses(pair), example: null };
}

/** Its clauses in words, from the same definition the filter uses: "KD wrong; teacher p(label) ≤ 0.1". */
export function describePreset(preset: FilterPreset, pair: PresetPair, names: FilterNames): string {
  return describeFilter({ ...emptyExplorerState(), ...preset.clauses(pair) }, names);
}

/** The tooltip: why, then exactly which filter it sets. */
export function presetTooltip(preset: FilterPreset, pair: PresetPair, names: FilterNames): string {
  return `${preset.why}\nSets the filter: ${describePreset(preset, pair, names)} (other filters cleared).`;
}

/** The preset whose filter the state holds exactly (split aside), if any. */
export function activePreset(state: ExplorerState, pair: PresetPair): FilterPresetId | null {
  if (state.brush) return null;
  const now = JSON.stringify(filterOf({ ...state, split: null }, pair.studentRunId));
  for (const p of FILTER_PRESETS) {
    const applied = { ...state, ...presetPatch(p, pair), split: null };
    if (JSON.stringify(filterOf(applied, pair.studentRunId)) === now) return p.id;
  }
  return null;
}
