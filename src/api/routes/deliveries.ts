import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { Router } from 'express';
import {
  createRedelivery,
  deleteUnattemptedDelivery,
  listAttempts,
  type DeliveryStatus,
} from '../../db/deliveries';
import { startDelivery } from '../../temporal/start-workflows';
import { findDelivery } from '../../db/delivery-queries';
import { requireSiteKey, type SiteRequest } from '../auth';
import type { ApiDependencies } from '../dependencies';
import { retryNowSignal } from '../../workflows/deliver-webhook';
import { notFoundProblem, PROBLEM_TYPES, ProblemError } from '../problem';
import { serializeDelivery } from './delivery-pages';

/**
 * `/v1/deliveries`: one delivery with its attempts, retry now or cancel for a waiting one, and
 * redelivery of a finished one, authenticated with a site API key.
 */
export function deliveriesRouter(deps: ApiDependencies): Router {
  const router = Router();
  router.use('/v1/deliveries', requireSiteKey(deps.pool));

  router.get('/v1/deliveries/:id', async (req: SiteRequest, res) => {
    const id = String(req.params.id);
    const delivery = await findDelivery(deps.pool, req.siteId!, id);
    if (!delivery) throw notFoundProblem('delivery', id);

    const attempts = await listAttempts(deps.pool, delivery.id);
    res.json({
      ...serializeDelivery(deps, delivery),
      payload: delivery.body,
      attempts: attempts.map((attempt) => ({
        attempt_number: attempt.attemptNumber,
        started_at: attempt.startedAt.toISOString(),
        duration_ms: attempt.durationMs,
        succeeded: attempt.succeeded,
        status_code: attempt.statusCode,
        error_class: attempt.errorClass,
        error_message: attempt.errorMessage,
        response_excerpt: attempt.responseExcerpt,
      })),
    });
  });

  router.post('/v1/deliveries/:id/retry', async (req: SiteRequest, res) => {
    const delivery = await findWaitingDelivery(deps, req, 'retried now');
    await reachWorkflow(deps, delivery, 'retried now', (handle) => handle.signal(retryNowSignal));
    deps.logger.info({ deliveryId: delivery.id }, 'retry now requested');
    res.status(202).json({ id: delivery.id, status: delivery.status, retry_requested: true });
  });

  router.post('/v1/deliveries/:id/cancel', async (req: SiteRequest, res) => {
    const delivery = await findWaitingDelivery(deps, req, 'cancelled');
    // The workflow records the cancellation itself when its wait is cancelled.
    await reachWorkflow(deps, delivery, 'cancelled', (handle) => handle.cancel());
    deps.logger.info({ deliveryId: delivery.id }, 'delivery cancellation requested');
    res.status(202).json({ id: delivery.id, status: delivery.status, cancel_requested: true });
  });

  router.post('/v1/deliveries/:id/redeliver', async (req: SiteRequest, res) => {
    const id = String(req.params.id);
    const original = await findDelivery(deps.pool, req.siteId!, id);
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
    if (!redelivery) {
      throw new ProblemError({
        type: PROBLEM_TYPES.conflict,
        title: 'Endpoint not receiving',
        status: 409,
        detail: `endpoint ${JSON.stringify(original.endpointId)} does not receive events now; verify it again before redelivering`,
      });
    }
    // Started after its row has committed: an attempt that found no row would take the
    // redelivery for deleted. If the start fails, the row goes again so that nothing waits for it.
    const target = { client: deps.temporal, taskQueue: deps.taskQueue };
    const options = { tagDeliveries: deps.tagDeliveries, eager: deps.eagerWorkflowStart };
    await startDelivery(target, redelivery, options).catch(async (error) => {
      deps.logger.error(
        { err: error, deliveryId: redelivery.deliveryId },
        'redelivery start failed',
      );
      await deleteUnattemptedDelivery(deps.pool, redelivery.deliveryId);
      throw new ProblemError({
        type: PROBLEM_TYPES.unavailable,
        title: 'Service unavailable',
        status: 503,
        detail: 'the workflow service is unreachable; request the redelivery again',
      });
    });
    deps.logger.info(
      { deliveryId: redelivery.deliveryId, redeliveryOf: original.id },
      'redelivery started',
    );
    const created = await findDelivery(deps.pool, req.siteId!, redelivery.deliveryId);
    res.status(202).json(serializeDelivery(deps, created!));
  });

  return router;
}

/** Statuses of a delivery that will make no more attempts. */
const FINISHED_STATUSES: readonly DeliveryStatus[] = ['succeeded', 'failed', 'cancelled'];

/** Returns the request's delivery of the caller's site if it waits for its next attempt. */
async function findWaitingDelivery(deps: ApiDependencies, req: SiteRequest, action: string) {
  const id = String(req.params.id);
  const delivery = await findDelivery(deps.pool, req.siteId!, id);
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

function notWaiting(id: string, status: string, action: string): ProblemError {
  return new ProblemError({
    type: PROBLEM_TYPES.conflict,
    title: 'Delivery not waiting',
    status: 409,
    detail: `delivery ${JSON.stringify(id)} is ${status}; only a delivery waiting for its next attempt (retrying) can be ${action}`,
  });
}
