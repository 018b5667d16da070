import type { Pool, PoolClient } from 'pg';
import { newId } from '../ids';
import { deliveryWorkflowId, redeliveryWorkflowId } from '../temporal/workflow-ids';
import type { StoredSigningSecrets } from '../delivery/signing-secrets';
import type { SecretBox } from '../secrets/secret-box';
import { decryptSigningSecrets } from './endpoint-secrets';
import type { EndpointStatus } from './endpoints';

/** Lifecycle of a delivery. `retrying` means it sleeps until `next_attempt_at`. */
export type DeliveryStatus = 'pending' | 'retrying' | 'succeeded' | 'failed' | 'cancelled';

/** A delivery's ids, everything its workflow needs to start. */
export interface DeliveryTarget {
  deliveryId: string;
  workflowId: string;
  eventId: string;
  endpointId: string;
  siteId: string;
  eventType: string;
}

/**
 * Creates the first delivery of an event for each endpoint of its site that receives events
 * and subscribes to its type. Safe to run again: existing deliveries are kept and returned.
 */
export async function createDeliveriesForEvent(
  db: Pool | PoolClient,
  eventId: string,
): Promise<DeliveryTarget[]> {
  const { rows: endpoints } = await db.query<{ id: string }>(
    `SELECT ep.id FROM events ev
     JOIN endpoints ep ON ep.site_id = ev.site_id
     WHERE ev.id = $1 AND ep.status IN ('active', 'failing') AND ev.type = ANY (ep.event_types)`,
    [eventId],
  );

  if (endpoints.length > 0) {
    const ids = endpoints.map(() => newId('dlv'));
    const endpointIds = endpoints.map((endpoint) => endpoint.id);
    const workflowIds = endpointIds.map((endpointId) => deliveryWorkflowId(eventId, endpointId));
    await db.query(
      `INSERT INTO deliveries (id, event_id, endpoint_id, site_id, event_type, workflow_id, status)
       SELECT t.id, ev.id, t.endpoint_id, ev.site_id, ev.type, t.workflow_id, 'pending'
       FROM unnest($2::text[], $3::text[], $4::text[]) AS t (id, endpoint_id, workflow_id)
       CROSS JOIN events ev
       WHERE ev.id = $1
       ON CONFLICT (event_id, endpoint_id) WHERE redelivery_of IS NULL DO NOTHING`,
      [eventId, ids, endpointIds, workflowIds],
    );
  }

  const { rows } = await db.query<{
    id: string;
    workflow_id: string;
    endpoint_id: string;
    site_id: string;
    event_type: string;
  }>(
    `SELECT id, workflow_id, endpoint_id, site_id, event_type FROM deliveries
     WHERE event_id = $1 AND redelivery_of IS NULL ORDER BY id`,
    [eventId],
  );
  return rows.map((row) => ({
    deliveryId: row.id,
    workflowId: row.workflow_id,
    eventId,
    endpointId: row.endpoint_id,
    siteId: row.site_id,
    eventType: row.event_type,
  }));
}

/**
 * Records a redelivery of `originalId`: a new delivery of the same event to the same endpoint,
 * linked to the original. Returns null when the endpoint does not receive events now.
 */
export async function createRedelivery(
  pool: Pool,
  originalId: string,
): Promise<DeliveryTarget | null> {
  const id = newId('dlv');
  const { rows } = await pool.query<{
    endpoint_id: string;
    event_id: string;
    site_id: string;
    event_type: string;
  }>(
    `INSERT INTO deliveries (id, event_id, endpoint_id, site_id, event_type, workflow_id, status,
                             redelivery_of)
     SELECT $1, d.event_id, d.endpoint_id, d.site_id, d.event_type, $2, 'pending', d.id
     FROM deliveries d JOIN endpoints ep ON ep.id = d.endpoint_id
     WHERE d.id = $3 AND ep.status IN ('active', 'failing')
     RETURNING endpoint_id, event_id, site_id, event_type`,
    [id, redeliveryWorkflowId(id), originalId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    deliveryId: id,
    workflowId: redeliveryWorkflowId(id),
    eventId: row.event_id,
    endpointId: row.endpoint_id,
    siteId: row.site_id,
    eventType: row.event_type,
  };
}

/**
 * Records the delivery of a test event to the one endpoint it was sent to. Returns null when the
 * endpoint does not receive events now.
 */
export async function createTestDelivery(
  db: Pool | PoolClient,
  eventId: string,
  endpointId: string,
): Promise<DeliveryTarget | null> {
  const id = newId('dlv');
  const workflowId = deliveryWorkflowId(eventId, endpointId);
  const { rows } = await db.query<{ site_id: string; event_type: string }>(
    `INSERT INTO deliveries (id, event_id, endpoint_id, site_id, event_type, workflow_id, status)
     SELECT $1, ev.id, ep.id, ev.site_id, ev.type, $4, 'pending'
     FROM events ev JOIN endpoints ep ON ep.site_id = ev.site_id
     WHERE ev.id = $2 AND ep.id = $3 AND ep.status IN ('active', 'failing')
     RETURNING site_id, event_type`,
    [id, eventId, endpointId, workflowId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    deliveryId: id,
    workflowId,
    eventId,
    endpointId,
    siteId: row.site_id,
    eventType: row.event_type,
  };
}

/** Deletes a delivery that has no attempts, such as a redelivery whose workflow did not start. */
export async function deleteUnattemptedDelivery(pool: Pool, id: string): Promise<void> {
  await pool.query('DELETE FROM deliveries WHERE id = $1 AND attempt_count = 0', [id]);
}

/** Everything one attempt needs, secrets included. It never leaves the worker. */
export interface AttemptContext extends StoredSigningSecrets {
  deliveryId: string;
  deliveryStatus: DeliveryStatus;
  eventId: string;
  eventType: string;
  body: string;
  endpointId: string;
  endpointUrl: string;
  endpointStatus: EndpointStatus;
}

/**
 * Loads a delivery with its event body and endpoint, secrets decrypted, or null when the delivery
 * is gone.
 *
 * @throws SecretDecryptionError when a secret cannot be decrypted with `secretBox`.
 */
export async function loadAttemptContext(
  pool: Pool,
  secretBox: SecretBox,
  deliveryId: string,
): Promise<AttemptContext | null> {
  const { rows } = await pool.query(
    `SELECT d.id, d.status, ev.id AS event_id, ev.type, ev.body,
            ep.id AS endpoint_id, ep.url, ep.status AS endpoint_status, ep.secret,
            ep.previous_secret, ep.previous_secret_expires_at
     FROM deliveries d
     JOIN events ev ON ev.id = d.event_id
     JOIN endpoints ep ON ep.id = d.endpoint_id
     WHERE d.id = $1`,
    [deliveryId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    deliveryId: row.id,
    deliveryStatus: row.status,
    eventId: row.event_id,
    eventType: row.type,
    body: row.body,
    endpointId: row.endpoint_id,
    endpointUrl: row.url,
    endpointStatus: row.endpoint_status,
    ...decryptSigningSecrets(secretBox, row.endpoint_id, row),
  };
}

/** One attempt's outcome as stored. */
export interface RecordedAttempt {
  attemptNumber: number;
  startedAt: Date;
  durationMs: number;
  succeeded: boolean;
  statusCode: number | null;
  errorClass: string | null;
  errorMessage: string | null;
  responseExcerpt: string | null;
  /** Headers sent, signatures hidden; null for attempts recorded before headers were kept. */
  requestHeaders?: Record<string, string> | null;
}

/** Returns an attempt already recorded, so that a re-run activity does not send it again. */
export async function findAttempt(
  pool: Pool,
  deliveryId: string,
  attemptNumber: number,
): Promise<RecordedAttempt | null> {
  const attempts = await listAttempts(pool, deliveryId, attemptNumber);
  return attempts[0] ?? null;
}

/** Returns a delivery's attempts in order, or just the one numbered `only`. */
export async function listAttempts(
  pool: Pool,
  deliveryId: string,
  only?: number,
): Promise<RecordedAttempt[]> {
  const { rows } = await pool.query(
    `SELECT attempt_number, started_at, duration_ms, succeeded, status_code, error_class,
            error_message, response_excerpt, request_headers
     FROM delivery_attempts
     WHERE delivery_id = $1 AND ($2::int IS NULL OR attempt_number = $2)
     ORDER BY attempt_number`,
    [deliveryId, only ?? null],
  );
  return rows.map((row) => ({
    attemptNumber: row.attempt_number,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    succeeded: row.succeeded,
    statusCode: row.status_code,
    errorClass: row.error_class,
    errorMessage: row.error_message,
    responseExcerpt: row.response_excerpt,
    requestHeaders: row.request_headers,
  }));
}

/** Inserts an attempt, or overwrites the row when our own retry repeats the same attempt. */
export async function upsertAttempt(
  client: PoolClient,
  deliveryId: string,
  attempt: RecordedAttempt,
): Promise<void> {
  await client.query(
    `INSERT INTO delivery_attempts (delivery_id, attempt_number, started_at, duration_ms, succeeded,
       status_code, error_class, error_message, response_excerpt, request_headers)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (delivery_id, attempt_number) DO UPDATE SET
       started_at = EXCLUDED.started_at, duration_ms = EXCLUDED.duration_ms,
       succeeded = EXCLUDED.succeeded, status_code = EXCLUDED.status_code,
       error_class = EXCLUDED.error_class, error_message = EXCLUDED.error_message,
       response_excerpt = EXCLUDED.response_excerpt, request_headers = EXCLUDED.request_headers`,
    [
      deliveryId,
      attempt.attemptNumber,
      attempt.startedAt,
      attempt.durationMs,
      attempt.succeeded,
      attempt.statusCode,
      attempt.errorClass,
      attempt.errorMessage,
      attempt.responseExcerpt,
      attempt.requestHeaders ? JSON.stringify(attempt.requestHeaders) : null,
    ],
  );
}

/** Sets a delivery's state after an attempt. */
export async function updateDeliveryAfterAttempt(
  client: PoolClient,
  deliveryId: string,
  change: {
    status: DeliveryStatus;
    attemptCount: number;
    nextAttemptAt: Date | null;
    lastStatusCode: number | null;
    lastError: string | null;
  },
): Promise<void> {
  await client.query(
    `UPDATE deliveries
     SET status = $2, attempt_count = $3, next_attempt_at = $4, last_status_code = $5,
         last_error = $6, updated_at = now(),
         completed_at = CASE WHEN $2 IN ('succeeded', 'failed', 'cancelled') THEN now() END
     WHERE id = $1`,
    [
      deliveryId,
      change.status,
      change.attemptCount,
      change.nextAttemptAt,
      change.lastStatusCode,
      change.lastError,
    ],
  );
}

/** Marks a delivery cancelled, for example because its endpoint went away. */
export async function cancelDelivery(pool: Pool, deliveryId: string): Promise<void> {
  await pool.query(
    `UPDATE deliveries SET status = 'cancelled', next_attempt_at = NULL, updated_at = now(),
       completed_at = now()
     WHERE id = $1 AND status IN ('pending', 'retrying')`,
    [deliveryId],
  );
}
