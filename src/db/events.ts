import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { EventEnvelope } from '../events/envelope';

/** Outcome of storing an event. */
export type StoreEventResult = 'stored' | 'duplicate' | 'conflict';

/**
 * Stores an accepted event with its serialized body. Publishing the same id again with the same
 * fingerprint is a `duplicate` (nothing changes); the same id with another one is a `conflict`.
 */
export async function storeEvent(
  db: Pool | PoolClient,
  envelope: EventEnvelope,
  body: string,
  fingerprint: Buffer,
): Promise<StoreEventResult> {
  const siteId = String(envelope.data.site_id);
  const inserted = await db.query(
    `INSERT INTO events (id, site_id, type, occurred_at, body, fingerprint)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO NOTHING`,
    [envelope.id, siteId, envelope.event, envelope.timestamp, body, fingerprint],
  );
  if (inserted.rowCount === 1) return 'stored';

  const { rows } = await db.query<{ fingerprint: Buffer }>(
    'SELECT fingerprint FROM events WHERE id = $1',
    [envelope.id],
  );
  return rows[0]?.fingerprint.equals(fingerprint) ? 'duplicate' : 'conflict';
}

/** Returns true when the event has been stored (committed, from the caller's point of view). */
export async function eventExists(pool: Pool, id: string): Promise<boolean> {
  const { rowCount } = await pool.query('SELECT 1 FROM events WHERE id = $1', [id]);
  return rowCount === 1;
}

/** An event as the API shows it. */
export interface EventRecord {
  id: string;
  siteId: string;
  type: string;
  occurredAt: Date;
  receivedAt: Date;
  test: boolean;
}

const EVENT_COLUMNS = 'id, site_id, type, occurred_at, received_at, test';

function toEventRecord(row: Record<string, any>): EventRecord {
  return {
    id: row.id,
    siteId: row.site_id,
    type: row.type,
    occurredAt: row.occurred_at,
    receivedAt: row.received_at,
    test: row.test,
  };
}

/** Outcome of an event at one endpoint: its latest delivery there. */
export interface EndpointOutcome {
  endpointId: string;
  endpointUrl: string;
  deliveryId: string;
  status: string;
  attemptCount: number;
  lastStatusCode: number | null;
  completedAt: Date | null;
  /** Deliveries of the event to this endpoint, redeliveries included. */
  deliveries: number;
}

/** Returns one event of a site with its exact body and its outcome per endpoint, or null. */
export async function findEventWithOutcomes(
  pool: Pool,
  siteId: string,
  id: string,
): Promise<{ event: EventRecord; body: string; outcomes: EndpointOutcome[] } | null> {
  const { rows } = await pool.query(
    `SELECT ${EVENT_COLUMNS}, body FROM events WHERE site_id = $1 AND id = $2`,
    [siteId, id],
  );
  const row = rows[0];
  if (!row) return null;

  // The latest delivery per endpoint gives its outcome, because a redelivery supersedes the original.
  const { rows: outcomes } = await pool.query(
    `SELECT DISTINCT ON (d.endpoint_id)
            d.endpoint_id, ep.url, d.id, d.status, d.attempt_count, d.last_status_code,
            d.completed_at, count(*) OVER (PARTITION BY d.endpoint_id) AS deliveries
     FROM deliveries d JOIN endpoints ep ON ep.id = d.endpoint_id
     WHERE d.event_id = $1 AND d.site_id = $2
     ORDER BY d.endpoint_id, d.id DESC`,
    [id, siteId],
  );
  return {
    event: toEventRecord(row),
    body: row.body,
    outcomes: outcomes.map((outcome) => ({
      endpointId: outcome.endpoint_id,
      endpointUrl: outcome.url,
      deliveryId: outcome.id,
      status: outcome.status,
      attemptCount: outcome.attempt_count,
      lastStatusCode: outcome.last_status_code,
      completedAt: outcome.completed_at,
      deliveries: Number(outcome.deliveries),
    })),
  };
}

/** Stores a test event that the site's owner sends to one endpoint. */
export async function insertTestEvent(
  db: Pool | PoolClient,
  envelope: EventEnvelope,
  body: string,
): Promise<void> {
  await db.query(
    `INSERT INTO events (id, site_id, type, occurred_at, body, fingerprint, test)
     VALUES ($1, $2, $3, $4, $5, $6, true)`,
    [
      envelope.id,
      String(envelope.data.site_id),
      envelope.event,
      envelope.timestamp,
      body,
      createHash('sha256').update(body).digest(),
    ],
  );
}
