import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { newId } from '../ids';

/** Prefix of site API keys, so a leaked key is recognisable in a scan. */
export const API_KEY_PREFIX = 'pwk_';

/** A site as stored. */
export interface Site {
  id: string;
  name: string;
  ownerEmail: string;
}

/** Returns the SHA-256 of an API key: keys are long random strings, so no slow hash is needed. */
export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** Creates a random site API key. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(24).toString('base64url');
}

/** Inserts a site, or updates its name and owner email when the id exists. */
export async function upsertSite(pool: Pool, site: Site): Promise<void> {
  await pool.query(
    `INSERT INTO sites (id, name, owner_email) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, owner_email = EXCLUDED.owner_email`,
    [site.id, site.name, site.ownerEmail],
  );
}

/** Stores the hash of `key` as an API key of the site; a key stored before is left as it is. */
export async function addApiKey(pool: Pool, siteId: string, key: string): Promise<void> {
  await pool.query(
    `INSERT INTO api_keys (id, site_id, key_hash, key_prefix) VALUES ($1, $2, $3, $4)
     ON CONFLICT (key_hash) DO NOTHING`,
    [newId('key'), siteId, hashApiKey(key), key.slice(0, API_KEY_PREFIX.length + 4)],
  );
}

/**
 * Returns the site id an API key belongs to, or null for an unknown or revoked key. The lookup
 * goes by hash, so no comparison of secret bytes happens in JavaScript.
 */
export async function findSiteIdByApiKey(pool: Pool, key: string): Promise<string | null> {
  const { rows } = await pool.query<{ site_id: string }>(
    `UPDATE api_keys SET last_used_at = now()
     WHERE key_hash = $1 AND revoked_at IS NULL
     RETURNING site_id`,
    [hashApiKey(key)],
  );
  return rows[0]?.site_id ?? null;
}

/** Returns a site, or null when it does not exist. */
export async function findSite(pool: Pool, siteId: string): Promise<Site | null> {
  const { rows } = await pool.query<{ id: string; name: string; owner_email: string }>(
    'SELECT id, name, owner_email FROM sites WHERE id = $1',
    [siteId],
  );
  const row = rows[0];
  return row ? { id: row.id, name: row.name, ownerEmail: row.owner_email } : null;
}
