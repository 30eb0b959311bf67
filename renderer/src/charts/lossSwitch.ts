// Where a loss switch is drawn, decided once for every chart over epochs (training curves, flips,
// and any later one). Their x axis counts epochs done, 1-based: the point at x = e is the state
// after e epochs. A loss phase that starts at 0-based epoch k takes over once k epochs are done,
// so its switch sits at x = k: on the last point under the old loss, every later point (and the
// flip at k + 1, which compares epoch k with k + 1) under the new one.
import type { MarkLineComponentOption } from 'echarts/components';

export interface SwitchMark {
  /** the new phase's 0-based first epoch (`lossSwitches(spec)[i].epoch`, `FlipEvents` switches' `epoch`) */
  epoch: number;
  /** what the mark says on hover: "run: → new loss" */
  name: string;
  color: string;
}

/** The x of a switch on an epochs-done axis. */
export function lossSwitchX(phaseFrom: number): number {
  return phaseFrom;
}

/**
 * The dotted vertical lines of loss switches, each in its run's colour. Several runs often switch
 * at the same epoch, so labels show on hover instead of stacking on each other.
 */
export function lossSwitchMarkLine(marks: readonly SwitchMark[]): MarkLineComponentOption {
  return {
    silent: false,
    symbol: 'none',
    animation: false,
    label: { show: false, formatter: '{b}', fontSize: 10, position: 'insideEndTop' },
    emphasis: { label: { show: true }, lineStyle: { width: 2.5 } },
    data: marks.map((m) => ({
      xAxis: lossSwitchX(m.epoch),
      name: m.name,
      lineStyle: { color: m.color, type: 'dotted' as const, width: 1.5 },
      label: { color: m.color },
    })),
  };
}
