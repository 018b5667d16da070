import { WorkflowNotFoundError } from '@temporalio/client';
import { Router } from 'express';
import { listAttempts } from '../../db/deliveries';
import { findDelivery } from '../../db/delivery-queries';
import { requireSiteKey, type SiteRequest } from '../auth';
import type { ApiDependencies } from '../dependencies';
import { retryNowSignal } from '../../workflows/deliver-webhook';
import { notFoundProblem, PROBLEM_TYPES, ProblemError } from '../problem';
import { serializeDelivery } from './delivery-pages';

/**
 * `/v1/deliveries`: one delivery with its attempts, and a retry now of a waiting one,
 * authenticated with a site API key.
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
    const id = String(req.params.id);
    const delivery = await findDelivery(deps.pool, req.siteId!, id);
    if (!delivery) throw notFoundProblem('delivery', id);
    if (delivery.status !== 'retrying') throw notWaiting(id, delivery.status);

    try {
      await deps.temporal.workflow.getHandle(delivery.workflowId).signal(retryNowSignal);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw notWaiting(id, 'finished');
      deps.logger.error({ err: error, deliveryId: id }, 'retry-now signal failed');
      throw new ProblemError({
        type: PROBLEM_TYPES.unavailable,
        title: 'Service unavailable',
        status: 503,
        detail: 'the workflow service is unreachable; request the retry again',
      });
    }
    deps.logger.info({ deliveryId: id, workflowId: delivery.workflowId }, 'retry now requested');
    res.status(202).json({ id, status: delivery.status, retry_requested: true });
  });

  return router;
}

function notWaiting(id: string, status: string): ProblemError {
  return new ProblemError({
    type: PROBLEM_TYPES.conflict,
    title: 'Delivery not waiting',
    status: 409,
    detail: `delivery ${JSON.stringify(id)} is ${status}; only a delivery waiting for its next attempt (retrying) can be retried now`,
  });
}
