import { z } from 'zod';
import {
  deleteEndpoint,
  findEndpoint,
  insertEndpoint,
  listEndpoints,
  setEndpointEnabled,
  updateEndpoint,
  type Endpoint,
} from '../../db/endpoints';
import { withTransaction } from '../../db/pool';
import { generateEndpointSecret } from '../../delivery/signature';
import { checkEndpointUrl, type UrlPolicy } from '../../endpoints/url-policy';
import { eventTypeSchema } from '../../events/schemas';
import { newId } from '../../ids';
import type { ApiDependencies } from '../dependencies';
import { cancelDeliveryWorkflows, startVerificationOrFail } from '../endpoint-lifecycle';
import { cursorSchema, idParams, limitSchema } from '../inputs';
import { defineOperation, type Operation } from '../operation';
import { notFoundProblem, validationProblem } from '../problem';
import {
  endpointPageSchema,
  endpointSchema,
  endpointStatusSchema,
  endpointWithSecretSchema,
  serializeEndpoint,
} from '../resources/endpoint';

const urlField = z.string().max(2048).describe('where events are POSTed; https unless allowed');
const eventsField = z
  .array(eventTypeSchema)
  .min(1, { message: 'subscribe to at least one event type' })
  .refine((types) => new Set(types).size === types.length, {
    message: 'lists an event type twice',
  })
  .describe('event types to receive');
const descriptionField = z.string().max(500);

const createBody = z.strictObject({
  url: urlField,
  events: eventsField,
  description: descriptionField.optional(),
});

const updateBody = z
  .strictObject({
    url: urlField.optional(),
    events: eventsField.optional(),
    description: descriptionField.optional(),
    enabled: z.boolean().optional().describe('false stops deliveries, as the disable action does'),
  })
  .refine((body) => Object.keys(body).length > 0, {
    message: 'send at least one of url, events, description, enabled',
    // An unknown field is reported on its own; this rule is for a body with no fields at all.
    when: (payload) => payload.issues.length === 0,
  });

const listQuery = z.strictObject({
  status: endpointStatusSchema.optional(),
  event_type: eventTypeSchema.optional().describe('only endpoints that receive this type'),
  limit: limitSchema,
  cursor: cursorSchema('ep'),
});

const params = idParams('endpoint');
const TAG = 'Endpoints';

function checkUrl(url: string, policy: UrlPolicy): void {
  const problem = checkEndpointUrl(url, policy);
  if (problem) throw validationProblem([{ path: 'url', message: problem }]);
}

/** Endpoint create, list, read, change and delete. */
export function endpointOperations(deps: ApiDependencies): Operation[] {
  return [
    defineOperation({
      method: 'post',
      path: '/v1/webhooks',
      operationId: 'createEndpoint',
      tag: TAG,
      summary: 'Register an endpoint',
      description:
        'The endpoint starts as pending_verification and receives a signed verification request; a 2xx answer within 10 seconds activates it. The answer holds the signing secret, shown only here and through the reveal action.',
      auth: 'siteKey',
      body: createBody,
      responses: {
        201: { description: 'the endpoint with its secret', schema: endpointWithSecretSchema },
      },
      problems: [503],
      async handle({ body, siteId }) {
        checkUrl(body.url, deps.urlPolicy);
        const secret = generateEndpointSecret();
        const endpoint = await withTransaction(deps.pool, async (client) => {
          const created = await insertEndpoint(client, deps.secretBox, {
            id: newId('ep'),
            siteId,
            url: body.url,
            description: body.description ?? '',
            eventTypes: body.events,
            secret,
          });
          await startVerificationOrFail(deps, created);
          return created;
        });
        deps.logger.info({ endpointId: endpoint.id, siteId }, 'endpoint created');
        return { status: 201, body: { ...serializeEndpoint(endpoint), secret } };
      },
    }),

    defineOperation({
      method: 'get',
      path: '/v1/webhooks',
      operationId: 'listEndpoints',
      tag: TAG,
      summary: "List the site's endpoints",
      description: 'Oldest first, filtered by status and by subscribed event type.',
      auth: 'siteKey',
      query: listQuery,
      responses: { 200: { description: 'one page of endpoints', schema: endpointPageSchema } },
      async handle({ query, siteId }) {
        // One row more than the page shows whether another page follows.
        const rows = await listEndpoints(deps.pool, siteId, {
          status: query.status,
          eventType: query.event_type,
          limit: query.limit + 1,
          after: query.cursor,
        });
        const page = rows.slice(0, query.limit);
        const nextCursor = rows.length > query.limit ? page[page.length - 1]!.id : null;
        return {
          status: 200,
          body: { data: page.map(serializeEndpoint), next_cursor: nextCursor },
        };
      },
    }),

    defineOperation({
      method: 'get',
      path: '/v1/webhooks/{id}',
      operationId: 'getEndpoint',
      tag: TAG,
      summary: 'Get an endpoint',
      auth: 'siteKey',
      params,
      responses: { 200: { description: 'the endpoint', schema: endpointSchema } },
      async handle({ params: { id }, siteId }) {
        const endpoint = await findEndpoint(deps.pool, siteId, id);
        if (!endpoint) throw notFoundProblem('endpoint', id);
        return { status: 200, body: serializeEndpoint(endpoint) };
      },
    }),

    defineOperation({
      method: 'patch',
      path: '/v1/webhooks/{id}',
      operationId: 'updateEndpoint',
      tag: TAG,
      summary: 'Change an endpoint',
      description:
        'A new URL is verified again before it receives events, and deliveries waiting for a retry are cancelled rather than sent to it unverified (redeliver them once it is active). `enabled: false` disables the endpoint and cancels its waiting deliveries; `enabled: true` brings it back.',
      auth: 'siteKey',
      params,
      body: updateBody,
      responses: { 200: { description: 'the endpoint as changed', schema: endpointSchema } },
      problems: [503],
      async handle({ params: { id }, body, siteId }) {
        if (body.url !== undefined) checkUrl(body.url, deps.urlPolicy);
        const { endpoint, waiting } = await withTransaction(deps.pool, async (client) => {
          const updated = await updateEndpoint(client, siteId, id, {
            url: body.url,
            eventTypes: body.events,
            description: body.description,
          });
          if (!updated) throw notFoundProblem('endpoint', id);
          let current: Endpoint = updated.endpoint;
          let verify = updated.verify;
          let waitingIds = updated.waitingWorkflowIds;
          if (body.enabled !== undefined) {
            const change = await setEndpointEnabled(client, siteId, id, body.enabled);
            current = change!.endpoint;
            verify = verify || change!.verify;
            waitingIds = [...waitingIds, ...change!.waitingWorkflowIds];
          }
          if (verify) await startVerificationOrFail(deps, current);
          return { endpoint: current, waiting: waitingIds };
        });
        await cancelDeliveryWorkflows(deps, waiting);
        deps.logger.info(
          { endpointId: id, fields: Object.keys(body), status: endpoint.status },
          'endpoint changed',
        );
        return { status: 200, body: serializeEndpoint(endpoint) };
      },
    }),

    defineOperation({
      method: 'delete',
      path: '/v1/webhooks/{id}',
      operationId: 'deleteEndpoint',
      tag: TAG,
      summary: 'Delete an endpoint',
      description:
        'The endpoint disappears and receives nothing more. Its deliveries stay on record; those waiting for a retry stop at once and are recorded as cancelled.',
      auth: 'siteKey',
      params,
      responses: { 204: { description: 'deleted' } },
      async handle({ params: { id }, siteId }) {
        const waiting = await withTransaction(deps.pool, (client) =>
          deleteEndpoint(client, siteId, id),
        );
        if (!waiting) throw notFoundProblem('endpoint', id);
        // The deliveries are recorded as cancelled already; cancelling their workflows ends
        // them now instead of after a sleep of up to 12 hours.
        await cancelDeliveryWorkflows(deps, waiting);
        deps.logger.info({ endpointId: id, cancelled: waiting.length }, 'endpoint deleted');
        return { status: 204 };
      },
    }),
  ];
}
