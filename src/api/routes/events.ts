import { z } from 'zod';
import { findEventWithOutcomes } from '../../db/events';
import { parsePublishedEvent, serializeEnvelope } from '../../events/envelope';
import { publishEventSchema } from '../../events/schemas';
import { newId } from '../../ids';
import { ACCEPTED_STATUS, acceptedBody, acceptEvent, WorkflowStartError } from '../accept-event';
import type { ApiDependencies } from '../dependencies';
import { MAX_IDEMPOTENCY_KEY_LENGTH, readIdempotentRequest } from '../idempotency-key';
import { idParams } from '../inputs';
import { defineOperation, type Operation } from '../operation';
import { notFoundProblem, PROBLEM_TYPES, ProblemError, validationProblem } from '../problem';
import {
  acceptedEventSchema,
  eventDetailSchema,
  serializeEvent,
  serializeOutcome,
} from '../resources/event';

const TAG = 'Events';

/**
 * `POST /v1/events` for Postion's publishing services, and the events of a site for its owner.
 * A published event is validated and accepted (`acceptEvent`), with a 202 only once it is stored
 * with its deliveries under way. With an `Idempotency-Key` header, a repeat of the request gets
 * the first response again and a different body under the same key gets a 409.
 */
export function eventOperations(deps: ApiDependencies): Operation[] {
  return [
    defineOperation({
      method: 'post',
      path: '/v1/events',
      operationId: 'publishEvent',
      tag: TAG,
      summary: 'Publish an event',
      description:
        'For Postion services, with the publisher token. The event reaches the endpoints of `data.site_id` that receive events and subscribe to its type. `data` must carry the fields its type requires; unknown types answer 400 with the list of known ones.',
      auth: 'publisher',
      body: publishEventSchema,
      bodyCheckedByHandler: true,
      headers: [
        {
          name: 'Idempotency-Key',
          description:
            'a repeat of the request with the same key and body gets the first answer again (with Idempotent-Replayed: true); the same key with another body is a 409; kept for 24 hours',
          schema: z.string().min(1).max(MAX_IDEMPOTENCY_KEY_LENGTH),
        },
      ],
      responses: {
        202: { description: 'stored, with its deliveries under way', schema: acceptedEventSchema },
      },
      problems: [409, 413, 503],
      async handle({ req }) {
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
            return {
              status: acceptance.status,
              body: acceptance.body,
              headers: { 'Idempotent-Replayed': 'true' },
            };
          case 'accepted':
            if (!acceptance.duplicate) deps.metrics?.recordEventAccepted(envelope.event);
            deps.logger.info(
              {
                eventId: acceptance.eventId,
                eventType: envelope.event,
                duplicate: acceptance.duplicate,
                deliveries: acceptance.deliveries,
              },
              'event accepted',
            );
            return {
              status: ACCEPTED_STATUS,
              body: acceptedBody(acceptance.eventId, acceptance.deliveries),
            };
        }
      },
    }),

    defineOperation({
      method: 'get',
      path: '/v1/events/{id}',
      operationId: 'getEvent',
      tag: TAG,
      summary: 'Get an event with its outcome at each endpoint',
      description:
        'The exact payload sent, and for each endpoint the status of the latest delivery of the event there.',
      auth: 'siteKey',
      params: idParams('event'),
      responses: { 200: { description: 'the event', schema: eventDetailSchema } },
      async handle({ params: { id }, siteId }) {
        const found = await findEventWithOutcomes(deps.pool, siteId, id);
        if (!found) throw notFoundProblem('event', id);
        return {
          status: 200,
          body: {
            ...serializeEvent(found.event),
            payload: found.body,
            outcomes: found.outcomes.map(serializeOutcome),
          },
        };
      },
    }),
  ];
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
