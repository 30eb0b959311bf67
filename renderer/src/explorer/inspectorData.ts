// What the detail panel shows of one example's trajectory: each run at the analysed epoch
// (students at that epoch or their last, teachers at their last — what was distilled from)
// and the training label's probability per epoch as curves.
import type { ExampleTrajectory } from '../../../shared/analytics.js';
import { RUN_COLORS } from '../charts/trainingCurves.js';

export interface RunAtExample {
  runId: number;
  name: string;
  role: 'teacher' | 'student';
  epoch: number | null;
  probs: number[] | null;
  top: number | null;
  topProb: number | null;
  labelProb: number | null;
  /** top class equals the training label (a run with no recorded epoch counts as correct: nothing to blame) */
  correct: boolean;
}

export function runsAtEpoch(t: ExampleTrajectory, epoch: number | null): RunAtExample[] {
  return t.runs.map((r) => {
    let at = r.epochs.length - 1;
    if (r.role === 'student' && epoch !== null) {
      const i = r.epochs.findLastIndex((e) => e <= epoch);
      at = i >= 0 ? i : at;
    }
    const probs = at >= 0 ? r.probs[at]! : null;
    let top: number | null = null;
    if (probs) {
      top = 0;
      for (let c = 1; c < probs.length; c++) if (probs[c]! > probs[top]!) top = c;
    }
    return {
      runId: r.runId,
      name: r.name,
      role: r.role,
      epoch: at >= 0 ? r.epochs[at]! : null,
      probs,
      top,
      topProb: probs && top !== null ? probs[top]! : null,
      labelProb: probs ? probs[t.trainLabel]! : null,
      correct: top === null || top === t.trainLabel,
    };
  });
}

/** p(training label) per epoch, one line per run; the legend is drawn beside the chart (hidden: names clicked off). */
export function labelProbCurveOption(t: ExampleTrajectory, hidden: ReadonlySet<string> = new Set()) {
  const names = t.runs.map((r) => r.name);
  return {
    animation: false,
    grid: { left: 46, right: 10, top: 10, bottom: 36 },
    legend: { show: false, data: names, selected: Object.fromEntries(names.map((n) => [n, !hidden.has(n)])) },
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => (typeof v === 'number' ? v.toFixed(3) : String(v)) },
    xAxis: { type: 'value', minInterval: 1, name: 'epoch', nameLocation: 'middle', nameGap: 20, min: 1, max: Math.max(2, ...t.runs.map((r) => r.epochs.at(-1) ?? 1)) },
    yAxis: { type: 'value', min: 0, max: 1, interval: 0.25, name: 'p(label)', nameLocation: 'middle', nameGap: 30 },
    series: t.runs.map((r, i) => ({
      type: 'line',
      name: r.name,
      data: r.epochs.map((e, k) => [e, r.probs[k]![t.trainLabel]!]),
      symbolSize: 4,
      itemStyle: { color: RUN_COLORS[i % RUN_COLORS.length] },
      lineStyle: { width: r.role === 'teacher' ? 2.5 : 1.5 },
    })),
  };
}
