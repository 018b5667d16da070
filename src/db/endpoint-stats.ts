import type { Pool } from 'pg';
import type { DeliveryStatus } from './deliveries';

/** Deliveries by status. */
export type DeliveryCounts = Record<DeliveryStatus, number>;

/** The newest delivery of an endpoint. */
export interface LastDelivery {
  id: string;
  status: DeliveryStatus;
  createdAt: Date;
}

/** Delivery counts of one endpoint since a time, with its newest delivery of any time. */
export interface EndpointSummary {
  endpointId: string;
  counts: DeliveryCounts;
  lastDelivery: LastDelivery | null;
}

/** Deliveries created within one interval of a time series. */
export interface DeliveryBucket {
  start: Date;
  counts: DeliveryCounts;
}

const COUNT_COLUMNS = `
  count(d.id) FILTER (WHERE d.status = 'pending')::int AS pending,
  count(d.id) FILTER (WHERE d.status = 'retrying')::int AS retrying,
  count(d.id) FILTER (WHERE d.status = 'succeeded')::int AS succeeded,
  count(d.id) FILTER (WHERE d.status = 'failed')::int AS failed,
  count(d.id) FILTER (WHERE d.status = 'cancelled')::int AS cancelled`;

/** Returns counts with every status at zero. */
export function emptyCounts(): DeliveryCounts {
  return { pending: 0, retrying: 0, succeeded: 0, failed: 0, cancelled: 0 };
}

function toCounts(row: Record<string, number>): DeliveryCounts {
  return {
    pending: row.pending ?? 0,
    retrying: row.retrying ?? 0,
    succeeded: row.succeeded ?? 0,
    failed: row.failed ?? 0,
    cancelled: row.cancelled ?? 0,
  };
}

/**
 * Returns up to `limit` endpoints of a site, oldest first after the id `after`, each with the
 * counts of its deliveries created at or after `since` and its newest delivery. Deleted endpoints
 * are left out, as the endpoint list leaves them out, so that both page alike.
 */
export async function summarizeEndpoints(
  pool: Pool,
  siteId: string,
  since: Date,
  page: { limit: number; after?: string },
): Promise<EndpointSummary[]> {
  const { rows } = await pool.query(
    `SELECT e.id AS endpoint_id, ${COUNT_COLUMNS},
            last.id AS last_id, last.status AS last_status, last.created_at AS last_created_at
     FROM endpoints e
     LEFT JOIN deliveries d ON d.endpoint_id = e.id AND d.created_at >= $2
     LEFT JOIN LATERAL (
       SELECT id, status, created_at FROM deliveries
       WHERE endpoint_id = e.id ORDER BY id DESC LIMIT 1
     ) last ON true
     WHERE e.site_id = $1 AND e.deleted_at IS NULL AND ($3::text IS NULL OR e.id > $3)
     GROUP BY e.id, last.id, last.status, last.created_at
     ORDER BY e.id LIMIT $4`,
    [siteId, since, page.after ?? null, page.limit],
  );
  return rows.map((row) => ({
    endpointId: row.endpoint_id,
    counts: toCounts(row),
    lastDelivery: row.last_id
      ? { id: row.last_id, status: row.last_status, createdAt: row.last_created_at }
      : null,
  }));
}

/**
 * Returns the deliveries of an endpoint created in [since, until) counted by status in
 * consecutive buckets of `bucketMs`, the first starting at `since`. Every bucket is present,
 * empty ones with zero counts.
 */
export async function countDeliveriesOverTime(
  pool: Pool,
  endpointId: string,
  range: { since: Date; until: Date; bucketMs: number },
): Promise<DeliveryBucket[]> {
  const { rows } = await pool.query(
    `SELECT floor(extract(epoch FROM d.created_at - $2::timestamptz) * 1000 / $4)::int AS bucket,
            ${COUNT_COLUMNS}
     FROM deliveries d
     WHERE d.endpoint_id = $1 AND d.created_at >= $2 AND d.created_at < $3
     GROUP BY 1`,
    [endpointId, range.since, range.until, range.bucketMs],
  );

  const bucketCount = Math.ceil((range.until.getTime() - range.since.getTime()) / range.bucketMs);
  const buckets: DeliveryBucket[] = Array.from({ length: bucketCount }, (_, index) => ({
    start: new Date(range.since.getTime() + index * range.bucketMs),
    counts: emptyCounts(),
  }));
  for (const row of rows) {
    const bucket = buckets[row.bucket];
    if (bucket) bucket.counts = toCounts(row);
  }
  return buckets;
}

/** Returns the newest delivery of an endpoint, or null when it has none. */
export async function findLastDelivery(
  pool: Pool,
  endpointId: string,
): Promise<LastDelivery | null> {
  const { rows } = await pool.query(
    `SELECT id, status, created_at FROM deliveries WHERE endpoint_id = $1
     ORDER BY id DESC LIMIT 1`,
    [endpointId],
  );
  const row = rows[0];
  return row ? { id: row.id, status: row.status, createdAt: row.created_at } : null;
}
