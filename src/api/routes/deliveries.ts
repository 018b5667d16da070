import { Router } from 'express';
import { listAttempts } from '../../db/deliveries';
import { findDelivery } from '../../db/delivery-queries';
import { requireSiteKey, type SiteRequest } from '../auth';
import type { ApiDependencies } from '../dependencies';
import { notFoundProblem } from '../problem';
import { serializeDelivery } from './delivery-pages';

/** `/v1/deliveries`: one delivery with its attempts, authenticated with a site API key. */
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

  return router;
}
