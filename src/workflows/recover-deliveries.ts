import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import {
  CancellationScope,
  continueAsNew,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EndpointStatus } from '../db/endpoints';
import type { RecoveryEnd, RecoveryProgress } from '../db/recoveries';
import { INFRASTRUCTURE_RETRY, NON_RETRYABLE_TYPES } from '../failures';
import { startDeliveryChild } from './start-delivery-child';

const { redeliverNextBatch, markRecoveryFinished } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: INFRASTRUCTURE_RETRY,
});

/** Deliveries per batch when the input sets none. */
export const DEFAULT_BATCH_SIZE = 100;

/**
 * Batches per run when the input sets none. A redelivery adds two to four events to the history:
 * child initiated and started, closed if it ends while the run is open, and a share of workflow
 * tasks. So a run of 10 batches of 100 stays under about 4,000 events, below the 10,240 at which
 * Temporal warns about a history.
 */
export const DEFAULT_BATCHES_PER_RUN = 10;

// A batch's redeliveries travel in one activity result. Each takes about 270 bytes of JSON with
// generated ids, and under 470 with the longest event and site ids that the API accepts, so 500 of
// them stay below the 256 KB at which Temporal warns about a payload.
const MAX_BATCH_SIZE = 500;

// By default Temporal fails, and keeps retrying, a workflow task that would open more than 2,000
// children in one run. Redeliveries to an endpoint that fails again stay open for hours, and a new
// run starts with none open.
const MAX_REDELIVERIES_PER_RUN = 2_000;

/** Input of `recoverDeliveries`: ids and numbers only. */
export interface RecoverDeliveriesInput {
  recoveryId: string;
  /** Tag redeliveries with search attributes, which the server must have registered. */
  tagDeliveries: boolean;
  /** Id of the last delivery that earlier runs handled. Continue-as-new sets it. */
  afterId?: string;
  /** Deliveries per batch, from 1 to 500, or `DEFAULT_BATCH_SIZE` when unset. */
  batchSize?: number;
  /**
   * Batches per run before the workflow continues as new, or `DEFAULT_BATCHES_PER_RUN` when unset.
   * A run may redeliver at most 2,000 deliveries in all.
   */
  batchesPerRun?: number;
}

/** Final progress of the recovery, or `deleted` when it was deleted with its endpoint. */
export type RecoverDeliveriesResult = RecoveryProgress | { status: 'deleted' };

/**
 * Redelivers every qualifying failed delivery of a recovery's endpoint, in batches: an activity
 * records a batch of redeliveries, then the workflow starts a `deliverWebhook` child for each. The
 * recovery ends `completed` after the last batch, `failed` when its endpoint stops receiving
 * events, and `cancelled` when the workflow is cancelled before its last batch. After `batchesPerRun` batches, or
 * sooner when Temporal suggests it, the workflow continues as new to keep its history small.
 */
export async function recoverDeliveries(
  input: RecoverDeliveriesInput,
): Promise<RecoverDeliveriesResult> {
  const batchSize = input.batchSize ?? DEFAULT_BATCH_SIZE;
  const batchesPerRun = input.batchesPerRun ?? DEFAULT_BATCHES_PER_RUN;
  await validateOptions(input.recoveryId, batchSize, batchesPerRun);

  let afterId = input.afterId ?? null;
  for (let batchNumber = 1; batchNumber <= batchesPerRun; batchNumber++) {
    if (CancellationScope.current().consideredCancelled)
      return await endCancelled(input.recoveryId);

    // A batch runs to its end even when a cancellation arrives meanwhile: the rows it commits must
    // get their workflows, or they would stay pending with nothing to deliver them.
    const batch = await CancellationScope.nonCancellable(async () => {
      const recorded = await redeliverNextBatch({
        recoveryId: input.recoveryId,
        afterId,
        limit: batchSize,
      });
      if (recorded.outcome === 'redelivered') {
        await Promise.all(
          recorded.targets.map((target) => startDeliveryChild(target, input.tagDeliveries)),
        );
      }
      return recorded;
    });

    switch (batch.outcome) {
      case 'not_found':
        return { status: 'deleted' };
      case 'not_running':
        return batch.progress;
      case 'endpoint_not_receiving':
        return await end(input.recoveryId, {
          status: 'failed',
          error: notReceivingError(batch.endpointStatus),
        });
    }
    if (batch.targets.length < batchSize) {
      return await end(input.recoveryId, { status: 'completed' });
    }

    afterId = batch.lastId;
    if (workflowInfo().continueAsNewSuggested) break;
  }

  if (CancellationScope.current().consideredCancelled) return await endCancelled(input.recoveryId);
  return await continueAsNew<typeof recoverDeliveries>({ ...input, afterId: afterId ?? undefined });
}

/** Fails the recovery and the workflow when the batch options can never work. */
async function validateOptions(
  recoveryId: string,
  batchSize: number,
  batchesPerRun: number,
): Promise<void> {
  let problem: string | null = null;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    problem = `batchSize must be a whole number from 1 to ${MAX_BATCH_SIZE}, got ${batchSize}`;
  } else if (!Number.isInteger(batchesPerRun) || batchesPerRun < 1) {
    problem = `batchesPerRun must be a whole number from 1, got ${batchesPerRun}`;
  } else if (batchSize * batchesPerRun > MAX_REDELIVERIES_PER_RUN) {
    problem =
      `batchSize × batchesPerRun must be at most ${MAX_REDELIVERIES_PER_RUN}, got ` +
      `${batchSize} × ${batchesPerRun}. Lower batchesPerRun.`;
  }
  if (problem === null) return;

  await end(recoveryId, { status: 'failed', error: problem });
  throw ApplicationFailure.nonRetryable(problem, NON_RETRYABLE_TYPES.invalidInput);
}

function notReceivingError(endpointStatus: EndpointStatus): string {
  return (
    `the endpoint is ${endpointStatus} (or was deleted), and only active or failing endpoints ` +
    'receive events. Start a new recovery once it is active again.'
  );
}

/** Records how the recovery ended and returns its final progress. */
async function end(recoveryId: string, recoveryEnd: RecoveryEnd): Promise<RecoverDeliveriesResult> {
  // Never cancelled: a cancellation that stopped this activity would leave the recovery running.
  const progress = await CancellationScope.nonCancellable(() =>
    markRecoveryFinished({ recoveryId, end: recoveryEnd }),
  );
  return progress ?? { status: 'deleted' };
}

/** Marks the recovery cancelled, then ends the workflow as cancelled. */
async function endCancelled(recoveryId: string): Promise<never> {
  await end(recoveryId, { status: 'cancelled' });
  throw new CancelledFailure('recovery cancelled');
}
