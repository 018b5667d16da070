import type { Pool, PoolClient } from 'pg';
import { newId } from '../ids';
import { recoveryWorkflowId, redeliveryWorkflowId } from '../temporal/workflow-ids';
import type { DeliveryTarget } from './deliveries';
import { RECEIVING_STATUSES, type EndpointStatus } from './endpoints';
import { withTransaction } from './pool';

/** Lifecycle of a recovery. Only its workflow moves it out of `running`. */
export type RecoveryStatus = 'running' | 'completed' | 'failed' | 'cancelled';

/** A request to redeliver every failed delivery of an endpoint since a given time. */
export interface Recovery {
  id: string;
  siteId: string;
  endpointId: string;
  /** Earliest creation time of the deliveries it redelivers. */
  since: Date;
  status: RecoveryStatus;
  /** Number of deliveries that qualified when the recovery started. */
  total: number;
  /** Number of redeliveries created so far. */
  redelivered: number;
  workflowId: string;
  /** Reason a `failed` recovery stopped, null otherwise. */
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

/** A recovery's status and progress. */
export interface RecoveryProgress {
  status: RecoveryStatus;
  total: number;
  redelivered: number;
}

const COLUMNS = `id, site_id, endpoint_id, since, status, total, redelivered, workflow_id, error,
  created_at, updated_at, completed_at`;

interface RecoveryRow {
  id: string;
  site_id: string;
  endpoint_id: string;
  since: Date;
  status: RecoveryStatus;
  total: number;
  redelivered: number;
  workflow_id: string;
  error: string | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}

function toRecovery(row: RecoveryRow): Recovery {
  return {
    id: row.id,
    siteId: row.site_id,
    endpointId: row.endpoint_id,
    since: row.since,
    status: row.status,
    total: row.total,
    redelivered: row.redelivered,
    workflowId: row.workflow_id,
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
  };
}

// A delivery `d` qualifies for recovery `r` when it is a failed delivery of r's endpoint, created at
// or after r.since, that had failed before r started and has never been redelivered. The last rule
// makes a recovery safe to repeat. A second recovery over the same window skips every delivery that
// the first one redelivered, so an event goes out again only where that redelivery failed too. A
// failed redelivery is a delivery like any other and qualifies in its turn. Deliveries that fail
// while r runs, its own redeliveries among them, are left to the next recovery, which keeps `total`
// the size of the work.
const IN_WINDOW = `d.endpoint_id = r.endpoint_id AND d.status = 'failed'
  AND d.created_at >= r.since AND d.completed_at <= r.created_at`;
const NEVER_REDELIVERED = 'NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.redelivery_of = d.id)';

/** Outcome of requesting a recovery. */
export type CreateRecoveryResult =
  | { kind: 'created'; recovery: Recovery }
  /** The endpoint has a recovery running; only one at a time can run. */
  | { kind: 'running'; recoveryId: string }
  | { kind: 'notFound' };

/**
 * Inserts a running recovery of an endpoint of a site, with `total` counted by the same statement.
 * The caller starts its workflow afterwards.
 */
export async function createRecovery(
  pool: Pool,
  request: { siteId: string; endpointId: string; since: Date },
): Promise<CreateRecoveryResult> {
  const id = newId('rcv');
  const { rows } = await pool.query<RecoveryRow>(
    `INSERT INTO recoveries (id, site_id, endpoint_id, since, status, total, workflow_id,
                             created_at, updated_at)
     SELECT r.id, ep.site_id, ep.id, r.since, 'running',
            (SELECT count(*)::int FROM deliveries d WHERE ${IN_WINDOW} AND ${NEVER_REDELIVERED}),
            $5, r.created_at, r.created_at
     FROM (SELECT $1::text AS id, $3::text AS endpoint_id, $4::timestamptz AS since,
                  now() AS created_at) r
     JOIN endpoints ep ON ep.id = r.endpoint_id AND ep.site_id = $2 AND ep.deleted_at IS NULL
     ON CONFLICT (endpoint_id) WHERE status = 'running' DO NOTHING
     RETURNING ${COLUMNS}`,
    [id, request.siteId, request.endpointId, request.since, recoveryWorkflowId(id)],
  );
  if (rows[0]) return { kind: 'created', recovery: toRecovery(rows[0]) };

  const running = await pool.query<{ id: string }>(
    `SELECT r.id FROM recoveries r JOIN endpoints ep ON ep.id = r.endpoint_id
     WHERE r.endpoint_id = $1 AND ep.site_id = $2 AND r.status = 'running'`,
    [request.endpointId, request.siteId],
  );
  const runningId = running.rows[0]?.id;
  return runningId ? { kind: 'running', recoveryId: runningId } : { kind: 'notFound' };
}

/** Returns one recovery of a site, or null when the site has no recovery with that id. */
export async function findRecovery(
  pool: Pool,
  siteId: string,
  id: string,
): Promise<Recovery | null> {
  const { rows } = await pool.query<RecoveryRow>(
    `SELECT ${COLUMNS} FROM recoveries WHERE site_id = $1 AND id = $2`,
    [siteId, id],
  );
  return rows[0] ? toRecovery(rows[0]) : null;
}

/** Returns up to `limit` recoveries of an endpoint of a site, newest first. */
export async function listRecoveries(
  pool: Pool,
  siteId: string,
  endpointId: string,
  limit: number,
): Promise<Recovery[]> {
  const { rows } = await pool.query<RecoveryRow>(
    `SELECT ${COLUMNS} FROM recoveries WHERE site_id = $1 AND endpoint_id = $2
     ORDER BY created_at DESC, id DESC LIMIT $3`,
    [siteId, endpointId, limit],
  );
  return rows.map(toRecovery);
}

/**
 * Deletes a recovery that has redelivered nothing, such as one whose workflow did not start. A
 * workflow that did start after all then finds no recovery and ends without sending anything.
 */
export async function deleteRecovery(pool: Pool, id: string): Promise<void> {
  await pool.query('DELETE FROM recoveries WHERE id = $1 AND redelivered = 0', [id]);
}

/**
 * Outcome of one batch. `redelivered` carries the batch's redeliveries, in the order of the
 * deliveries they redeliver, and the id of the last of those, the cursor of the next batch.
 */
export type RecoveryBatch =
  | { outcome: 'redelivered'; targets: DeliveryTarget[]; lastId: string | null }
  | { outcome: 'endpoint_not_receiving'; endpointStatus: EndpointStatus }
  | { outcome: 'not_running'; progress: RecoveryProgress }
  | { outcome: 'not_found' };

/**
 * Creates the redeliveries of the next `limit` qualifying deliveries after the id `afterId`, and
 * adds them to `redelivered`, in one transaction. Safe to run again: deliveries that this recovery
 * has redelivered already keep their redelivery, which the batch returns again. Nothing is created
 * when the recovery is gone (deleted with its endpoint), finished, or its endpoint receives no
 * events.
 */
export async function redeliverRecoveryBatch(
  pool: Pool,
  recoveryId: string,
  batch: { afterId: string | null; limit: number },
): Promise<RecoveryBatch> {
  return await withTransaction(pool, async (client) => {
    const recovery = await lockRecovery(client, recoveryId);
    if (!recovery) return { outcome: 'not_found' };
    if (recovery.progress.status !== 'running') {
      return { outcome: 'not_running', progress: recovery.progress };
    }
    if (!RECEIVING_STATUSES.includes(recovery.endpointStatus)) {
      return { outcome: 'endpoint_not_receiving', endpointStatus: recovery.endpointStatus };
    }

    const candidates = await selectBatch(client, recoveryId, batch);
    const planned = candidates.map((candidate) => ({
      originalId: candidate.id,
      target: toTarget(candidate, recovery.endpointId),
      exists: candidate.redelivery_id !== null,
    }));
    const created = planned.filter((redelivery) => !redelivery.exists);
    await insertRedeliveries(client, recoveryId, created);
    await client.query(
      'UPDATE recoveries SET redelivered = redelivered + $2, updated_at = now() WHERE id = $1',
      [recoveryId, created.length],
    );

    const targets = planned.map((redelivery) => redelivery.target);
    return { outcome: 'redelivered', targets, lastId: candidates.at(-1)?.id ?? null };
  });
}

/**
 * Locks a recovery and its endpoint until the transaction ends, and returns the recovery's progress
 * and the endpoint's status. The endpoint lock makes the batches of all recoveries of one endpoint
 * take turns, so two recoveries running at once cannot both redeliver the same delivery, and the
 * endpoint's status holds until the batch commits.
 */
async function lockRecovery(client: PoolClient, recoveryId: string) {
  const { rows } = await client.query<{
    status: RecoveryStatus;
    total: number;
    redelivered: number;
    endpoint_id: string;
    endpoint_status: EndpointStatus;
  }>(
    `SELECT r.status, r.total, r.redelivered, r.endpoint_id, ep.status AS endpoint_status
     FROM recoveries r JOIN endpoints ep ON ep.id = r.endpoint_id
     WHERE r.id = $1
     FOR NO KEY UPDATE`,
    [recoveryId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    progress: { status: row.status, total: row.total, redelivered: row.redelivered },
    endpointId: row.endpoint_id,
    endpointStatus: row.endpoint_status,
  };
}

interface Candidate {
  id: string;
  event_id: string;
  site_id: string;
  event_type: string;
  /** The redelivery this recovery made of the delivery in an earlier run of the batch. */
  redelivery_id: string | null;
  redelivery_workflow_id: string | null;
}

/** Selects the deliveries of the next batch: qualifying ones and those this recovery redelivered. */
async function selectBatch(
  client: PoolClient,
  recoveryId: string,
  batch: { afterId: string | null; limit: number },
): Promise<Candidate[]> {
  const { rows } = await client.query<Candidate>(
    `SELECT d.id, d.event_id, d.site_id, d.event_type,
            own.id AS redelivery_id, own.workflow_id AS redelivery_workflow_id
     FROM recoveries r
     JOIN deliveries d ON ${IN_WINDOW}
     LEFT JOIN deliveries own ON own.redelivery_of = d.id AND own.recovery_id = r.id
     WHERE r.id = $1 AND ($2::text IS NULL OR d.id > $2)
       AND (own.id IS NOT NULL OR ${NEVER_REDELIVERED})
     ORDER BY d.id
     LIMIT $3`,
    [recoveryId, batch.afterId, batch.limit],
  );
  return rows;
}

function toTarget(candidate: Candidate, endpointId: string): DeliveryTarget {
  const deliveryId = candidate.redelivery_id ?? newId('dlv');
  return {
    deliveryId,
    workflowId: candidate.redelivery_workflow_id ?? redeliveryWorkflowId(deliveryId),
    eventId: candidate.event_id,
    endpointId,
    siteId: candidate.site_id,
    eventType: candidate.event_type,
  };
}

/** Inserts pending redeliveries, each linked to the delivery it redelivers and to the recovery. */
async function insertRedeliveries(
  client: PoolClient,
  recoveryId: string,
  redeliveries: { target: DeliveryTarget; originalId: string }[],
): Promise<void> {
  if (redeliveries.length === 0) return;
  await client.query(
    `INSERT INTO deliveries (id, event_id, endpoint_id, site_id, event_type, workflow_id, status,
                             redelivery_of, recovery_id)
     SELECT t.id, d.event_id, d.endpoint_id, d.site_id, d.event_type, t.workflow_id, 'pending',
            d.id, $1
     FROM unnest($2::text[], $3::text[], $4::text[]) AS t (id, workflow_id, original_id)
     JOIN deliveries d ON d.id = t.original_id`,
    [
      recoveryId,
      redeliveries.map((redelivery) => redelivery.target.deliveryId),
      redeliveries.map((redelivery) => redelivery.target.workflowId),
      redeliveries.map((redelivery) => redelivery.originalId),
    ],
  );
}

/** Outcome that ends a recovery. */
export type RecoveryEnd =
  { status: 'completed' } | { status: 'failed'; error: string } | { status: 'cancelled' };

/**
 * Ends a running recovery. A recovery that has ended already keeps its status, so running this
 * again changes nothing. Returns the recovery, or null when it is gone with its endpoint.
 */
export async function finishRecovery(
  pool: Pool,
  id: string,
  end: RecoveryEnd,
): Promise<Recovery | null> {
  const error = end.status === 'failed' ? end.error : null;
  const { rows } = await pool.query<RecoveryRow>(
    `UPDATE recoveries SET status = $2, error = $3, updated_at = now(), completed_at = now()
     WHERE id = $1 AND status = 'running'
     RETURNING ${COLUMNS}`,
    [id, end.status, error],
  );
  if (rows[0]) return toRecovery(rows[0]);

  const { rows: current } = await pool.query<RecoveryRow>(
    `SELECT ${COLUMNS} FROM recoveries WHERE id = $1`,
    [id],
  );
  return current[0] ? toRecovery(current[0]) : null;
}
