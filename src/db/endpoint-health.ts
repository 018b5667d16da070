import type { PoolClient } from 'pg';

/** Returns a failing endpoint to `active` after a delivery succeeds; other statuses stay. */
export async function markEndpointRecovered(
  client: PoolClient,
  endpointId: string,
): Promise<boolean> {
  const { rowCount } = await client.query(
    `UPDATE endpoints SET status = 'active', failing_since = NULL, status_reason = NULL, updated_at = now()
     WHERE id = $1 AND status = 'failing'`,
    [endpointId],
  );
  return rowCount === 1;
}

/**
 * Marks an active endpoint `failing` after a delivery exhausts its attempts, and returns when the
 * current failing episode began (now, or earlier if it was failing already). Returns null when the
 * endpoint is in neither state, for example disabled meanwhile.
 */
export async function markEndpointFailing(
  client: PoolClient,
  endpointId: string,
  reason: string,
): Promise<Date | null> {
  const { rows } = await client.query<{ failing_since: Date }>(
    `UPDATE endpoints
     SET status = 'failing', status_reason = $2, updated_at = now(),
         failing_since = COALESCE(failing_since, now())
     WHERE id = $1 AND status IN ('active', 'failing')
     RETURNING failing_since`,
    [endpointId, reason],
  );
  return rows[0]?.failing_since ?? null;
}
