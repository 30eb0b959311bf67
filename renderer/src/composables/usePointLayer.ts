// EChart.vue's point layer (charts/pointLayer.ts) wired to an ECharts instance: the layer's canvas
// follows the plot's rectangle and the axes' window, a zoom or pan moves the last drawing until the
// gesture pauses, the legend hides groups, and a click or hover on a layer point answers as
// ECharts answers for its own points. Kept apart so that the chart component stays generic.
import type { EChartsCoreOption, ECharts } from 'echarts/core';
import { onBeforeUnmount, ref, toRaw, watch, type Ref } from 'vue';
import { createPointLayer, nearestPoint, previewTransform, type PointCloud, type PointLayer, type PointView } from '../charts/pointLayer.js';

interface ChartModel {
  getComponent(type: string, index?: number): unknown;
}
type AxisModel = { axis?: { scale: { getExtent(): [number, number] } } } | undefined;

function chartModel(c: ECharts): ChartModel | undefined {
  return (c as unknown as { getModel(): ChartModel | undefined }).getModel();
}

/** The plot's rectangle and the axes' visible extents (zoomed or not), as ECharts laid them out. */
export function plotView(c: ECharts): PointView | null {
  const model = chartModel(c);
  const grid = model?.getComponent('grid', 0) as { coordinateSystem?: { getRect(): PointView['rect'] } } | undefined;
  const x = (model?.getComponent('xAxis', 0) as AxisModel)?.axis?.scale.getExtent();
  const y = (model?.getComponent('yAxis', 0) as AxisModel)?.axis?.scale.getExtent();
  const rect = grid?.coordinateSystem?.getRect();
  if (!x || !y || !rect) return null;
  return { x: [x[0], x[1]], y: [y[0], y[1]], rect: { x: rect.x, y: rect.y, width: rect.width, height: rect.height } };
}

/** how long a zoom or pan must pause before the points are drawn anew (meanwhile the last drawing is moved) */
const SETTLE_MS = 120;

type Formatter = (p: { seriesIndex: number; dataIndex: number; seriesName: string; value: number[] }) => string;

export interface PointLayerSource {
  /** the points the layer draws (none: no layer) */
  points: () => PointCloud | null | undefined;
  /** the chart's option, whose tooltip formatter names a hovered layer point */
  option: () => EChartsCoreOption;
  /** the chart in use (a new instance after a theme change) */
  chart: () => ECharts | null;
  /** the chart's box, to keep the tooltip inside it */
  host: Ref<HTMLDivElement | null>;
  /** a layer point clicked, named as ECharts names a clicked point */
  onClick: (hit: { seriesIndex: number; dataIndex: number }) => void;
}

export function usePointLayer(source: PointLayerSource) {
  const layerCanvas = ref<HTMLCanvasElement | null>(null);
  const layerClip = ref<HTMLDivElement | null>(null);
  const tip = ref<HTMLDivElement | null>(null);
  let layer: PointLayer | null = null;
  /** what the layer last drew, so a render that moved nothing (a hover) draws nothing */
  let drawnKey = '';
  /** the view the layer's points were last drawn for, and the redraw waiting for a gesture to pause */
  let drawnView: PointView | null = null;
  let drawnHidden = '';
  let redrawTimer: ReturnType<typeof setTimeout> | undefined;
  let tipFrame = 0;

  /** The series the point layer draws keep their names and colours (legend, tooltip title) but no data. */
  function withoutLayerPoints(option: EChartsCoreOption): EChartsCoreOption {
    const groups = source.points()?.groups.length ?? 0;
    const series = (option as { series?: Record<string, unknown>[] }).series;
    if (!groups || !Array.isArray(series)) return option;
    return { ...option, series: series.map((s, i) => (i < groups ? { ...s, data: [], large: false } : s)) };
  }

  /** The layer's groups the legend has switched off. */
  function hiddenGroups(c: ECharts): Set<number> {
    const legend = chartModel(c)?.getComponent('legend', 0) as { isSelected(name: string): boolean } | undefined;
    const hidden = new Set<number>();
    source.points()?.groups.forEach((g, i) => {
      if (legend && !legend.isSelected(g.name)) hidden.add(i);
    });
    return hidden;
  }

  function placeClip(rect: PointView['rect']): void {
    const clip = layerClip.value!;
    clip.style.left = `${rect.x}px`;
    clip.style.top = `${rect.y}px`;
    clip.style.width = `${rect.width}px`;
    clip.style.height = `${rect.height}px`;
  }

  function draw(force = false): void {
    const chart = source.chart();
    const points = source.points();
    if (!chart || !points || !layerCanvas.value || !layerClip.value) return;
    if (!layer) {
      layer = createPointLayer(layerCanvas.value);
      layer.setPoints(toRaw(points));
      force = true;
    }
    const view = plotView(chart);
    if (!view) return;
    const hidden = hiddenGroups(chart);
    const hiddenKey = [...hidden].join(',');
    const key = JSON.stringify([view, hiddenKey]);
    if (!force && key === drawnKey) return;
    clearTimeout(redrawTimer);
    if (!force && drawnView && hiddenKey === drawnHidden && JSON.stringify(drawnView.rect) === JSON.stringify(view.rect)) {
      // a zoom or pan: move the last drawing now, draw the points when the gesture pauses
      const t = previewTransform(drawnView, view);
      layerCanvas.value.style.transform = `translate(${t.tx}px, ${t.ty}px) scale(${t.sx}, ${t.sy})`;
      redrawTimer = setTimeout(() => draw(true), SETTLE_MS);
      return;
    }
    drawnKey = key;
    drawnView = view;
    drawnHidden = hiddenKey;
    placeClip(view.rect);
    layerCanvas.value.style.transform = '';
    layer.draw(view, hidden);
    performance.mark('disobey:points-drawn');
    layerCanvas.value.dataset.layer = layer.kind;
    if (layer.why) layerCanvas.value.dataset.why = layer.why;
  }

  function dispose(): void {
    clearTimeout(redrawTimer);
    layer?.dispose();
    layer = null;
    drawnKey = '';
    drawnView = null;
  }

  /** The layer's point under a pixel (within its radius and a little), as ECharts names a clicked point. */
  function pointAt(offsetX: number, offsetY: number): { seriesIndex: number; dataIndex: number } | null {
    const chart = source.chart();
    const points = source.points();
    if (!chart || !points) return null;
    const view = plotView(chart);
    if (!view) return null;
    const { groups } = toRaw(points);
    const radius = Math.max(...groups.map((g) => g.size)) / 2 + 2;
    const hit = nearestPoint(groups, view, offsetX, offsetY, radius, hiddenGroups(chart));
    return hit ? { seriesIndex: hit.group, dataIndex: hit.index } : null;
  }

  /** The option's own tooltip text for a layer point, beside the pointer. */
  function showTip(offsetX: number, offsetY: number): void {
    const points = source.points();
    if (!tip.value || !points) return;
    const hit = pointAt(offsetX, offsetY);
    const formatter = (source.option() as { tooltip?: { formatter?: unknown } }).tooltip?.formatter;
    if (!hit || typeof formatter !== 'function') {
      tip.value.hidden = true;
      return;
    }
    const g = toRaw(points).groups[hit.seriesIndex]!;
    const value = [g.xy[2 * hit.dataIndex]!, g.xy[2 * hit.dataIndex + 1]!];
    tip.value.innerHTML = (formatter as Formatter)({ ...hit, seriesName: g.name, value });
    tip.value.hidden = false;
    const box = source.host.value?.getBoundingClientRect();
    const left = box && offsetX + 16 + tip.value.offsetWidth > box.width ? offsetX - 16 - tip.value.offsetWidth : offsetX + 16;
    tip.value.style.left = `${Math.max(0, left)}px`;
    tip.value.style.top = `${Math.max(0, offsetY - tip.value.offsetHeight / 2)}px`;
  }

  /** Draws after each ECharts render, and answers clicks and hovers on layer points, on a new chart instance. */
  function hook(c: ECharts): void {
    c.on('rendered', () => draw());
    const zr = c.getZr();
    zr.on('click', (e: { offsetX: number; offsetY: number }) => {
      const hit = source.points() ? pointAt(e.offsetX, e.offsetY) : null;
      if (hit) source.onClick(hit);
    });
    zr.on('mousemove', (e: { offsetX: number; offsetY: number }) => {
      if (!source.points()) return;
      cancelAnimationFrame(tipFrame);
      tipFrame = requestAnimationFrame(() => showTip(e.offsetX, e.offsetY));
    });
    zr.on('globalout', () => {
      cancelAnimationFrame(tipFrame);
      if (tip.value) tip.value.hidden = true;
    });
  }

  watch(
    source.points,
    (points) => {
      if (!points) dispose();
      else if (layer) layer.setPoints(toRaw(points));
      draw(true);
    },
    { flush: 'post' },
  );

  onBeforeUnmount(() => {
    cancelAnimationFrame(tipFrame);
    dispose();
  });

  return { layerCanvas, layerClip, tip, withoutLayerPoints, hook, draw };
}
