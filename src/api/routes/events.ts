import { Router } from 'express';
import { parsePublishedEvent, serializeEnvelope } from '../../events/envelope';
import { newId } from '../../ids';
import { acceptEvent, WorkflowStartError } from '../accept-event';
import { requirePublisher } from '../auth';
import type { ApiDependencies } from '../dependencies';
import { PROBLEM_TYPES, ProblemError, validationProblem } from '../problem';
import { requireJson } from '../require-json';

/**
 * `POST /v1/events`: validates an event and accepts it (`acceptEvent`), responding 202 only once
 * it is stored with its deliveries under way.
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
      const stored = await acceptEvent(deps, envelope, body, fingerprint).catch((error) => {
        if (!(error instanceof WorkflowStartError)) throw error;
        deps.logger.error(
          { err: error.cause, eventId: envelope.id },
          'workflow start failed; event not accepted',
        );
        throw unavailable();
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
