import type { Client } from '@temporalio/client';
import type { Pool } from '../src/db/pool';
import { dispatchWorkflowId } from '../src/temporal/workflow-ids';
import { percentiles, type Percentiles } from './percentiles';

/** History lengths of a sample of workflows. */
export interface HistoryCost {
  deliveryWorkflows: Percentiles;
  dispatchWorkflows: Percentiles;
}

/**
 * Counts history events of the delivery workflows of the `sample` most recent deliveries of
 * `siteId`, and of the dispatch workflows of their events.
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
    dispatchLengths.push(await historyLength(client, dispatchWorkflowId(eventId)));
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
