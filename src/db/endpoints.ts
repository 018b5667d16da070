import type { Pool, PoolClient } from 'pg';
import type { StoredSigningSecrets } from '../delivery/signing-secrets';

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

/** Inserts an endpoint awaiting its first verification. */
export async function insertEndpoint(
  db: Pool | PoolClient,
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
      endpoint.secret,
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
    `SELECT ${COLUMNS} FROM endpoints WHERE site_id = $1 AND id = $2`,
    [siteId, id],
  );
  return rows[0] ? toEndpoint(rows[0]) : null;
}

/** Returns a site's endpoints, oldest first. */
export async function listEndpoints(pool: Pool, siteId: string): Promise<Endpoint[]> {
  const { rows } = await pool.query<EndpointRow>(
    `SELECT ${COLUMNS} FROM endpoints WHERE site_id = $1 ORDER BY id`,
    [siteId],
  );
  return rows.map(toEndpoint);
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
     WHERE site_id = $1 AND id = $2 AND status = ANY ($3)
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

/** Returns what a verification request needs, or null when the endpoint is gone. */
export async function findEndpointTarget(pool: Pool, id: string): Promise<EndpointTarget | null> {
  const { rows } = await pool.query<{
    id: string;
    site_id: string;
    url: string;
    secret: string;
    previous_secret: string | null;
    previous_secret_expires_at: Date | null;
    status: EndpointStatus;
    verification_generation: number;
  }>(
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
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretExpiresAt: row.previous_secret_expires_at,
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
 * Deletes an endpoint of a site with its deliveries and attempts, and returns the workflow ids of
 * the deliveries that were still waiting, or null when the site has no such endpoint.
 */
export async function deleteEndpoint(
  pool: Pool,
  siteId: string,
  id: string,
): Promise<string[] | null> {
  const { rows } = await pool.query<{ workflow_id: string | null }>(
    `WITH waiting AS (
       SELECT workflow_id FROM deliveries
       WHERE endpoint_id = $2 AND status IN ('pending', 'retrying')
     ), deleted AS (
       DELETE FROM endpoints WHERE site_id = $1 AND id = $2 RETURNING id
     )
     SELECT waiting.workflow_id FROM deleted LEFT JOIN waiting ON true`,
    [siteId, id],
  );
  if (rows.length === 0) return null;
  return rows.flatMap((row) => (row.workflow_id ? [row.workflow_id] : []));
}
