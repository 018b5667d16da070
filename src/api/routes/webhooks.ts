import { Router, type Response } from 'express';
import { z } from 'zod';
import {
  deleteEndpoint,
  findEndpoint,
  insertEndpoint,
  listEndpoints,
  restartVerification,
} from '../../db/endpoints';
import { withTransaction } from '../../db/pool';
import { generateEndpointSecret } from '../../delivery/signature';
import { checkEndpointUrl } from '../../endpoints/url-policy';
import { toFieldErrors } from '../../events/envelope';
import { eventTypeSchema } from '../../events/schemas';
import { newId } from '../../ids';
import { startVerification } from '../../temporal/start-workflows';
import { requireSiteKey, type SiteRequest } from '../auth';
import type { ApiDependencies } from '../dependencies';
import { PROBLEM_TYPES, ProblemError, notFoundProblem, validationProblem } from '../problem';
import { requireJson } from '../require-json';
import { serializeEndpoint } from '../serializers';
import { listDeliveriesPage, pageQuerySchema } from './delivery-pages';

const createEndpointSchema = z.strictObject({
  url: z.string().max(2048),
  events: z
    .array(eventTypeSchema)
    .min(1, { message: 'subscribe to at least one event type' })
    .refine((types) => new Set(types).size === types.length, {
      message: 'lists an event type twice',
    }),
  description: z.string().max(500).optional(),
});

/** `/v1/webhooks`: a site's endpoints, authenticated with a site API key. */
export function webhooksRouter(deps: ApiDependencies): Router {
  const router = Router();
  router.use('/v1/webhooks', requireSiteKey(deps.pool));

  router.post('/v1/webhooks', requireJson, async (req: SiteRequest, res) => {
    const parsed = createEndpointSchema.safeParse(req.body);
    if (!parsed.success) throw validationProblem(toFieldErrors(parsed.error));

    const urlProblem = checkEndpointUrl(parsed.data.url, deps.urlPolicy);
    if (urlProblem) throw validationProblem([{ path: 'url', message: urlProblem }]);

    const secret = generateEndpointSecret();
    const endpoint = await withTransaction(deps.pool, async (client) => {
      const created = await insertEndpoint(client, {
        id: newId('ep'),
        siteId: req.siteId!,
        url: parsed.data.url,
        description: parsed.data.description ?? '',
        eventTypes: parsed.data.events,
        secret,
      });
      await startVerificationOrFail(deps, created.id, created.verificationGeneration);
      return created;
    });

    deps.logger.info({ endpointId: endpoint.id, siteId: endpoint.siteId }, 'endpoint created');
    // The only response that carries the secret; the owner must store it now.
    res.status(201).json({ ...serializeEndpoint(endpoint), secret });
  });

  router.get('/v1/webhooks', async (req: SiteRequest, res) => {
    const endpoints = await listEndpoints(deps.pool, req.siteId!);
    res.json({ data: endpoints.map(serializeEndpoint) });
  });

  router.get('/v1/webhooks/:id', async (req: SiteRequest, res) => {
    const endpoint = await findEndpoint(deps.pool, req.siteId!, String(req.params.id));
    if (!endpoint) throw notFoundProblem('endpoint', String(req.params.id));
    res.json(serializeEndpoint(endpoint));
  });

  router.post('/v1/webhooks/:id/verify', async (req: SiteRequest, res: Response) => {
    const id = String(req.params.id);
    const result = await withTransaction(deps.pool, async (client) => {
      const outcome = await restartVerification(client, req.siteId!, id);
      if (outcome?.restarted) {
        const { endpoint } = outcome;
        await startVerificationOrFail(deps, endpoint.id, endpoint.verificationGeneration);
      }
      return outcome;
    });
    if (!result) throw notFoundProblem('endpoint', id);
    if (!result.restarted) {
      throw new ProblemError({
        type: PROBLEM_TYPES.conflict,
        title: 'Endpoint needs no verification',
        status: 409,
        detail: `endpoint ${id} is ${result.endpoint.status}; only endpoints that are pending or failed verification can be verified again`,
      });
    }

    deps.logger.info({ endpointId: id }, 'verification requested');
    res.status(202).json(serializeEndpoint(result.endpoint));
  });

  router.delete('/v1/webhooks/:id', async (req: SiteRequest, res) => {
    const id = String(req.params.id);
    const waiting = await deleteEndpoint(deps.pool, req.siteId!, id);
    if (!waiting) throw notFoundProblem('endpoint', id);

    // The rows are gone, so a waiting delivery would end at its next attempt anyway. Cancelling
    // ends it now instead of after a sleep of up to 12 hours.
    await Promise.all(waiting.map((workflowId) => cancelWorkflow(deps, workflowId)));
    deps.logger.info({ endpointId: id, cancelled: waiting.length }, 'endpoint deleted');
    res.status(204).end();
  });

  router.get('/v1/webhooks/:id/deliveries', async (req: SiteRequest, res) => {
    const id = String(req.params.id);
    const query = pageQuerySchema.safeParse(req.query);
    if (!query.success) throw validationProblem(toFieldErrors(query.error, ['query']));

    const endpoint = await findEndpoint(deps.pool, req.siteId!, id);
    if (!endpoint) throw notFoundProblem('endpoint', id);
    res.json(await listDeliveriesPage(deps, endpoint.id, query.data));
  });

  return router;
}

async function startVerificationOrFail(
  deps: ApiDependencies,
  endpointId: string,
  generation: number,
) {
  try {
    await startVerification(
      { client: deps.temporal, taskQueue: deps.taskQueue },
      { endpointId, generation },
    );
  } catch (error) {
    deps.logger.error({ err: error, endpointId }, 'verification start failed');
    throw new ProblemError({
      type: PROBLEM_TYPES.unavailable,
      title: 'Service unavailable',
      status: 503,
      detail: 'the workflow service is unreachable, so nothing was changed; try again shortly',
    });
  }
}

async function cancelWorkflow(deps: ApiDependencies, workflowId: string): Promise<void> {
  try {
    await deps.temporal.workflow.getHandle(workflowId).cancel();
  } catch (error) {
    deps.logger.warn(
      { err: error, workflowId },
      'delivery cancel failed; it ends at its next attempt',
    );
  }
}
