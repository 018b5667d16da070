import { createHash, randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { newId } from '../ids';

/** Prefix of site API keys, so a leaked key is recognisable in a scan. */
export const API_KEY_PREFIX = 'pwk_';

/** Characters of a key kept in clear, enough to tell keys apart in a list. */
const VISIBLE_KEY_LENGTH = API_KEY_PREFIX.length + 4;

/** A site API key as listed: never the key itself. */
export interface ApiKeyRecord {
  id: string;
  siteId: string;
  name: string;
  /** The first characters of the key, such as `pwk_Ab3x`. */
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** Returns the SHA-256 of an API key: keys are long random strings, so no slow hash is needed. */
export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** Creates a random site API key. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(24).toString('base64url');
}

const COLUMNS = 'id, site_id, name, key_prefix, created_at, last_used_at, revoked_at';

function toRecord(row: Record<string, any>): ApiKeyRecord {
  return {
    id: row.id,
    siteId: row.site_id,
    name: row.name,
    prefix: row.key_prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

/** Stores the hash of `key` as an API key of the site; a key stored before is left as it is. */
export async function addApiKey(
  db: Pool | PoolClient,
  siteId: string,
  key: string,
  name = '',
): Promise<ApiKeyRecord | null> {
  const { rows } = await db.query(
    `INSERT INTO api_keys (id, site_id, key_hash, key_prefix, name) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (key_hash) DO NOTHING
     RETURNING ${COLUMNS}`,
    [newId('key'), siteId, hashApiKey(key), key.slice(0, VISIBLE_KEY_LENGTH), name],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Creates a new key for a site and returns it with its record; the key is not kept. */
export async function createApiKey(
  db: Pool | PoolClient,
  siteId: string,
  name: string,
): Promise<{ key: string; record: ApiKeyRecord }> {
  const key = generateApiKey();
  const record = await addApiKey(db, siteId, key, name);
  // 192 random bits make a collision with a stored key impossible in practice.
  if (!record) throw new Error('a freshly generated API key collided with a stored one');
  return { key, record };
}

/**
 * Returns the id and site of a live API key, or null for an unknown or revoked key, and records
 * its use. The lookup goes by hash, so no comparison of secret bytes happens in JavaScript. The
 * last-used time is written at most once a minute per key, to keep reads from turning into writes.
 */
export async function findLiveApiKey(
  pool: Pool,
  key: string,
): Promise<{ id: string; siteId: string } | null> {
  const hash = hashApiKey(key);
  const { rows } = await pool.query<{ id: string; site_id: string; stale: boolean }>(
    `SELECT id, site_id,
            (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') AS stale
     FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
    [hash],
  );
  const row = rows[0];
  if (!row) return null;
  if (row.stale) {
    await pool.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [row.id]);
  }
  return { id: row.id, siteId: row.site_id };
}

/** Returns the site id a live API key belongs to, or null, and records its use. */
export async function findSiteIdByApiKey(pool: Pool, key: string): Promise<string | null> {
  return (await findLiveApiKey(pool, key))?.siteId ?? null;
}

/** Returns a site's keys, revoked ones included, oldest first. */
export async function listApiKeys(pool: Pool, siteId: string): Promise<ApiKeyRecord[]> {
  const { rows } = await pool.query(
    `SELECT ${COLUMNS} FROM api_keys WHERE site_id = $1 ORDER BY id`,
    [siteId],
  );
  return rows.map(toRecord);
}

/** Outcome of revoking a key. */
export type RevokeOutcome =
  | { kind: 'revoked'; record: ApiKeyRecord }
  /** Revoking it would leave the site with no live key, and so with no way back in. */
  | { kind: 'lastKey' }
  | { kind: 'notFound' };

/**
 * Revokes a key of a site. Revoking a revoked key again changes nothing and reports it revoked.
 * The site's live keys are locked first, so two requests cannot each revoke one of the last two.
 */
export async function revokeApiKey(
  client: PoolClient,
  siteId: string,
  id: string,
): Promise<RevokeOutcome> {
  const { rows } = await client.query(
    `SELECT ${COLUMNS} FROM api_keys WHERE site_id = $1 AND revoked_at IS NULL FOR UPDATE`,
    [siteId],
  );
  const live = rows.map(toRecord);
  if (!live.some((key) => key.id === id)) {
    const { rows: revoked } = await client.query(
      `SELECT ${COLUMNS} FROM api_keys WHERE site_id = $1 AND id = $2`,
      [siteId, id],
    );
    return revoked[0] ? { kind: 'revoked', record: toRecord(revoked[0]) } : { kind: 'notFound' };
  }
  if (live.length === 1) return { kind: 'lastKey' };

  const { rows: updated } = await client.query(
    `UPDATE api_keys SET revoked_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
    [id],
  );
  return { kind: 'revoked', record: toRecord(updated[0]) };
}
