// SPEC experiment 7 (gradient denoising, a proxy): the one-hot and KD logit gradients of a student,
// g_onehot = p^S − e_y and g_kd = p^S − p^T, their norms and cosines to the class-mean gradient,
// averaged by the teacher's confidence quartile and by confusable class group on one split.
import type { GradientAggregate, GradientView } from '../../shared/analytics.js';
import { ValidationError } from '../../shared/errors.js';
import type { AnalysisFrame } from './analysisFrame.js';
import { splitIndexOf } from './datasetColumns.js';
import { rowsOfSplit } from './deviationReport.js';

function aggregate(frame: AnalysisFrame, name: string, rows: readonly number[]): GradientAggregate {
  const columns = [
    frame.measure('gradNormOnehot'),
    frame.measure('gradNormKd'),
    frame.measure('gradCosOnehot'),
    frame.measure('gradCosKd'),
  ];
  const means = columns.map((values) => {
    let sum = 0;
    let count = 0;
    for (const i of rows) {
      const v = values[i]!;
      if (Number.isFinite(v)) {
        sum += v;
        count++;
      }
    }
    return count ? sum / count : null;
  });
  return { name, n: rows.length, normOnehot: means[0]!, normKd: means[1]!, cosOnehot: means[2]!, cosKd: means[3]! };
}

export function gradientView(frame: AnalysisFrame, split: string, groups: number[][]): GradientView {
  splitIndexOf(frame.dataset, split);
  for (const g of groups) {
    const bad = g.find((c) => c >= frame.numClasses);
    if (bad !== undefined) throw new ValidationError(`group class ${bad} does not exist: the dataset has classes 0..${frame.numClasses - 1}`, { field: 'groups' });
  }
  const a = frame.measure('teacherPhi');
  const rows = Array.from(rowsOfSplit(frame, split)).filter((i) => Number.isFinite(a[i]!));
  // Quartiles of the teacher's confidence: sorted by (a, example id), cut at floor(j·n/4).
  const byConfidence = [...rows].sort((x, y) => a[x]! - a[y]! || x - y);
  const quartiles = [0, 1, 2, 3].map((q) =>
    aggregate(frame, `Q${q + 1}${q === 0 ? ' (least confident)' : q === 3 ? ' (most confident)' : ''}`, byConfidence.slice(Math.floor((q * rows.length) / 4), Math.floor(((q + 1) * rows.length) / 4))),
  );
  const names = frame.dataset.classNames;
  const label = frame.dataset.trainLabel;
  const grouped = new Set(groups.flat());
  const groupAggregates = groups.map((g) => {
    const set = new Set(g);
    return aggregate(frame, g.map((c) => names[c]).join(' / '), rows.filter((i) => set.has(label[i]!)));
  });
  const rest = rows.filter((i) => !grouped.has(label[i]!));
  if (groups.length && rest.length) groupAggregates.push(aggregate(frame, 'classes in no group', rest));
  return {
    studentRunId: frame.student.runId,
    teacherRunId: frame.teacher.runId,
    split,
    quartiles,
    groups: groupAggregates,
    all: aggregate(frame, 'all', rows),
  };
}
