import {
  finishRecovery,
  redeliverRecoveryBatch,
  type RecoveryBatch,
  type RecoveryEnd,
  type RecoveryProgress,
} from '../db/recoveries';
import type { ActivityDependencies } from './dependencies';

/** Input of `redeliverNextBatch`. */
export interface RedeliverBatchInput {
  recoveryId: string;
  /** Id of the last delivery that earlier batches handled, or null for the first batch. */
  afterId: string | null;
  /** Maximum number of deliveries to redeliver. */
  limit: number;
}

/** Creates the activity that records the redeliveries of a recovery's next batch. */
export function makeRedeliverNextBatch({ pool, logger }: ActivityDependencies) {
  return async function redeliverNextBatch(input: RedeliverBatchInput): Promise<RecoveryBatch> {
    const batch = await redeliverRecoveryBatch(pool, input.recoveryId, input);

    const fields = { recoveryId: input.recoveryId, afterId: input.afterId };
    if (batch.outcome === 'redelivered') {
      const redeliveries = batch.targets.length;
      logger.debug({ ...fields, redeliveries, lastId: batch.lastId }, 'recovery batch recorded');
    } else if (batch.outcome === 'not_found') {
      logger.info(fields, 'recovery not found, so taken as deleted with its endpoint');
    } else {
      logger.debug({ ...fields, outcome: batch.outcome }, 'recovery batch skipped');
    }
    return batch;
  };
}

/** Input of `markRecoveryFinished`. */
export interface MarkRecoveryFinishedInput {
  recoveryId: string;
  end: RecoveryEnd;
}

/**
 * Creates the activity that records how a recovery ended, and returns its final progress, or null
 * when it was deleted with its endpoint.
 */
export function makeMarkRecoveryFinished({ pool, logger }: ActivityDependencies) {
  return async function markRecoveryFinished(
    input: MarkRecoveryFinishedInput,
  ): Promise<RecoveryProgress | null> {
    const recovery = await finishRecovery(pool, input.recoveryId, input.end);
    if (!recovery) {
      logger.info({ recoveryId: input.recoveryId }, 'recovery deleted with its endpoint');
      return null;
    }

    logger.info(
      {
        recoveryId: recovery.id,
        endpointId: recovery.endpointId,
        status: recovery.status,
        total: recovery.total,
        redelivered: recovery.redelivered,
        error: recovery.error,
      },
      'recovery finished',
    );
    return { status: recovery.status, total: recovery.total, redelivered: recovery.redelivered };
  };
}
