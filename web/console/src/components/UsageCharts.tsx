import { UsageChart } from './Chart';
import { formatCompact, formatQuantity } from '../format';
import type { TypeSeries } from '../series';

// UsageCharts draws one bar chart per usage type: each type has its own
// unit, so they never share an axis.
export function UsageCharts({ series, range, period }: { series: TypeSeries[]; range: [number, number]; period: string }) {
  if (series.length === 0) return <p class="state state-empty">No usage in {period}.</p>;
  return (
    <div class="charts">
      {series.map((s, i) => (
        <figure class="chart-cell" key={s.usageType}>
          <figcaption>
            <span class="chart-title">{s.name}</span>
            <span class="chart-total num">
              {formatQuantity(s.total)} {s.unit}
            </span>
          </figcaption>
          <UsageChart
            times={s.times}
            series={[{ label: s.unit, values: s.values }]}
            color={i}
            bars
            legend={false}
            height={170}
            range={range}
            valueFormat={formatCompact}
            summary={`${s.name}: ${formatQuantity(s.total)} ${s.unit} in ${period}`}
          />
        </figure>
      ))}
    </div>
  );
}
