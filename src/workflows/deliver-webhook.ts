import {
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { INFRASTRUCTURE_RETRY } from '../failures';
import { MAX_ATTEMPTS, retryDelayAfter } from '../retry-schedule';

// 10 s for the request itself, the rest for the database reads and writes around it.
const ATTEMPT_TIMEOUTS = {
  startToCloseTimeout: '30 seconds',
  retry: INFRASTRUCTURE_RETRY,
} as const;

const { sendDeliveryAttempt: sendRemoteAttempt, markDeliveryCancelled } =
  proxyActivities<Activities>(ATTEMPT_TIMEOUTS);

// The attempt runs as a local activity, in the worker that runs the workflow task. It needs no
// activity task to schedule, match and report, and a delivered webhook's history shrinks from 11
// events to 8. The retry schedule stays in durable timers between attempts.
const { sendDeliveryAttempt: sendLocalAttempt } =
  proxyLocalActivities<Activities>(ATTEMPT_TIMEOUTS);

/** Patch that moved the attempt from an activity task to a local activity. */
export const LOCAL_ATTEMPT_PATCH = 'attempt-as-local-activity';

const { notifyEndpointOwner } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: INFRASTRUCTURE_RETRY,
});

/** Input of `deliverWebhook`: ids only; the body and the secret stay in PostgreSQL. */
export interface DeliverWebhookInput {
  deliveryId: string;
  eventId: string;
  endpointId: string;
}

/** Outcome of a delivery and the number of attempts it took. */
export interface DeliverWebhookResult {
  outcome: 'succeeded' | 'failed' | 'cancelled';
  attempts: number;
}

/** Returns when the next attempt is due (ISO 8601), or null while none is scheduled. */
export const nextAttemptAtQuery = defineQuery<string | null>('nextAttemptAt');

/**
 * Ends the current wait so the next attempt starts now. The schedule is not reset: a failure of
 * that attempt waits for the delay that would have followed it anyway.
 */
export const retryNowSignal = defineSignal('retryNow');

/**
 * Delivers one event to one endpoint: an attempt, then on each endpoint failure a durable sleep
 * through the retry schedule and another attempt, up to `MAX_ATTEMPTS`. After the last failure
 * the endpoint is failing and its owner gets the episode's email.
 */
export async function deliverWebhook(input: DeliverWebhookInput): Promise<DeliverWebhookResult> {
  let nextAttemptAt: number | null = null;
  setHandler(nextAttemptAtQuery, () =>
    nextAttemptAt === null ? null : new Date(nextAttemptAt).toISOString(),
  );
  // A signal that arrives while an attempt runs does not shorten the wait after it.
  let retryRequested = false;
  setHandler(retryNowSignal, () => {
    if (nextAttemptAt !== null) retryRequested = true;
  });

  // Workflows started before the patch replay their attempts as activity tasks.
  const sendDeliveryAttempt = patched(LOCAL_ATTEMPT_PATCH) ? sendLocalAttempt : sendRemoteAttempt;

  try {
    for (let attemptNumber = 1; attemptNumber <= MAX_ATTEMPTS; attemptNumber++) {
      const retryDelayMs = retryDelayAfter(attemptNumber);
      const result = await sendDeliveryAttempt({
        deliveryId: input.deliveryId,
        eventId: input.eventId,
        attemptNumber,
        retryDelayMs,
      });

      if (result.outcome === 'succeeded') {
        return { outcome: 'succeeded', attempts: attemptNumber };
      }
      if (result.outcome === 'cancelled') {
        return { outcome: 'cancelled', attempts: attemptNumber - 1 };
      }
      if (result.outcome === 'exhausted' || retryDelayMs === null) {
        await notifyEndpointOwner({ endpointId: input.endpointId });
        return { outcome: 'failed', attempts: attemptNumber };
      }

      // The delay counts from the end of the failed attempt, which is now in workflow time.
      nextAttemptAt = Date.now() + retryDelayMs;
      // The same timer as a sleep, which a retry-now signal can end early.
      await condition(() => retryRequested, retryDelayMs);
      retryRequested = false;
      nextAttemptAt = null;
    }
    return { outcome: 'failed', attempts: MAX_ATTEMPTS };
  } catch (error) {
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(() =>
        markDeliveryCancelled({ deliveryId: input.deliveryId }),
      );
    }
    throw error;
  }
}
