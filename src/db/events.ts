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
