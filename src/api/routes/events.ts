import { Router } from 'express';
import { parsePublishedEvent, serializeEnvelope } from '../../events/envelope';
import { newId } from '../../ids';
import { ACCEPTED_STATUS, acceptedBody, acceptEvent, WorkflowStartError } from '../accept-event';
import { requirePublisher } from '../auth';
import type { ApiDependencies } from '../dependencies';
import { readIdempotentRequest } from '../idempotency-key';
import { PROBLEM_TYPES, ProblemError, validationProblem } from '../problem';
import { requireJson } from '../require-json';

/**
 * `POST /v1/events`: validates an event and accepts it (`acceptEvent`), responding 202 only once
 * it is stored with its deliveries under way. With an `Idempotency-Key` header, a repeat of the
 * request gets the first response again and a different body under the same key gets a 409.
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

      const idempotency = readIdempotentRequest(req);
      const { envelope, fingerprint } = parsed;
      const body = serializeEnvelope(envelope);
      const acceptance = await acceptEvent(deps, envelope, body, fingerprint, idempotency).catch(
        (error) => {
          if (!(error instanceof WorkflowStartError)) throw error;
          deps.logger.error(
            { err: error.cause, eventId: envelope.id },
            'workflow start failed; event not accepted',
          );
          throw unavailable();
        },
      );

      switch (acceptance.kind) {
        case 'conflict':
          throw new ProblemError({
            type: PROBLEM_TYPES.conflict,
            title: 'Event id already used',
            status: 409,
            detail: `event id ${JSON.stringify(acceptance.eventId)} was published before with a different body; use a new id`,
          });
        case 'keyReused':
          throw new ProblemError({
            type: PROBLEM_TYPES.idempotencyKeyReused,
            title: 'Idempotency-Key already used',
            status: 409,
            detail: `Idempotency-Key ${JSON.stringify(acceptance.key)} was sent before with a different body; use a new key for a new request`,
          });
        case 'replayed':
          deps.logger.info(
            { idempotencyKey: idempotency?.key, status: acceptance.status },
            'idempotent request answered again',
          );
          res.set('Idempotent-Replayed', 'true').status(acceptance.status).json(acceptance.body);
          return;
        case 'accepted':
          deps.logger.info(
            {
              eventId: acceptance.eventId,
              eventType: envelope.event,
              duplicate: acceptance.duplicate,
            },
            'event accepted',
          );
          res.status(ACCEPTED_STATUS).json(acceptedBody(acceptance.eventId));
      }
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
