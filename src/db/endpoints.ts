import type { Pool, PoolClient } from 'pg';
import type { StoredSigningSecrets } from '../delivery/signing-secrets';
import type { SecretBox } from '../secrets/secret-box';
import { decryptSigningSecrets, type EncryptedSecretColumns } from './endpoint-secrets';

/** Lifecycle of an endpoint. Only `active` and `failing` endpoints receive events. */
export type EndpointStatus =
  'pending_verification' | 'active' | 'failing' | 'verification_failed' | 'disabled';

/** Statuses whose endpoints receive events. */
export const RECEIVING_STATUSES: readonly EndpointStatus[] = ['active', 'failing'];

/** An endpoint as stored, without its secret. */
export interface Endpoint {
  id: string;
  siteId: string;
  url: string;
  description: string;
  eventTypes: string[];
  status: EndpointStatus;
  statusReason: string | null;
  verificationGeneration: number;
  verifiedAt: Date | null;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Fields of a new endpoint. */
export interface NewEndpoint {
  id: string;
  siteId: string;
  url: string;
  description: string;
  eventTypes: string[];
  /** The secret in plaintext, which `insertEndpoint` encrypts before storing it. */
  secret: string;
}

const COLUMNS = `id, site_id, url, description, event_types, status, status_reason,
  verification_generation, verified_at, failing_since, created_at, updated_at`;

interface EndpointRow {
  id: string;
  site_id: string;
  url: string;
  description: string;
  event_types: string[];
  status: EndpointStatus;
  status_reason: string | null;
  verification_generation: number;
  verified_at: Date | null;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
}

function toEndpoint(row: EndpointRow): Endpoint {
  return {
    id: row.id,
    siteId: row.site_id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types,
    status: row.status,
    statusReason: row.status_reason,
    verificationGeneration: row.verification_generation,
    verifiedAt: row.verified_at,
    failingSince: row.failing_since,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Inserts an endpoint awaiting its first verification, with its secret encrypted. */
export async function insertEndpoint(
  db: Pool | PoolClient,
  secretBox: SecretBox,
  endpoint: NewEndpoint,
): Promise<Endpoint> {
  const { rows } = await db.query<EndpointRow>(
    `INSERT INTO endpoints (id, site_id, url, description, event_types, secret, status)
     VALUES ($1, $2, $3, $4, $5, $6, 'pending_verification')
     RETURNING ${COLUMNS}`,
    [
      endpoint.id,
      endpoint.siteId,
      endpoint.url,
      endpoint.description,
      endpoint.eventTypes,
      secretBox.encrypt(endpoint.secret, endpoint.id),
    ],
  );
  return toEndpoint(rows[0]!);
}

/** Returns one endpoint of a site, or null when the site has no endpoint with that id. */
export async function findEndpoint(
  db: Pool | PoolClient,
  siteId: string,
  id: string,
): Promise<Endpoint | null> {
  const { rows } = await db.query<EndpointRow>(
    `SELECT ${COLUMNS} FROM endpoints WHERE site_id = $1 AND id = $2 AND deleted_at IS NULL`,
    [siteId, id],
  );
  return rows[0] ? toEndpoint(rows[0]) : null;
}

/** Filters and page of an endpoint list. */
export interface EndpointListQuery {
  status?: EndpointStatus;
  /** Only endpoints subscribed to this event type. */
  eventType?: string;
  limit: number;
  /** Id of the last endpoint of the previous page. */
  after?: string;
}

/** Returns a site's endpoints, oldest first, matching the filters. */
export async function listEndpoints(
  pool: Pool,
  siteId: string,
  query: EndpointListQuery,
): Promise<Endpoint[]> {
  const { rows } = await pool.query<EndpointRow>(
    `SELECT ${COLUMNS} FROM endpoints
     WHERE site_id = $1 AND deleted_at IS NULL
       AND ($2::text IS NULL OR status = $2)
       AND ($3::text IS NULL OR $3 = ANY (event_types))
       AND ($4::text IS NULL OR id > $4)
     ORDER BY id LIMIT $5`,
    [siteId, query.status ?? null, query.eventType ?? null, query.after ?? null, query.limit],
  );
  return rows.map(toEndpoint);
}

/** Fields an owner may change with `PATCH`; absent fields stay as they are. */
export interface EndpointChanges {
  url?: string;
  eventTypes?: string[];
  description?: string;
}

/**
 * Applies changes to an endpoint of a site. A new URL has not passed verification, so it is
 * verified again: the endpoint goes back to `pending_verification` under a new generation (a
 * disabled endpoint stays disabled, and is verified when enabled). Its waiting deliveries are
 * recorded as cancelled, since they would go to a URL not verified yet. Returns the endpoint,
 * whether a verification must start and the workflows to cancel, or null for an unknown endpoint.
 */
export async function updateEndpoint(
  client: PoolClient,
  siteId: string,
  id: string,
  changes: EndpointChanges,
): Promise<{ endpoint: Endpoint; verify: boolean; waitingWorkflowIds: string[] } | null> {
  const current = await lockEndpoint(client, siteId, id);
  if (!current) return null;

  const urlChanged = changes.url !== undefined && changes.url !== current.url;
  const { rows } = await client.query<EndpointRow>(
    `UPDATE endpoints
     SET url = $2, event_types = $3, description = $4, updated_at = now(),
         status = CASE WHEN $5 AND status <> 'disabled' THEN 'pending_verification' ELSE status END,
         status_reason = CASE WHEN $5 THEN NULL ELSE status_reason END,
         failing_since = CASE WHEN $5 THEN NULL ELSE failing_since END,
         verified_at = CASE WHEN $5 THEN NULL ELSE verified_at END,
         verification_generation = verification_generation + CASE WHEN $5 THEN 1 ELSE 0 END
     WHERE id = $1
     RETURNING ${COLUMNS}`,
    [
      id,
      changes.url ?? current.url,
      changes.eventTypes ?? current.eventTypes,
      changes.description ?? current.description,
      urlChanged,
    ],
  );
  const endpoint = toEndpoint(rows[0]!);
  const waiting = urlChanged ? await cancelWaitingDeliveries(client, id) : [];
  return {
    endpoint,
    verify: urlChanged && endpoint.status === 'pending_verification',
    waitingWorkflowIds: waiting,
  };
}

/**
 * Records an endpoint's waiting deliveries as cancelled and returns their workflow ids, for the
 * caller to cancel once its transaction commits.
 */
async function cancelWaitingDeliveries(client: PoolClient, endpointId: string): Promise<string[]> {
  const { rows } = await client.query<{ workflow_id: string }>(
    `UPDATE deliveries
     SET status = 'cancelled', next_attempt_at = NULL, completed_at = now(), updated_at = now()
     WHERE endpoint_id = $1 AND status IN ('pending', 'retrying')
     RETURNING workflow_id`,
    [endpointId],
  );
  return rows.map((row) => row.workflow_id);
}

/** Outcome of enabling or disabling an endpoint. */
export interface EnabledChange {
  endpoint: Endpoint;
  /** A verification must start: the endpoint was enabled with a URL not verified yet. */
  verify: boolean;
  /** Workflows of deliveries still waiting, to cancel now that the endpoint is disabled. */
  waitingWorkflowIds: string[];
}

/**
 * Disables or enables an endpoint of a site; doing it twice changes nothing. A disabled endpoint
 * receives no events and its waiting deliveries stop. Enabling returns it to `active` when its
 * URL was verified, and to `pending_verification` otherwise. Either way the generation moves on,
 * so that a verification still running for the old state cannot change the new one.
 */
export async function setEndpointEnabled(
  client: PoolClient,
  siteId: string,
  id: string,
  enabled: boolean,
): Promise<EnabledChange | null> {
  const current = await lockEndpoint(client, siteId, id);
  if (!current) return null;
  const isEnabled = current.status !== 'disabled';
  if (isEnabled === enabled) return { endpoint: current, verify: false, waitingWorkflowIds: [] };

  let status: EndpointStatus = 'disabled';
  if (enabled) status = current.verifiedAt ? 'active' : 'pending_verification';
  const { rows } = await client.query<EndpointRow>(
    `UPDATE endpoints
     SET status = $2, status_reason = NULL, failing_since = NULL, updated_at = now(),
         verification_generation = verification_generation + 1
     WHERE id = $1
     RETURNING ${COLUMNS}`,
    [id, status],
  );
  const waiting = enabled ? [] : await cancelWaitingDeliveries(client, id);
  return {
    endpoint: toEndpoint(rows[0]!),
    verify: status === 'pending_verification',
    waitingWorkflowIds: waiting,
  };
}

async function lockEndpoint(
  client: PoolClient,
  siteId: string,
  id: string,
): Promise<Endpoint | null> {
  const { rows } = await client.query<EndpointRow>(
    `SELECT ${COLUMNS} FROM endpoints
     WHERE site_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE`,
    [siteId, id],
  );
  return rows[0] ? toEndpoint(rows[0]) : null;
}

/** Statuses from which an owner may ask for verification again. */
export const REVERIFIABLE_STATUSES: readonly EndpointStatus[] = [
  'pending_verification',
  'verification_failed',
];

/**
 * Puts an endpoint back into `pending_verification` under a new generation, which retires any
 * verification still running, and ends a failing episode so that a later one gets its own email.
 * Only endpoints in `REVERIFIABLE_STATUSES` qualify: an active or failing endpoint would miss
 * events while pending. Returns the endpoint as it is afterwards, or null if it does not exist.
 */
export async function restartVerification(
  db: Pool | PoolClient,
  siteId: string,
  id: string,
): Promise<{ endpoint: Endpoint; restarted: boolean } | null> {
  const { rows } = await db.query<EndpointRow>(
    `UPDATE endpoints
     SET status = 'pending_verification', status_reason = NULL, failing_since = NULL,
         verification_generation = verification_generation + 1, updated_at = now()
     WHERE site_id = $1 AND id = $2 AND status = ANY ($3) AND deleted_at IS NULL
     RETURNING ${COLUMNS}`,
    [siteId, id, REVERIFIABLE_STATUSES],
  );
  if (rows[0]) return { endpoint: toEndpoint(rows[0]), restarted: true };

  const existing = await findEndpoint(db, siteId, id);
  return existing ? { endpoint: existing, restarted: false } : null;
}

/** Endpoint fields an outbound request needs, secrets included. They never leave the worker. */
export interface EndpointTarget extends StoredSigningSecrets {
  id: string;
  siteId: string;
  url: string;
  status: EndpointStatus;
  verificationGeneration: number;
}

/**
 * Returns what a verification request needs, secrets decrypted, or null when the endpoint is gone.
 *
 * @throws SecretDecryptionError when a secret cannot be decrypted with `secretBox`.
 */
export async function findEndpointTarget(
  pool: Pool,
  secretBox: SecretBox,
  id: string,
): Promise<EndpointTarget | null> {
  const { rows } = await pool.query<
    EncryptedSecretColumns & {
      id: string;
      site_id: string;
      url: string;
      status: EndpointStatus;
      verification_generation: number;
    }
  >(
    `SELECT id, site_id, url, secret, previous_secret, previous_secret_expires_at, status,
            verification_generation
     FROM endpoints WHERE id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    siteId: row.site_id,
    url: row.url,
    ...decryptSigningSecrets(secretBox, row.id, row),
    status: row.status,
    verificationGeneration: row.verification_generation,
  };
}

/**
 * Records a verification outcome, but only for the generation it verified and only while the
 * endpoint still waits for it. Returns false when a newer verification has taken over.
 */
export async function completeVerification(
  pool: Pool,
  id: string,
  generation: number,
  outcome: { verified: true } | { verified: false; reason: string },
): Promise<boolean> {
  const status = outcome.verified ? 'active' : 'verification_failed';
  const reason = outcome.verified ? null : outcome.reason;
  const { rowCount } = await pool.query(
    `UPDATE endpoints
     SET status = $3, status_reason = $4, updated_at = now(),
         verified_at = CASE WHEN $3 = 'active' THEN now() ELSE verified_at END
     WHERE id = $1 AND verification_generation = $2 AND status = 'pending_verification'`,
    [id, generation, status, reason],
  );
  return rowCount === 1;
}

/**
 * Deletes an endpoint of a site: it disappears from the API, its secret is wiped, and its waiting
 * deliveries are recorded as cancelled. The row stays so that its deliveries remain on record.
 * Returns the workflow ids of the deliveries that were waiting, to cancel, or null when the site
 * has no such endpoint.
 */
export async function deleteEndpoint(
  client: PoolClient,
  siteId: string,
  id: string,
): Promise<string[] | null> {
  const { rowCount } = await client.query(
    `UPDATE endpoints
     SET deleted_at = now(), status = 'disabled', status_reason = 'deleted',
         secret = '', previous_secret = NULL, previous_secret_expires_at = NULL,
         verification_generation = verification_generation + 1, updated_at = now()
     WHERE site_id = $1 AND id = $2 AND deleted_at IS NULL`,
    [siteId, id],
  );
  if (rowCount !== 1) return null;
  return cancelWaitingDeliveries(client, id);
}
