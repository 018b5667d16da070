import type { DeliveryStatus, EndpointStats } from '../api/types';
import { formatRate } from '../format';
import { DELIVERY_STATUS_LABELS } from './status-badge';

/** Stacking order of the bars, from the bottom: outcomes first, then what is still under way. */
const SERIES: DeliveryStatus[] = ['succeeded', 'failed', 'retrying', 'pending', 'cancelled'];

const WIDTH = 720;
const HEIGHT = 180;
const AXIS = { left: 36, bottom: 22, top: 8 };

/** Chart ranges: what the buttons offer, with the bucket that suits each. */
export const CHART_RANGES = [
  { id: '1h', label: 'Last hour', spanMs: 3_600_000, bucket: '5m', bucketMs: 300_000 },
  { id: '24h', label: 'Last 24 hours', spanMs: 86_400_000, bucket: '1h', bucketMs: 3_600_000 },
  { id: '7d', label: 'Last 7 days', spanMs: 604_800_000, bucket: '6h', bucketMs: 21_600_000 },
] as const;

export type ChartRange = (typeof CHART_RANGES)[number];

/**
 * Returns the stats query of a range. The end is rounded up to a whole bucket, so that the buckets
 * stay put between two polls and the newest one is the current one.
 */
export function statsQuery(range: ChartRange, now: number): string {
  const until = Math.ceil(now / range.bucketMs) * range.bucketMs;
  const since = until - range.spanMs;
  return `since=${new Date(since).toISOString()}&until=${new Date(until).toISOString()}&bucket=${range.bucket}`;
}

/** Deliveries over time as stacked bars by status, drawn as SVG. */
export function DeliveryChart({ stats, range }: { stats: EndpointStats; range: ChartRange }) {
  const max = Math.max(1, ...stats.buckets.map((bucket) => bucket.deliveries.total));
  const plotWidth = WIDTH - AXIS.left;
  const plotHeight = HEIGHT - AXIS.bottom - AXIS.top;
  const slot = plotWidth / stats.buckets.length;
  const barWidth = Math.max(1, slot * 0.75);
  const y = (count: number) => (count / max) * plotHeight;

  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby="chart-title chart-summary"
        preserveAspectRatio="none"
      >
        <title id="chart-title">Deliveries by status, {range.label.toLowerCase()}</title>
        <line
          class="chart-axis"
          x1={AXIS.left}
          x2={WIDTH}
          y1={HEIGHT - AXIS.bottom}
          y2={HEIGHT - AXIS.bottom}
        />
        <text class="chart-label" x={AXIS.left - 6} y={AXIS.top + 10} text-anchor="end">
          {max}
        </text>
        <text class="chart-label" x={AXIS.left - 6} y={HEIGHT - AXIS.bottom} text-anchor="end">
          0
        </text>
        {stats.buckets.map((bucket, index) => {
          let base = HEIGHT - AXIS.bottom;
          const x = AXIS.left + index * slot + (slot - barWidth) / 2;
          return (
            <g key={bucket.start}>
              {SERIES.filter((status) => bucket.deliveries[status] > 0).map((status) => {
                const height = y(bucket.deliveries[status]);
                base -= height;
                return (
                  <rect
                    key={status}
                    class={`bar bar-${status}`}
                    x={x}
                    y={base}
                    width={barWidth}
                    height={height}
                  >
                    <title>
                      {bucketLabel(bucket.start, range)}: {bucket.deliveries[status]}{' '}
                      {DELIVERY_STATUS_LABELS[status].toLowerCase()}
                    </title>
                  </rect>
                );
              })}
            </g>
          );
        })}
        {[0, Math.floor(stats.buckets.length / 2), stats.buckets.length - 1].map((index) => {
          const bucket = stats.buckets[index];
          if (!bucket) return null;
          const anchor = labelAnchor(index, stats.buckets.length);
          const x = AXIS.left + index * slot + ANCHOR_OFFSET[anchor] * slot;
          return (
            <text key={index} class="chart-label" x={x} y={HEIGHT - 6} text-anchor={anchor}>
              {bucketLabel(bucket.start, range)}
            </text>
          );
        })}
      </svg>
      <figcaption id="chart-summary">
        <ChartSummary stats={stats} />
        <ul class="legend">
          {SERIES.map((status) => (
            <li key={status}>
              <span class={`swatch bar-${status}`} aria-hidden="true" />
              {DELIVERY_STATUS_LABELS[status]} {stats.deliveries[status]}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}

// Time labels sit under the first, middle and last bars; the outer ones align to the edges.
const ANCHOR_OFFSET = { start: 0, middle: 0.5, end: 1 };

function labelAnchor(index: number, count: number): keyof typeof ANCHOR_OFFSET {
  if (index === 0) return 'start';
  if (index === count - 1) return 'end';
  return 'middle';
}

function ChartSummary({ stats }: { stats: EndpointStats }) {
  if (stats.deliveries.total === 0) return <p>No deliveries in this range.</p>;
  return (
    <p>
      {stats.deliveries.total} deliveries
      {stats.success_rate !== null && <>, {formatRate(stats.success_rate)} succeeded</>}.
    </p>
  );
}

function bucketLabel(start: string, range: ChartRange): string {
  const date = new Date(start);
  if (range.id === '7d') {
    return date.toLocaleString(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' });
  }
  return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}
