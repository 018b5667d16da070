import { z } from 'zod';
import { createTestDelivery } from '../../db/deliveries';
import { findDelivery } from '../../db/delivery-queries';
import { restartVerification, setEndpointEnabled, type Endpoint } from '../../db/endpoints';
import { insertTestEvent } from '../../db/events';
import { withTransaction } from '../../db/pool';
import { serializeEnvelope, type EventEnvelope } from '../../events/envelope';
import { sampleEventData } from '../../events/samples';
import { eventTypeSchema } from '../../events/schemas';
import { newId } from '../../ids';
import type { ApiDependencies } from '../dependencies';
import {
  cancelDeliveryWorkflows,
  startCommittedDelivery,
  startVerificationOrFail,
} from '../endpoint-lifecycle';
import { idParams } from '../inputs';
import { defineOperation, type Operation } from '../operation';
import { PROBLEM_TYPES, ProblemError, notFoundProblem } from '../problem';
import { deliverySchema, serializeDelivery } from '../resources/delivery';
import { endpointSchema, serializeEndpoint } from '../resources/endpoint';

const params = idParams('endpoint');
const TAG = 'Endpoints';

const testBody = z.strictObject({
  event: eventTypeSchema.describe('type of the sample event to send'),
});

/** Verify again, disable, enable and send a test event. */
export function endpointActionOperations(deps: ApiDependencies): Operation[] {
  const setEnabled = async (siteId: string, id: string, enabled: boolean) => {
    const change = await withTransaction(deps.pool, async (client) => {
      const result = await setEndpointEnabled(client, siteId, id, enabled);
      if (!result) throw notFoundProblem('endpoint', id);
      if (result.verify) await startVerificationOrFail(deps, result.endpoint);
      return result;
    });
    await cancelDeliveryWorkflows(deps, change.waitingWorkflowIds);
    deps.logger.info(
      {
        endpointId: id,
        status: change.endpoint.status,
        cancelled: change.waitingWorkflowIds.length,
      },
      enabled ? 'endpoint enabled' : 'endpoint disabled',
    );
    return { status: 200, body: serializeEndpoint(change.endpoint) };
  };

  return [
    defineOperation({
      method: 'post',
      path: '/v1/webhooks/{id}/verify',
      operationId: 'verifyEndpoint',
      tag: TAG,
      summary: 'Verify an endpoint again',
      description:
        'For an endpoint that is pending or failed verification: sends a new verification request.',
      auth: 'siteKey',
      params,
      responses: { 202: { description: 'verification started', schema: endpointSchema } },
      problems: [409, 503],
      async handle({ params: { id }, siteId }) {
        const result = await withTransaction(deps.pool, async (client) => {
          const outcome = await restartVerification(client, siteId, id);
          if (outcome?.restarted) await startVerificationOrFail(deps, outcome.endpoint);
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
        return { status: 202, body: serializeEndpoint(result.endpoint) };
      },
    }),

    defineOperation({
      method: 'post',
      path: '/v1/webhooks/{id}/disable',
      operationId: 'disableEndpoint',
      tag: TAG,
      summary: 'Disable an endpoint',
      description:
        'The endpoint receives no events until enabled, and its deliveries waiting for a retry are cancelled. Disabling a disabled endpoint changes nothing.',
      auth: 'siteKey',
      params,
      responses: { 200: { description: 'the disabled endpoint', schema: endpointSchema } },
      async handle({ params: { id }, siteId }) {
        return setEnabled(siteId, id, false);
      },
    }),

    defineOperation({
      method: 'post',
      path: '/v1/webhooks/{id}/enable',
      operationId: 'enableEndpoint',
      tag: TAG,
      summary: 'Enable an endpoint',
      description:
        'An endpoint whose URL was verified becomes active again; one never verified is verified first. Enabling an enabled endpoint changes nothing.',
      auth: 'siteKey',
      params,
      responses: { 200: { description: 'the enabled endpoint', schema: endpointSchema } },
      problems: [503],
      async handle({ params: { id }, siteId }) {
        return setEnabled(siteId, id, true);
      },
    }),

    defineOperation({
      method: 'post',
      path: '/v1/webhooks/{id}/test',
      operationId: 'sendTestEvent',
      tag: TAG,
      summary: 'Send a test event',
      description:
        'Sends a sample event of the chosen type to this endpoint only, signed and retried like any other. The event is marked `test` in the API.',
      auth: 'siteKey',
      params,
      body: testBody,
      responses: { 202: { description: 'the delivery of the test event', schema: deliverySchema } },
      problems: [409, 503],
      async handle({ params: { id }, body, siteId }) {
        const envelope: EventEnvelope = {
          id: newId('evt'),
          event: body.event,
          timestamp: new Date().toISOString(),
          data: sampleEventData(siteId)[body.event],
        };
        const target = await withTransaction(deps.pool, async (client) => {
          const endpoint = await client.query<Pick<Endpoint, 'status'>>(
            'SELECT status FROM endpoints WHERE site_id = $1 AND id = $2 AND deleted_at IS NULL',
            [siteId, id],
          );
          if (!endpoint.rows[0]) throw notFoundProblem('endpoint', id);
          await insertTestEvent(client, envelope, serializeEnvelope(envelope));
          const delivery = await createTestDelivery(client, envelope.id, id);
          if (!delivery) throw notReceiving(id, endpoint.rows[0].status);
          return delivery;
        });
        // If the start fails, the test event stays on record with no delivery.
        await startCommittedDelivery(deps, target, 'send the test event');
        deps.logger.info(
          { endpointId: id, eventId: envelope.id, deliveryId: target.deliveryId },
          'test event sent',
        );
        const delivery = await findDelivery(deps.pool, siteId, target.deliveryId);
        return { status: 202, body: serializeDelivery(deps, delivery!) };
      },
    }),
  ];
}

function notReceiving(id: string, status: string): ProblemError {
  return new ProblemError({
    type: PROBLEM_TYPES.conflict,
    title: 'Endpoint not receiving',
    status: 409,
    detail: `endpoint ${JSON.stringify(id)} is ${status}; only active or failing endpoints receive events, so verify or enable it first`,
  });
}
