import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { newId } from '../ids';

/** Prefix of dashboard session tokens, so that `requireSiteKey` distinguishes them from API keys. */
export const SESSION_TOKEN_PREFIX = 'pds_';

/** Prefix of single-use sign-in tokens. */
export const SIGN_IN_TOKEN_PREFIX = 'psi_';

/** How long a dashboard session lasts: a working day, after which the owner signs in again. */
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;

/** How long a sign-in token stays usable after it is created. */
export const SIGN_IN_TOKEN_LIFETIME_MS = 15 * 60 * 1000;

// Expired sessions and sign-in tokens are kept this long for inspection, then deleted.
const EXPIRED_ROW_RETENTION = '1 day';

/** A session as created: the token is returned once and only its hash is stored. */
export interface CreatedSession {
  id: string;
  siteId: string;
  token: string;
  expiresAt: Date;
}

/** The session behind a token that is still valid. */
export interface LiveSession {
  id: string;
  siteId: string;
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

// 32 random bytes: tokens are bearer credentials, so they must not be guessable.
function generateToken(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

/**
 * Creates a dashboard session for a site. `apiKeyId` is the key that opened it, so that revoking
 * the key ends the session too; null for a session opened with a sign-in token. Expired sessions
 * of every site are deleted on the way, which keeps the table small without a scheduled job.
 */
export async function createSession(
  pool: Pool,
  siteId: string,
  apiKeyId: string | null,
  lifetimeMs: number = SESSION_LIFETIME_MS,
): Promise<CreatedSession> {
  await pool.query(
    `DELETE FROM dashboard_sessions WHERE expires_at < now() - interval '${EXPIRED_ROW_RETENTION}'`,
  );
  const id = newId('dss');
  const token = generateToken(SESSION_TOKEN_PREFIX);
  const { rows } = await pool.query<{ expires_at: Date }>(
    `INSERT INTO dashboard_sessions (id, site_id, token_hash, api_key_id, expires_at)
     VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')
     RETURNING expires_at`,
    [id, siteId, hashToken(token), apiKeyId, lifetimeMs],
  );
  return { id, siteId, token, expiresAt: rows[0]!.expires_at };
}

/**
 * Returns the session of a token that has not expired, was not ended by sign-out and whose API key
 * is still live, or null.
 */
export async function findLiveSession(pool: Pool, token: string): Promise<LiveSession | null> {
  const { rows } = await pool.query<{ id: string; site_id: string }>(
    `SELECT s.id, s.site_id FROM dashboard_sessions s
     LEFT JOIN api_keys k ON k.id = s.api_key_id
     WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
       AND (s.api_key_id IS NULL OR k.revoked_at IS NULL)`,
    [hashToken(token)],
  );
  const row = rows[0];
  return row ? { id: row.id, siteId: row.site_id } : null;
}

/** Ends a session, as sign-out does. Ending an ended session changes nothing. */
export async function revokeSession(pool: Pool, sessionId: string): Promise<void> {
  await pool.query(
    'UPDATE dashboard_sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
    [sessionId],
  );
}

/** Creates a single-use sign-in token for a site and returns it with its expiry. */
export async function createSignInToken(
  pool: Pool,
  siteId: string,
  lifetimeMs: number = SIGN_IN_TOKEN_LIFETIME_MS,
): Promise<{ token: string; expiresAt: Date }> {
  await pool.query(
    `DELETE FROM dashboard_sign_in_tokens
     WHERE expires_at < now() - interval '${EXPIRED_ROW_RETENTION}'`,
  );
  const token = generateToken(SIGN_IN_TOKEN_PREFIX);
  const { rows } = await pool.query<{ expires_at: Date }>(
    `INSERT INTO dashboard_sign_in_tokens (id, site_id, token_hash, expires_at)
     VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
     RETURNING expires_at`,
    [newId('sit'), siteId, hashToken(token), lifetimeMs],
  );
  return { token, expiresAt: rows[0]!.expires_at };
}

/**
 * Marks a sign-in token used and returns its site, or null when the token is unknown, expired or
 * used already. One UPDATE both checks and marks, so two requests with the same token cannot
 * both succeed.
 */
export async function consumeSignInToken(pool: Pool, token: string): Promise<string | null> {
  const { rows } = await pool.query<{ site_id: string }>(
    `UPDATE dashboard_sign_in_tokens SET used_at = now()
     WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
     RETURNING site_id`,
    [hashToken(token)],
  );
  return rows[0]?.site_id ?? null;
}
