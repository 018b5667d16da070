import { createApiKey } from '../../src/db/api-keys';
import { newId } from '../../src/ids';
import { callApi, type ApiStack } from './api-stack';
import { dashboardScriptName, ensureDashboardBuilt } from './dashboard-build';
import type { TestDatabase } from './database';
import { createEndpoint, createSite } from './fixtures';
import { waitFor, type Receiver } from './receiver';

/** What an example request needs: a running API, its database and a receiver. */
export interface ExampleContext {
  stack: ApiStack;
  db: TestDatabase;
  receiver: Receiver;
  site: Awaited<ReturnType<typeof createSite>>;
}

/** One request to an operation, with the status it gets from the site that owns its resources. */
export interface ExampleRequest {
  path: string;
  body?: unknown;
  status: number;
}

type Example = (context: ExampleContext) => Promise<ExampleRequest>;

/** Path of the receiver that fails every request, so that deliveries there wait for a retry. */
export const FAILING_PATH = '/examples/failing';

/** Makes the receiver fail requests to `FAILING_PATH` and accept all others. */
export function respondByPath(receiver: Receiver): void {
  receiver.respond = (request) => ({ status: request.path === FAILING_PATH ? 500 : 200 });
}

async function endpoint(context: ExampleContext, path = '/examples/ok') {
  return createEndpoint(context.db.pool, context.site.id, `${context.receiver.url}${path}`, {
    eventTypes: ['subscriber.created'],
  });
}

async function publishTo(context: ExampleContext): Promise<string> {
  const published = await callApi(
    context.stack.apiUrl,
    'POST',
    '/v1/events',
    context.stack.publisherToken,
    subscriberEvent(context.site.id),
  );
  return published.body.id;
}

/** Creates a delivery of the site to a new endpoint at `path` and waits until it is in `status`. */
async function deliveryIn(context: ExampleContext, path: string, status: string) {
  const target = await endpoint(context, path);
  const eventId = await publishTo(context);
  return await waitFor(async () => {
    const { rows } = await context.db.pool.query<{ id: string; status: string }>(
      'SELECT id, status FROM deliveries WHERE event_id = $1 AND endpoint_id = $2',
      [eventId, target.id],
    );
    return rows[0]?.status === status ? rows[0] : undefined;
  });
}

export function subscriberEvent(siteId: string) {
  return {
    event: 'subscriber.created',
    data: { id: 'sub_1', email: 'jane@example.com', name: 'Jane', plan: 'pro', site_id: siteId },
  };
}

/**
 * An example request for every operation of the API, by operation id. A test that walks the
 * operations fails when one has no example, so a new route cannot be left out.
 */
export const OPERATION_EXAMPLES: Record<string, Example> = {
  publishEvent: async ({ site }) => ({
    path: '/v1/events',
    body: subscriberEvent(site.id),
    status: 202,
  }),
  getEvent: async (context) => ({
    path: `/v1/events/${await publishTo(context)}`,
    status: 200,
  }),
  listEventDeliveries: async (context) => ({
    path: `/v1/events/${await publishTo(context)}/deliveries?status=pending`,
    status: 200,
  }),

  createEndpoint: async ({ receiver }) => ({
    path: '/v1/webhooks',
    body: { url: `${receiver.url}/examples/new`, events: ['post.published'] },
    status: 201,
  }),
  listEndpoints: async () => ({ path: '/v1/webhooks?status=active&limit=5', status: 200 }),
  getEndpoint: async (context) => ({
    path: `/v1/webhooks/${(await endpoint(context)).id}`,
    status: 200,
  }),
  updateEndpoint: async (context) => ({
    path: `/v1/webhooks/${(await endpoint(context)).id}`,
    body: { description: 'changed' },
    status: 200,
  }),
  deleteEndpoint: async (context) => ({
    path: `/v1/webhooks/${(await endpoint(context)).id}`,
    status: 204,
  }),
  verifyEndpoint: async (context) => {
    const pending = await createEndpoint(
      context.db.pool,
      context.site.id,
      `${context.receiver.url}/examples/pending`,
      { status: 'verification_failed' },
    );
    return { path: `/v1/webhooks/${pending.id}/verify`, status: 202 };
  },
  disableEndpoint: async (context) => ({
    path: `/v1/webhooks/${(await endpoint(context)).id}/disable`,
    status: 200,
  }),
  enableEndpoint: async (context) => ({
    path: `/v1/webhooks/${(await endpoint(context)).id}/enable`,
    status: 200,
  }),
  sendTestEvent: async (context) => ({
    path: `/v1/webhooks/${(await endpoint(context)).id}/test`,
    body: { event: 'payment.failed' },
    status: 202,
  }),
  getEndpointSecret: async (context) => ({
    path: `/v1/webhooks/${(await endpoint(context)).id}/secret`,
    status: 200,
  }),
  rotateEndpointSecret: async (context) => ({
    path: `/v1/webhooks/${(await endpoint(context)).id}/secret/rotate`,
    body: { grace_period_seconds: 60 },
    status: 200,
  }),
  listEndpointSummaries: async (context) => {
    await endpoint(context);
    return { path: '/v1/webhook-stats?since=2020-01-01T00:00:00Z&limit=5', status: 200 };
  },
  getEndpointStats: async (context) => ({
    path: `/v1/webhooks/${(await endpoint(context)).id}/stats?bucket=15m`,
    status: 200,
  }),
  listEndpointDeliveries: async (context) => ({
    path: `/v1/webhooks/${(await endpoint(context)).id}/deliveries?since=2020-01-01T00:00:00Z`,
    status: 200,
  }),

  getDelivery: async (context) => ({
    path: `/v1/deliveries/${(await deliveryIn(context, FAILING_PATH, 'retrying')).id}`,
    status: 200,
  }),
  retryDelivery: async (context) => ({
    path: `/v1/deliveries/${(await deliveryIn(context, FAILING_PATH, 'retrying')).id}/retry`,
    status: 202,
  }),
  cancelDelivery: async (context) => ({
    path: `/v1/deliveries/${(await deliveryIn(context, FAILING_PATH, 'retrying')).id}/cancel`,
    status: 202,
  }),
  redeliverDelivery: async (context) => ({
    path: `/v1/deliveries/${(await deliveryIn(context, '/examples/ok', 'succeeded')).id}/redeliver`,
    status: 202,
  }),

  recoverEndpoint: async (context) => ({
    path: `/v1/webhooks/${(await endpoint(context)).id}/recover`,
    body: { since: '2020-01-01T00:00:00Z' },
    status: 202,
  }),
  listEndpointRecoveries: async (context) => ({
    path: `/v1/webhooks/${(await endpoint(context)).id}/recoveries`,
    status: 200,
  }),
  getRecovery: async (context) => {
    const target = await endpoint(context);
    const started = await callApi(
      context.stack.apiUrl,
      'POST',
      `/v1/webhooks/${target.id}/recover`,
      context.site.apiKey,
      { since: '2020-01-01T00:00:00Z' },
    );
    return { path: `/v1/recoveries/${started.body.id}`, status: 200 };
  },

  createSite: async () => ({
    path: '/v1/sites',
    body: { id: newId('site'), name: 'Example', owner_email: 'owner@example.com' },
    status: 201,
  }),
  getSite: async () => ({ path: '/v1/site', status: 200 }),
  updateSite: async () => ({ path: '/v1/site', body: { name: 'Renamed' }, status: 200 }),
  listApiKeys: async () => ({ path: '/v1/api-keys', status: 200 }),
  createApiKey: async () => ({ path: '/v1/api-keys', body: { name: 'example' }, status: 201 }),
  revokeApiKey: async ({ db, site }) => {
    const { record } = await createApiKey(db.pool, site.id, 'to revoke');
    return { path: `/v1/api-keys/${record.id}`, status: 200 };
  },

  createDashboardSession: async ({ site }) => ({
    path: '/v1/dashboard/sessions',
    body: { api_key: site.apiKey },
    status: 201,
  }),
  deleteDashboardSession: async () => ({ path: '/v1/dashboard/session', status: 204 }),

  getDashboard: async () => {
    await ensureDashboardBuilt();
    return { path: '/dashboard', status: 200 };
  },
  getDashboardAsset: async () => ({
    path: `/dashboard/assets/${await dashboardScriptName()}`,
    status: 200,
  }),

  getOpenApiDocument: async () => ({ path: '/openapi.json', status: 200 }),
  getReferencePage: async () => ({ path: '/docs', status: 200 }),
  getHealth: async () => ({ path: '/healthz', status: 200 }),
  getReadiness: async () => ({ path: '/readyz', status: 200 }),
  getMetrics: async () => ({ path: '/metrics', status: 200 }),
};
