// Time-series charts drawn by uPlot (a small, maintained canvas chart library). Each chart is a
// <figure data-chart="…"> whose data-sums attribute says what was drawn (tests read it beside the pixels).
import uPlot from 'uplot';
import { h } from './dom';

export type Series = { label: string; color: string; values: Array<number | null>; scale?: string; dash?: number[]; bars?: boolean };
export type ChartSpec = {
  id: string;
  title: string;
  /** Unix seconds, or plain numbers with `xAxis`. */
  x: number[];
  /** A numeric (not time) x axis: its label, range and tick format. */
  xAxis?: { label: string; range: [number, number]; format: (v: number) => string };
  series: Series[];
  /** Label of each scale's axis; the first is on the left, a second on the right. */
  axes: Array<{ scale: string; label: string; format?: (v: number) => string }>;
  note?: string;
};

export type Chart = { element: HTMLElement; update: (spec: ChartSpec) => void; destroy: () => void };

const WIDTH = 560;
const HEIGHT = 220;

function sums(spec: ChartSpec): string {
  return JSON.stringify(Object.fromEntries(spec.series.map((s) => [s.label, Math.round(s.values.reduce<number>((a, v) => a + (v ?? 0), 0) * 1000) / 1000])));
}

function options(spec: ChartSpec): uPlot.Options {
  const bars = uPlot.paths.bars!({ size: [0.6, 40] });
  return {
    width: WIDTH,
    height: HEIGHT,
    legend: { show: true },
    cursor: { points: { show: false } },
    scales: { x: spec.xAxis ? { time: false, range: spec.xAxis.range } : { time: true } },
    series: [
      spec.xAxis ? { label: spec.xAxis.label, value: (_u: uPlot, v: number | null) => (v === null ? '—' : spec.xAxis!.format(v)) } : {},
      ...spec.series.map((s): uPlot.Series => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        scale: s.scale ?? spec.axes[0]!.scale,
        spanGaps: false,
        points: { show: !s.bars, size: 4, fill: s.color },
        ...(s.dash ? { dash: s.dash } : {}),
        ...(s.bars ? { paths: bars, fill: `${s.color}99` } : {}),
      })),
    ],
    axes: [
      spec.xAxis
        ? { stroke: '#555', grid: { stroke: '#eee' }, label: spec.xAxis.label, values: (_u: uPlot, values: number[]) => values.map((v) => spec.xAxis!.format(v)) }
        : { stroke: '#555', grid: { stroke: '#eee' } },
      ...spec.axes.map((a, i): uPlot.Axis => ({
        scale: a.scale,
        label: a.label,
        stroke: '#555',
        side: i === 0 ? 3 : 1,
        grid: { show: i === 0, stroke: '#eee' },
        size: 60,
        ...(a.format ? { values: (_u: uPlot, values: number[]) => values.map((v) => a.format!(v)) } : {}),
      })),
    ],
  };
}

export function chart(spec: ChartSpec): Chart {
  const plotBox = h('div', { class: 'plot' });
  const element = h('figure', { class: 'chart', id: spec.id, 'data-chart': spec.id.replace(/^chart-/, '') },
    h('figcaption', {}, spec.title, spec.note ? h('small', { class: 'muted' }, ` ${spec.note}`) : null),
    plotBox);
  const data = (s: ChartSpec): uPlot.AlignedData => [s.x, ...s.series.map((x) => x.values)];
  let plot = new uPlot(options(spec), data(spec), plotBox);
  element.dataset.points = String(spec.x.length);
  element.dataset.sums = sums(spec);
  return {
    element,
    update(next) {
      if (next.series.length !== spec.series.length) {
        plot.destroy();
        plot = new uPlot(options(next), data(next), plotBox);
      } else plot.setData(data(next));
      spec = next;
      element.dataset.points = String(next.x.length);
      element.dataset.sums = sums(next);
    },
    destroy: () => plot.destroy(),
  };
}
