import { isGrpcServiceError, type Client } from '@temporalio/client';
import type { Pool } from '../src/db/pool';
import { dispatchWorkflowId } from '../src/temporal/workflow-ids';
import { percentiles, type Percentiles } from './percentiles';

/** History lengths of a sample of workflows. */
export interface HistoryCost {
  deliveryWorkflows: Percentiles;
  dispatchWorkflows: Percentiles;
}

// gRPC status code NOT_FOUND, which the server returns for a workflow id it does not have.
const GRPC_NOT_FOUND = 5;

/**
 * Counts history events of the delivery workflows of the `sample` most recent deliveries of
 * `siteId`, and of the dispatch workflows of their events. An event whose deliveries were started
 * without a dispatch workflow is left out of the dispatch sample, which may then be empty.
 */
export async function measureHistoryCost(
  client: Client,
  pool: Pool,
  siteId: string,
  sample: number,
): Promise<HistoryCost> {
  const { rows } = await pool.query<{ workflow_id: string; event_id: string }>(
    `SELECT workflow_id, event_id FROM deliveries WHERE site_id = $1 ORDER BY id DESC LIMIT $2`,
    [siteId, sample],
  );
  const deliveryLengths: number[] = [];
  const dispatchLengths: number[] = [];
  for (const row of rows) {
    deliveryLengths.push(await historyLength(client, row.workflow_id));
  }
  for (const eventId of new Set(rows.map((row) => row.event_id))) {
    const length = await historyLengthIfFound(client, dispatchWorkflowId(eventId));
    if (length !== null) dispatchLengths.push(length);
  }
  return {
    deliveryWorkflows: percentiles(deliveryLengths),
    dispatchWorkflows: percentiles(dispatchLengths),
  };
}

async function historyLength(client: Client, workflowId: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return history.events?.length ?? 0;
}

async function historyLengthIfFound(client: Client, workflowId: string): Promise<number | null> {
  try {
    return await historyLength(client, workflowId);
  } catch (error) {
    if (isGrpcServiceError(error) && error.code === GRPC_NOT_FOUND) return null;
    throw error;
  }
}
