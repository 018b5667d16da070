import type { PoolClient } from 'pg';

/** How long an Idempotency-Key is remembered; a later request with it starts afresh. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

/** The stored response to a request made with an Idempotency-Key. */
export interface StoredResponse {
  requestFingerprint: Buffer;
  status: number;
  body: unknown;
}

/**
 * Locks `key` until the end of the caller's transaction, so that two requests with one key run
 * one after the other. Returns the response stored for it within the time to live, if any.
 */
export async function lockIdempotencyKey(
  client: PoolClient,
  key: string,
): Promise<StoredResponse | null> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    `idempotency:${key}`,
  ]);
  const { rows } = await client.query<{
    request_fingerprint: Buffer;
    response_status: number;
    response_body: unknown;
  }>(
    `SELECT request_fingerprint, response_status, response_body FROM idempotency_keys
     WHERE key = $1 AND created_at > now() - make_interval(hours => $2)`,
    [key, IDEMPOTENCY_KEY_TTL_HOURS],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    requestFingerprint: row.request_fingerprint,
    status: row.response_status,
    body: row.response_body,
  };
}

/** Stores the response to a request made with `key`, replacing one whose time to live ran out. */
export async function storeIdempotentResponse(
  client: PoolClient,
  key: string,
  response: StoredResponse,
): Promise<void> {
  // NOTE: expired rows are replaced when their key comes back, but nothing prunes the others yet.
  await client.query(
    `INSERT INTO idempotency_keys (key, request_fingerprint, response_status, response_body)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (key) DO UPDATE SET request_fingerprint = EXCLUDED.request_fingerprint,
       response_status = EXCLUDED.response_status, response_body = EXCLUDED.response_body,
       created_at = now()`,
    [key, response.requestFingerprint, response.status, JSON.stringify(response.body)],
  );
}
