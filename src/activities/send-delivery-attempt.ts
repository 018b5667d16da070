import { ApplicationFailure } from '@temporalio/activity';
import { setTimeout as delay } from 'node:timers/promises';
import type { PoolClient } from 'pg';
import { withTransaction } from '../db/pool';
import {
  findAttempt,
  loadAttemptContext,
  cancelDelivery,
  upsertAttempt,
  updateDeliveryAfterAttempt,
  type AttemptContext,
  type RecordedAttempt,
} from '../db/deliveries';
import { RECEIVING_STATUSES } from '../db/endpoints';
import { eventExists } from '../db/events';
import { markEndpointFailing, markEndpointRecovered } from '../db/endpoint-health';
import { createNotification } from '../db/notifications';
import { buildSignedHeaders, hideSignatures } from '../delivery/headers';
import { selectSigningSecrets } from '../delivery/signing-secrets';
import { sendHttpAttempt, toStorableText } from '../delivery/http-attempt';
import { NON_RETRYABLE_TYPES } from '../failures';
import { writeFailingEndpointEmail } from '../mail/failing-endpoint-email';
import type { ActivityDependencies } from './dependencies';
import { rowNotVisible } from './row-visibility';

/** Input of `sendDeliveryAttempt`: ids and numbers only, never the secret or the body. */
export interface DeliveryAttemptInput {
  deliveryId: string;
  /** 1 for the first attempt. */
  attemptNumber: number;
  /** How long the workflow will wait if this attempt fails, or null if it is the last one. */
  retryDelayMs: number | null;
  /**
   * The delivery's event, to tell a delivery row not committed yet from one deleted with its
   * endpoint. Absent from attempts that workflows scheduled before it was added.
   */
  eventId?: string;
}

/**
 * Outcome of an attempt. `failed` means another attempt follows, and `exhausted` means it was the
 * last one. `cancelled` means the delivery no longer exists or was cancelled.
 */
export interface DeliveryAttemptResult {
  outcome: 'succeeded' | 'failed' | 'exhausted' | 'cancelled';
  statusCode: number | null;
  errorClass: string | null;
}

/** Creates the activity that signs and POSTs one attempt and records it. */
export function makeSendDeliveryAttempt(deps: ActivityDependencies) {
  const { pool, logger } = deps;

  return async function sendDeliveryAttempt(
    input: DeliveryAttemptInput,
  ): Promise<DeliveryAttemptResult> {
    if (!Number.isInteger(input.attemptNumber) || input.attemptNumber < 1) {
      throw ApplicationFailure.nonRetryable(
        `attemptNumber must be a whole number from 1, got ${input.attemptNumber}`,
        NON_RETRYABLE_TYPES.invalidInput,
      );
    }

    const context = await loadCommittedContext(deps, input);
    if (!context || context.deliveryStatus === 'cancelled') {
      logger.info({ deliveryId: input.deliveryId }, 'delivery cancelled before its attempt');
      return { outcome: 'cancelled', statusCode: null, errorClass: null };
    }
    // Disabling, deleting or changing the URL of an endpoint cancels its waiting workflows. This
    // check covers an attempt already scheduled then, or a cancel request that did not arrive.
    if (!RECEIVING_STATUSES.includes(context.endpointStatus)) {
      await cancelDelivery(pool, input.deliveryId);
      logger.info(
        {
          deliveryId: input.deliveryId,
          endpointId: context.endpointId,
          endpointStatus: context.endpointStatus,
        },
        'delivery cancelled: endpoint does not receive events',
      );
      return { outcome: 'cancelled', statusCode: null, errorClass: null };
    }

    // A retry of this activity after the attempt was recorded (our failure after the commit)
    // returns the recorded outcome instead of sending the attempt again.
    const recorded = await findAttempt(pool, input.deliveryId, input.attemptNumber);
    if (recorded) return toResult(recorded, input.retryDelayMs);

    const attempt = await postAttempt(deps, context, input.attemptNumber);
    const result = toResult(attempt, input.retryDelayMs);
    await withTransaction(pool, (client) =>
      recordAttempt(client, deps, context, attempt, result, input),
    );
    countAttempt(deps, context, attempt, result);

    const fields = {
      deliveryId: context.deliveryId,
      eventId: context.eventId,
      endpointId: context.endpointId,
      attempt: input.attemptNumber,
      statusCode: attempt.statusCode,
      durationMs: attempt.durationMs,
    };
    if (attempt.succeeded) logger.info(fields, 'attempt succeeded');
    else
      logger.warn(
        { ...fields, errorClass: attempt.errorClass, outcome: result.outcome },
        'attempt failed',
      );
    return result;
  };
}

// The API starts a delivery's workflow inside the transaction that inserts the event and the
// delivery, and commits once every start of the event has returned. An eager start runs the first
// attempt at once, so it polls for the commit briefly instead of waiting a second for the retry.
const COMMIT_POLL_INTERVAL_MS = 25;
const COMMIT_POLL_LIMIT_MS = 500;

/**
 * Loads the attempt's context, or returns null when the delivery was deleted. A missing delivery
 * whose event is not visible either belongs to a transaction that has not committed yet.
 */
async function loadCommittedContext(
  deps: ActivityDependencies,
  input: DeliveryAttemptInput,
): Promise<AttemptContext | null> {
  const context = await loadAttemptContext(deps.pool, deps.secretBox, input.deliveryId);
  if (context || !input.eventId) return context;

  if (!(await waitForEvent(deps, input.eventId))) {
    deps.logger.debug({ deliveryId: input.deliveryId }, 'delivery not visible yet');
    return rowNotVisible('delivery', input.deliveryId);
  }
  // The event is committed, and the delivery with it: load again, as the commit may have come
  // after the first read. A delivery still missing now was deleted with its endpoint.
  return await loadAttemptContext(deps.pool, deps.secretBox, input.deliveryId);
}

/** Returns true once the event is visible, or false after `COMMIT_POLL_LIMIT_MS`. */
async function waitForEvent(deps: ActivityDependencies, eventId: string): Promise<boolean> {
  const deadline = Date.now() + COMMIT_POLL_LIMIT_MS;
  for (;;) {
    if (await eventExists(deps.pool, eventId)) return true;
    if (Date.now() >= deadline) return false;
    await delay(COMMIT_POLL_INTERVAL_MS);
  }
}

/** Marks a delivery cancelled; used by the workflow when it is cancelled while waiting. */
export function makeCancelDelivery({ pool, logger }: ActivityDependencies) {
  return async function markDeliveryCancelled(input: { deliveryId: string }): Promise<void> {
    await cancelDelivery(pool, input.deliveryId);
    logger.info({ deliveryId: input.deliveryId }, 'delivery cancelled');
  };
}

async function postAttempt(
  deps: ActivityDependencies,
  context: AttemptContext,
  attemptNumber: number,
): Promise<RecordedAttempt> {
  const startedAt = deps.clock();
  const headers = buildSignedHeaders({
    ...selectSigningSecrets(context, startedAt),
    body: context.body,
    eventId: context.eventId,
    eventType: context.eventType,
    deliveryId: context.deliveryId,
    attemptNumber,
    timestampSeconds: Math.floor(startedAt.getTime() / 1000),
  });

  const http = await sendHttpAttempt(deps.dispatcher, {
    url: context.endpointUrl,
    body: context.body,
    headers,
    timeoutMs: deps.attemptTimeoutMs,
    traceIds: {
      deliveryId: context.deliveryId,
      endpointId: context.endpointId,
      eventId: context.eventId,
      attemptNumber,
    },
  });
  return {
    attemptNumber,
    startedAt,
    durationMs: http.durationMs,
    succeeded: http.ok,
    statusCode: http.statusCode,
    errorClass: http.errorClass,
    errorMessage: http.errorMessage === null ? null : toStorableText(http.errorMessage),
    responseExcerpt: http.responseExcerpt,
    requestHeaders: hideSignatures(headers),
  };
}

/** Updates the metrics once the attempt is committed, so that a rolled-back one is not counted. */
function countAttempt(
  deps: ActivityDependencies,
  context: AttemptContext,
  attempt: RecordedAttempt,
  result: DeliveryAttemptResult,
): void {
  const { eventType } = context;
  deps.metrics?.recordAttempt({
    eventType,
    succeeded: attempt.succeeded,
    durationMs: attempt.durationMs,
  });
  if (result.outcome === 'succeeded') deps.metrics?.recordFinished(eventType, 'succeeded');
  if (result.outcome === 'exhausted') deps.metrics?.recordFinished(eventType, 'failed');
}

function toResult(attempt: RecordedAttempt, retryDelayMs: number | null): DeliveryAttemptResult {
  let outcome: DeliveryAttemptResult['outcome'] = 'succeeded';
  if (!attempt.succeeded) outcome = retryDelayMs === null ? 'exhausted' : 'failed';
  return { outcome, statusCode: attempt.statusCode, errorClass: attempt.errorClass };
}

async function recordAttempt(
  client: PoolClient,
  deps: ActivityDependencies,
  context: AttemptContext,
  attempt: RecordedAttempt,
  result: DeliveryAttemptResult,
  input: DeliveryAttemptInput,
): Promise<void> {
  await upsertAttempt(client, context.deliveryId, attempt);

  const finishedAt = attempt.startedAt.getTime() + attempt.durationMs;
  const status = {
    succeeded: 'succeeded',
    failed: 'retrying',
    exhausted: 'failed',
    cancelled: 'cancelled',
  } as const;
  await updateDeliveryAfterAttempt(client, context.deliveryId, {
    status: status[result.outcome],
    attemptCount: attempt.attemptNumber,
    nextAttemptAt: result.outcome === 'failed' ? new Date(finishedAt + input.retryDelayMs!) : null,
    lastStatusCode: attempt.statusCode,
    lastError: attempt.errorMessage,
  });

  if (result.outcome === 'succeeded') {
    const recovered = await markEndpointRecovered(client, context.endpointId);
    if (recovered) deps.logger.info({ endpointId: context.endpointId }, 'endpoint recovered');
  }
  if (result.outcome === 'exhausted') {
    await openFailingEpisode(client, deps, context, attempt);
  }
}

async function openFailingEpisode(
  client: PoolClient,
  deps: ActivityDependencies,
  context: AttemptContext,
  attempt: RecordedAttempt,
): Promise<void> {
  const lastError = attempt.errorMessage ?? 'unknown error';
  const failingSince = await markEndpointFailing(client, context.endpointId, lastError);
  if (!failingSince) return;

  const { rows } = await client.query<{ id: string; name: string; owner_email: string }>(
    'SELECT s.id, s.name, s.owner_email FROM sites s JOIN endpoints e ON e.site_id = s.id WHERE e.id = $1',
    [context.endpointId],
  );
  const site = rows[0];
  if (!site) return;

  const email = writeFailingEndpointEmail({
    endpointId: context.endpointId,
    endpointUrl: context.endpointUrl,
    siteName: site.name,
    deliveryId: context.deliveryId,
    eventId: context.eventId,
    lastError,
    attempts: attempt.attemptNumber,
  });
  const created = await createNotification(client, {
    siteId: site.id,
    endpointId: context.endpointId,
    kind: 'endpoint_failing',
    dedupeKey: `endpoint_failing:${context.endpointId}:${failingSince.toISOString()}`,
    recipient: site.owner_email,
    ...email,
  });
  if (created)
    deps.logger.warn({ endpointId: context.endpointId, siteId: site.id }, 'endpoint failing');
}
