import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { EventEnvelope } from '../events/envelope';

/** What happened when an event was stored. */
export type StoreEventResult = 'stored' | 'duplicate' | 'conflict';

/**
 * Stores an accepted event with its serialized body. Publishing the same id again with the same
 * body is a `duplicate` (nothing changes); the same id with another body is a `conflict`.
 */
export async function storeEvent(
  db: Pool | PoolClient,
  envelope: EventEnvelope,
  body: string,
): Promise<StoreEventResult> {
  const bodyHash = createHash('sha256').update(body, 'utf8').digest();
  const siteId = String(envelope.data.site_id);
  const inserted = await db.query(
    `INSERT INTO events (id, site_id, type, occurred_at, body, body_sha256)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO NOTHING`,
    [envelope.id, siteId, envelope.event, envelope.timestamp, body, bodyHash],
  );
  if (inserted.rowCount === 1) return 'stored';

  const { rows } = await db.query<{ body_sha256: Buffer }>(
    'SELECT body_sha256 FROM events WHERE id = $1',
    [envelope.id],
  );
  return rows[0]?.body_sha256.equals(bodyHash) ? 'duplicate' : 'conflict';
}

/** Returns true when the event has been stored (committed, from the caller's point of view). */
export async function eventExists(pool: Pool, id: string): Promise<boolean> {
  const { rowCount } = await pool.query('SELECT 1 FROM events WHERE id = $1', [id]);
  return rowCount === 1;
}
