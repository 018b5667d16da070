import { Router } from 'express';
import { withTransaction } from '../../db/pool';
import { storeEvent } from '../../db/events';
import { parsePublishedEvent, serializeEnvelope } from '../../events/envelope';
import { newId } from '../../ids';
import { startDispatch } from '../../temporal/start-workflows';
import { requirePublisher } from '../auth';
import type { ApiDependencies } from '../dependencies';
import { PROBLEM_TYPES, ProblemError, validationProblem } from '../problem';
import { requireJson } from '../require-json';

/**
 * `POST /v1/events`: validates an event, stores it and starts its dispatch workflow, responding
 * 202 only after both. The workflow start happens inside the storing transaction, so an event
 * is either stored with its dispatch certain, or not stored at all and the publisher gets an error.
 */
export function eventsRouter(deps: ApiDependencies): Router {
  const router = Router();

  router.post(
    '/v1/events',
    requirePublisher(deps.publisherToken),
    requireJson,
    async (req, res) => {
      const parsed = parsePublishedEvent(req.body, () => newId('evt'), new Date());
      if ('errors' in parsed) throw validationProblem(parsed.errors);

      const { envelope, fingerprint } = parsed;
      const body = serializeEnvelope(envelope);
      const stored = await withTransaction(deps.pool, async (client) => {
        const result = await storeEvent(client, envelope, body, fingerprint);
        if (result === 'conflict') return result;

        await startDispatch(
          { client: deps.temporal, taskQueue: deps.taskQueue },
          { eventId: envelope.id, tagDeliveries: deps.tagDeliveries },
        ).catch((error) => {
          deps.logger.error(
            { err: error, eventId: envelope.id },
            'dispatch start failed; event not accepted',
          );
          throw unavailable();
        });
        return result;
      });

      if (stored === 'conflict') {
        throw new ProblemError({
          type: PROBLEM_TYPES.conflict,
          title: 'Event id already used',
          status: 409,
          detail: `event id ${JSON.stringify(envelope.id)} was published before with a different body; use a new id`,
        });
      }

      deps.logger.info(
        { eventId: envelope.id, eventType: envelope.event, duplicate: stored === 'duplicate' },
        'event accepted',
      );
      res.status(202).json({ id: envelope.id });
    },
  );

  return router;
}

function unavailable(): ProblemError {
  return new ProblemError({
    type: PROBLEM_TYPES.unavailable,
    title: 'Service unavailable',
    status: 503,
    detail:
      'the event was not accepted because the workflow service is unreachable; publish it again with the same id',
  });
}
