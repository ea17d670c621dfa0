import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatCompact } from '../format';

export type Series = { label: string; values: (number | null)[] };

export const PALETTE = ['#2563eb', '#f97316', '#10b981', '#a855f7', '#ef4444', '#0891b2', '#ca8a04', '#db2777'];

// UsageChart draws time series with uPlot (canvas, ~50 kB). times are unix
// seconds; the axis shows them in the browser's zone. summary is read by
// screen readers in place of the picture.
export function UsageChart({
  times,
  series,
  summary,
  bars = false,
  valueFormat = formatCompact,
  height = 260,
  range,
  color = 0,
  legend = true,
}: {
  color?: number; // index of the first series' colour in PALETTE
  legend?: boolean;
  range?: [number, number]; // the x axis from/to in unix seconds, whatever the data covers
  times: number[];
  series: Series[];
  summary: string;
  bars?: boolean;
  valueFormat?: (v: number) => string;
  height?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || times.length === 0) return;
    const width = Math.max(el.clientWidth, 280);
    const step = times.length > 1 ? times[1] - times[0] : 3600;
    const pad = bars ? step / 2 : 0; // room for the first and last bars
    const opts: uPlot.Options = {
      width,
      height,
      legend: { show: legend },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true, range: (_u, min, max) => (range ? [range[0] - pad, range[1] + pad] : [min, max]) },
        // quantities and costs are never negative: bars stand on zero
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        { stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#e2e8f0' } },
        {
          stroke: '#64748b',
          grid: { stroke: '#eef2f7' },
          ticks: { stroke: '#e2e8f0' },
          size: 64,
          values: (_u, vals) => vals.map((v) => valueFormat(v)),
        },
      ],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[(i + color) % PALETTE.length],
          width: bars ? 0 : 2,
          fill: PALETTE[(i + color) % PALETTE.length] + (bars ? 'cc' : '22'),
          points: { show: false },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : valueFormat(v)),
          paths: bars ? uPlot.paths.bars!({ size: [0.7, 48], gap: 1 }) : undefined,
        })),
      ],
    };
    let plot: uPlot | null = null;
    try {
      plot = new uPlot(opts, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    } catch {
      return; // no canvas (tests without a browser)
    }
    const ro =
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver(() => {
            if (plot && el.clientWidth > 0) plot.setSize({ width: Math.max(el.clientWidth, 280), height });
          });
    ro?.observe(el);
    return () => {
      ro?.disconnect();
      plot?.destroy();
    };
  }, [times, series, bars, height, range?.[0], range?.[1], color, legend]);
  if (times.length === 0) return <p class="state state-empty">No usage in this period.</p>;
  return <div class="chart" ref={box} role="img" aria-label={summary} data-testid="usage-chart" />;
}
