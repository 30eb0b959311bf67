// The option type every chart builder returns: ECharts' ComposeOption of the series a chart
// draws with the components the app's charts share (grid, tooltip, legend, title, mark lines
// and areas), so a builder names only its series.
import type { BarSeriesOption, HeatmapSeriesOption, LineSeriesOption, ScatterSeriesOption } from 'echarts/charts';
import type {
  GridComponentOption,
  LegendComponentOption,
  MarkAreaComponentOption,
  MarkLineComponentOption,
  TitleComponentOption,
  TooltipComponentOption,
} from 'echarts/components';
import type { ComposeOption } from 'echarts/core';

export type ChartSeriesOption = BarSeriesOption | HeatmapSeriesOption | LineSeriesOption | ScatterSeriesOption;

export type ChartOption<S extends ChartSeriesOption> = ComposeOption<
  S | GridComponentOption | TooltipComponentOption | LegendComponentOption | TitleComponentOption | MarkLineComponentOption | MarkAreaComponentOption
>;

export type { BarSeriesOption, LineSeriesOption, MarkLineComponentOption };
