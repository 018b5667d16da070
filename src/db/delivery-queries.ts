import type { Pool } from 'pg';
import type { DeliveryStatus } from './deliveries';

/** A delivery as the API shows it. */
export interface DeliveryRecord {
  id: string;
  eventId: string;
  eventType: string;
  endpointId: string;
  siteId: string;
  workflowId: string;
  redeliveryOf: string | null;
  /** Recovery that created this redelivery, or null. */
  recoveryId: string | null;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

const COLUMNS = `id, event_id, event_type, endpoint_id, site_id, workflow_id, redelivery_of,
  recovery_id, status, attempt_count, next_attempt_at, last_status_code, last_error, created_at,
  updated_at, completed_at`;

function toRecord(row: Record<string, any>): DeliveryRecord {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    endpointId: row.endpoint_id,
    siteId: row.site_id,
    workflowId: row.workflow_id,
    redeliveryOf: row.redelivery_of,
    recoveryId: row.recovery_id,
    status: row.status,
    attemptCount: row.attempt_count,
    nextAttemptAt: row.next_attempt_at,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
  };
}

/** Filters of a delivery list; times bound `created_at`, the start inclusive, the end not. */
export interface DeliveryFilters {
  status?: DeliveryStatus;
  eventType?: string;
  createdFrom?: Date;
  createdBefore?: Date;
}

/** Whose deliveries to list: one endpoint's or one event's, both within a site. */
export type DeliveryScope = { endpointId: string } | { eventId: string };

/**
 * Returns up to `limit` deliveries of an endpoint or an event, newest first, starting after the id
 * `before`. Ids are time-ordered, so the last id of one page is the cursor of the next.
 */
export async function listDeliveries(
  pool: Pool,
  scope: DeliveryScope,
  filters: DeliveryFilters,
  page: { limit: number; before?: string },
): Promise<DeliveryRecord[]> {
  const column = 'endpointId' in scope ? 'endpoint_id' : 'event_id';
  const scopeId = 'endpointId' in scope ? scope.endpointId : scope.eventId;
  const { rows } = await pool.query(
    `SELECT ${COLUMNS} FROM deliveries
     WHERE ${column} = $1
       AND ($2::text IS NULL OR id < $2)
       AND ($3::text IS NULL OR status = $3)
       AND ($4::text IS NULL OR event_type = $4)
       AND ($5::timestamptz IS NULL OR created_at >= $5)
       AND ($6::timestamptz IS NULL OR created_at < $6)
     ORDER BY id DESC LIMIT $7`,
    [
      scopeId,
      page.before ?? null,
      filters.status ?? null,
      filters.eventType ?? null,
      filters.createdFrom ?? null,
      filters.createdBefore ?? null,
      page.limit,
    ],
  );
  return rows.map(toRecord);
}

/** Returns one delivery of a site with the exact body it sends, or null. */
export async function findDelivery(
  pool: Pool,
  siteId: string,
  id: string,
): Promise<(DeliveryRecord & { body: string }) | null> {
  const { rows } = await pool.query(
    `SELECT ${COLUMNS.replace(/(\w+)/g, 'd.$1')}, ev.body
     FROM deliveries d JOIN events ev ON ev.id = d.event_id
     WHERE d.site_id = $1 AND d.id = $2`,
    [siteId, id],
  );
  const row = rows[0];
  return row ? { ...toRecord(row), body: row.body } : null;
}
