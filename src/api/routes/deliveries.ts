import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import { createRedelivery, listAttempts, type DeliveryStatus } from '../../db/deliveries';
import {
  findDelivery,
  listDeliveries,
  type DeliveryRecord,
  type DeliveryScope,
} from '../../db/delivery-queries';
import { findEndpoint, RECEIVING_STATUSES } from '../../db/endpoints';
import { findEventWithOutcomes } from '../../db/events';
import { eventTypeSchema } from '../../events/schemas';
import { nextAttemptAtQuery, retryNowSignal } from '../../workflows/deliver-webhook';
import type { ApiDependencies } from '../dependencies';
import { startCommittedDelivery } from '../endpoint-lifecycle';
import { cursorSchema, idParams, instantSchema, limitSchema } from '../inputs';
import { defineOperation, type Operation } from '../operation';
import { notFoundProblem, PROBLEM_TYPES, ProblemError } from '../problem';
import {
  deliveryDetailSchema,
  deliveryPageSchema,
  deliverySchema,
  deliveryStatusSchema,
  serializeAttempt,
  serializeDelivery,
} from '../resources/delivery';

const TAG = 'Deliveries';
const params = idParams('delivery');

/** Filters and page of delivery lists. */
const listQuery = z.strictObject({
  status: deliveryStatusSchema.optional(),
  event_type: eventTypeSchema.optional(),
  since: instantSchema.optional().describe('only deliveries created at or after this instant'),
  until: instantSchema.optional().describe('only deliveries created before this instant'),
  limit: limitSchema,
  cursor: cursorSchema('dlv'),
});

/** Statuses of a delivery that will make no more attempts. */
const FINISHED_STATUSES: readonly DeliveryStatus[] = ['succeeded', 'failed', 'cancelled'];

// A query goes to a worker; a dashboard should not hang on a busy one.
const NEXT_ATTEMPT_QUERY_TIMEOUT_MS = 2_000;

/**
 * Deliveries: lists per endpoint and per event, one delivery with its attempts, and the actions
 * on it (retry now, cancel, redeliver).
 */
export function deliveryOperations(deps: ApiDependencies): Operation[] {
  const page = async (scope: DeliveryScope, query: z.infer<typeof listQuery>) => {
    // One row more than the page shows whether another page follows.
    const rows = await listDeliveries(
      deps.pool,
      scope,
      {
        status: query.status,
        eventType: query.event_type,
        createdFrom: query.since,
        createdBefore: query.until,
      },
      { limit: query.limit + 1, before: query.cursor },
    );
    const pageRows = rows.slice(0, query.limit);
    return {
      status: 200,
      body: {
        data: pageRows.map((delivery) => serializeDelivery(deps, delivery)),
        next_cursor: rows.length > query.limit ? pageRows[pageRows.length - 1]!.id : null,
      },
    };
  };

  return [
    defineOperation({
      method: 'get',
      path: '/v1/webhooks/{id}/deliveries',
      operationId: 'listEndpointDeliveries',
      tag: TAG,
      summary: "List an endpoint's deliveries",
      description: 'Newest first, filtered by status, event type and creation time.',
      auth: 'siteKey',
      params: idParams('endpoint'),
      query: listQuery,
      responses: { 200: { description: 'one page of deliveries', schema: deliveryPageSchema } },
      async handle({ params: { id }, query, siteId }) {
        const endpoint = await findEndpoint(deps.pool, siteId, id);
        if (!endpoint) throw notFoundProblem('endpoint', id);
        return page({ endpointId: endpoint.id }, query);
      },
    }),

    defineOperation({
      method: 'get',
      path: '/v1/events/{id}/deliveries',
      operationId: 'listEventDeliveries',
      tag: TAG,
      summary: "List an event's deliveries",
      description: 'Newest first, redeliveries included, with the same filters as for an endpoint.',
      auth: 'siteKey',
      params: idParams('event'),
      query: listQuery,
      responses: { 200: { description: 'one page of deliveries', schema: deliveryPageSchema } },
      async handle({ params: { id }, query, siteId }) {
        const event = await findEventWithOutcomes(deps.pool, siteId, id);
        if (!event) throw notFoundProblem('event', id);
        return page({ eventId: event.event.id }, query);
      },
    }),

    defineOperation({
      method: 'get',
      path: '/v1/deliveries/{id}',
      operationId: 'getDelivery',
      tag: TAG,
      summary: 'Get a delivery with its attempts',
      description:
        'While the delivery waits for a retry, next_attempt_at is read from its running workflow.',
      auth: 'siteKey',
      params,
      responses: { 200: { description: 'the delivery', schema: deliveryDetailSchema } },
      async handle({ params: { id }, siteId }) {
        const delivery = await findDelivery(deps.pool, siteId, id);
        if (!delivery) throw notFoundProblem('delivery', id);
        const attempts = await listAttempts(deps.pool, delivery.id);
        const nextAttemptAt = await readNextAttempt(deps, delivery);
        return {
          status: 200,
          body: {
            ...serializeDelivery(deps, { ...delivery, nextAttemptAt }),
            payload: delivery.body,
            attempts: attempts.map(serializeAttempt),
          },
        };
      },
    }),

    defineOperation({
      method: 'post',
      path: '/v1/deliveries/{id}/retry',
      operationId: 'retryDelivery',
      tag: TAG,
      summary: 'Retry a waiting delivery now',
      description:
        'Ends the wait of a retrying delivery so that its next attempt starts now. The schedule is not reset: if that attempt fails, the delivery waits for the delay that would have followed it.',
      auth: 'siteKey',
      params,
      responses: {
        202: {
          description: 'the retry was requested',
          schema: z.object({
            id: z.string(),
            status: deliveryStatusSchema,
            retry_requested: z.literal(true),
          }),
        },
      },
      problems: [409, 503],
      async handle({ params: { id }, siteId }) {
        const delivery = await findWaitingDelivery(deps, siteId, id, 'retried now');
        const endpoint = await findEndpoint(deps.pool, siteId, delivery.endpointId);
        if (!endpoint || !RECEIVING_STATUSES.includes(endpoint.status)) {
          throw await notReceiving(deps, delivery.endpointId, 'retrying');
        }
        await reachWorkflow(deps, delivery, 'retried now', (handle) =>
          handle.signal(retryNowSignal),
        );
        deps.logger.info({ deliveryId: delivery.id }, 'retry now requested');
        return {
          status: 202,
          body: { id: delivery.id, status: delivery.status, retry_requested: true },
        };
      },
    }),

    defineOperation({
      method: 'post',
      path: '/v1/deliveries/{id}/cancel',
      operationId: 'cancelDelivery',
      tag: TAG,
      summary: 'Cancel a waiting delivery',
      description: 'Stops a retrying delivery; its workflow records it as cancelled.',
      auth: 'siteKey',
      params,
      responses: {
        202: {
          description: 'the cancellation was requested',
          schema: z.object({
            id: z.string(),
            status: deliveryStatusSchema,
            cancel_requested: z.literal(true),
          }),
        },
      },
      problems: [409, 503],
      async handle({ params: { id }, siteId }) {
        const delivery = await findWaitingDelivery(deps, siteId, id, 'cancelled');
        // The workflow records the cancellation itself when its wait is cancelled.
        await reachWorkflow(deps, delivery, 'cancelled', (handle) => handle.cancel());
        deps.logger.info({ deliveryId: delivery.id }, 'delivery cancellation requested');
        return {
          status: 202,
          body: { id: delivery.id, status: delivery.status, cancel_requested: true },
        };
      },
    }),

    defineOperation({
      method: 'post',
      path: '/v1/deliveries/{id}/redeliver',
      operationId: 'redeliverDelivery',
      tag: TAG,
      summary: 'Redeliver a finished delivery',
      description:
        'Sends a succeeded, failed or cancelled delivery again as a new delivery of the same event bytes, linked by redelivery_of, with its own attempts and schedule.',
      auth: 'siteKey',
      params,
      responses: { 202: { description: 'the new delivery', schema: deliverySchema } },
      problems: [409, 503],
      async handle({ params: { id }, siteId }) {
        const original = await findDelivery(deps.pool, siteId, id);
        if (!original) throw notFoundProblem('delivery', id);
        if (!FINISHED_STATUSES.includes(original.status)) {
          throw new ProblemError({
            type: PROBLEM_TYPES.conflict,
            title: 'Delivery not finished',
            status: 409,
            detail: `delivery ${JSON.stringify(id)} is ${original.status}; redeliver it once it has finished, or retry it now`,
          });
        }

        const redelivery = await createRedelivery(deps.pool, original.id);
        if (!redelivery) throw await notReceiving(deps, original.endpointId, 'redelivering');
        await startCommittedDelivery(deps, redelivery, 'request the redelivery');
        deps.logger.info(
          { deliveryId: redelivery.deliveryId, redeliveryOf: original.id },
          'redelivery started',
        );
        const created = await findDelivery(deps.pool, siteId, redelivery.deliveryId);
        return { status: 202, body: serializeDelivery(deps, created!) };
      },
    }),
  ];
}

/**
 * Returns when a waiting delivery's next attempt is due, from a query of its workflow. The attempt
 * stores the same time before the wait begins, and that is returned when the query fails.
 */
async function readNextAttempt(
  deps: ApiDependencies,
  delivery: DeliveryRecord,
): Promise<Date | null> {
  if (delivery.status !== 'retrying') return delivery.nextAttemptAt;
  try {
    const handle = deps.temporal.workflow.getHandle(delivery.workflowId);
    const answer = await Promise.race([
      handle.query(nextAttemptAtQuery),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error('query timed out')),
          NEXT_ATTEMPT_QUERY_TIMEOUT_MS,
        ).unref(),
      ),
    ]);
    return answer ? new Date(answer) : null;
  } catch (error) {
    deps.logger.warn(
      { err: error, deliveryId: delivery.id },
      'next attempt query failed; showing the stored time',
    );
    return delivery.nextAttemptAt;
  }
}

/** Returns the delivery of the caller's site if it waits for its next attempt. */
async function findWaitingDelivery(
  deps: ApiDependencies,
  siteId: string,
  id: string,
  action: string,
) {
  const delivery = await findDelivery(deps.pool, siteId, id);
  if (!delivery) throw notFoundProblem('delivery', id);
  if (delivery.status !== 'retrying') throw notWaiting(id, delivery.status, action);
  return delivery;
}

/** Runs `operation` on the delivery's workflow, mapping its failures to problems. */
async function reachWorkflow(
  deps: ApiDependencies,
  delivery: { id: string; workflowId: string },
  action: string,
  operation: (handle: WorkflowHandle) => Promise<unknown>,
): Promise<void> {
  try {
    await operation(deps.temporal.workflow.getHandle(delivery.workflowId));
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw notWaiting(delivery.id, 'finished', action);
    deps.logger.error({ err: error, deliveryId: delivery.id }, `delivery could not be ${action}`);
    throw new ProblemError({
      type: PROBLEM_TYPES.unavailable,
      title: 'Service unavailable',
      status: 503,
      detail: 'the workflow service is unreachable; send the request again',
    });
  }
}

async function notReceiving(
  deps: ApiDependencies,
  endpointId: string,
  action: string,
): Promise<ProblemError> {
  const { rows } = await deps.pool.query<{ status: string; deleted: boolean }>(
    'SELECT status, deleted_at IS NOT NULL AS deleted FROM endpoints WHERE id = $1',
    [endpointId],
  );
  const endpoint = rows[0];
  const advice = endpoint?.deleted
    ? 'was deleted, so nothing can be sent to it again'
    : `is ${endpoint?.status ?? 'gone'}; verify or enable it before ${action}`;
  return new ProblemError({
    type: PROBLEM_TYPES.conflict,
    title: 'Endpoint not receiving',
    status: 409,
    detail: `endpoint ${JSON.stringify(endpointId)} ${advice}`,
  });
}

function notWaiting(id: string, status: string, action: string): ProblemError {
  return new ProblemError({
    type: PROBLEM_TYPES.conflict,
    title: 'Delivery not waiting',
    status: 409,
    detail: `delivery ${JSON.stringify(id)} is ${status}; only a delivery waiting for its next attempt (retrying) can be ${action}`,
  });
}
