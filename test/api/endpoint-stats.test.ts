import { newId } from '../../src/ids';
import { deliveryWorkflowId } from '../../src/temporal/workflow-ids';
import { callApi, startApiStack, type ApiStack } from '../helpers/api-stack';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createEndpoint, createSite, storeTestEvent, subscriberCreated } from '../helpers/fixtures';

let db: TestDatabase;
let stack: ApiStack;
let site: Awaited<ReturnType<typeof createSite>>;

beforeAll(async () => {
  db = await createTestDatabase();
  stack = await startApiStack(db, 'endpoint-stats-test');
  site = await createSite(db.pool);
});

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

const get = (path: string) => callApi(stack.apiUrl, 'GET', path, site.apiKey);

const HOUR = 3_600_000;
const NOW = Date.now();
const hoursAgo = (hours: number) => new Date(NOW - hours * HOUR);

/** Inserts a delivery of a new event to `endpointId`, in `status`, created at `createdAt`. */
async function insertDelivery(endpointId: string, status: string, createdAt: Date) {
  const { eventId } = await storeTestEvent(db.pool, subscriberCreated(site.id));
  const id = newId('dlv', createdAt.getTime());
  await db.pool.query(
    `INSERT INTO deliveries (id, event_id, endpoint_id, site_id, event_type, workflow_id, status,
                             created_at)
     VALUES ($1, $2, $3, $4, 'subscriber.created', $5, $6, $7)`,
    [id, eventId, endpointId, site.id, deliveryWorkflowId(eventId, endpointId), status, createdAt],
  );
  return id;
}

async function newEndpoint() {
  return createEndpoint(db.pool, site.id, `http://127.0.0.1:9/${newId('path')}`);
}

describe('GET /v1/webhook-stats', () => {
  test('counts deliveries since a time', async () => {
    const endpoint = await newEndpoint();
    await insertDelivery(endpoint.id, 'succeeded', hoursAgo(30));
    await insertDelivery(endpoint.id, 'succeeded', hoursAgo(5));
    await insertDelivery(endpoint.id, 'succeeded', hoursAgo(4));
    await insertDelivery(endpoint.id, 'succeeded', hoursAgo(3));
    await insertDelivery(endpoint.id, 'retrying', hoursAgo(2));
    const newest = await insertDelivery(endpoint.id, 'pending', hoursAgo(1));

    const response = await get('/v1/webhook-stats');
    const summary = response.body.data.find(
      (item: { endpoint_id: string }) => item.endpoint_id === endpoint.id,
    );

    expect(response.status).toBe(200);
    expect(summary.deliveries).toEqual({
      pending: 1,
      retrying: 1,
      succeeded: 3,
      failed: 0,
      cancelled: 0,
      total: 5,
    });
    expect(summary.success_rate).toBe(0.75);
    expect(summary.last_delivery.id).toBe(newest);
    expect(summary.last_delivery.status).toBe('pending');
    expect(summary.last_delivery.created_at).toBe(hoursAgo(1).toISOString());
  });

  test('honours since', async () => {
    const endpoint = await newEndpoint();
    await insertDelivery(endpoint.id, 'failed', hoursAgo(50));
    await insertDelivery(endpoint.id, 'succeeded', hoursAgo(10));

    const since = hoursAgo(60).toISOString();
    const response = await get(`/v1/webhook-stats?since=${since}`);
    const summary = response.body.data.find(
      (item: { endpoint_id: string }) => item.endpoint_id === endpoint.id,
    );

    expect(response.body.since).toBe(since);
    expect(summary.deliveries.total).toBe(2);
    expect(summary.success_rate).toBe(0.5);
  });

  test('endpoint without deliveries', async () => {
    const endpoint = await newEndpoint();

    const response = await get('/v1/webhook-stats');
    const summary = response.body.data.find(
      (item: { endpoint_id: string }) => item.endpoint_id === endpoint.id,
    );

    expect(summary.deliveries.total).toBe(0);
    expect(summary.success_rate).toBeNull();
    expect(summary.last_delivery).toBeNull();
  });

  test('pages like the endpoint list', async () => {
    await newEndpoint();
    await newEndpoint();

    const first = await get('/v1/webhook-stats?limit=2');
    const second = await get(`/v1/webhook-stats?limit=2&cursor=${first.body.next_cursor}`);
    const endpoints = await get('/v1/webhooks?limit=4');

    const ids = [...first.body.data, ...second.body.data].map(
      (item: { endpoint_id: string }) => item.endpoint_id,
    );
    expect(first.body.data).toHaveLength(2);
    expect(ids).toEqual(
      endpoints.body.data.slice(0, ids.length).map((item: { id: string }) => item.id),
    );
  });

  test('leaves out deleted endpoints', async () => {
    const endpoint = await newEndpoint();
    await callApi(stack.apiUrl, 'DELETE', `/v1/webhooks/${endpoint.id}`, site.apiKey);

    const response = await get('/v1/webhook-stats?limit=100');
    const ids = response.body.data.map((item: { endpoint_id: string }) => item.endpoint_id);

    expect(ids).not.toContain(endpoint.id);
  });
});

describe('GET /v1/webhooks/{id}/stats', () => {
  test('counts deliveries in buckets', async () => {
    const endpoint = await newEndpoint();
    const since = new Date(Date.UTC(2025, 6, 15, 0, 0, 0));
    const until = new Date(Date.UTC(2025, 6, 15, 6, 0, 0));
    const at = (hours: number, minutes = 0) =>
      new Date(since.getTime() + hours * HOUR + minutes * 60_000);
    await insertDelivery(endpoint.id, 'succeeded', at(0, 10));
    await insertDelivery(endpoint.id, 'failed', at(0, 59));
    await insertDelivery(endpoint.id, 'succeeded', at(2, 0));
    await insertDelivery(endpoint.id, 'cancelled', at(5, 30));
    await insertDelivery(endpoint.id, 'succeeded', at(6, 0));
    await insertDelivery(endpoint.id, 'succeeded', at(-1, 0));

    const response = await get(
      `/v1/webhooks/${endpoint.id}/stats?since=${since.toISOString()}&until=${until.toISOString()}&bucket=1h`,
    );

    expect(response.status).toBe(200);
    expect(response.body.bucket_seconds).toBe(3600);
    expect(response.body.buckets).toHaveLength(6);
    const totals = response.body.buckets.map(
      (bucket: { deliveries: { total: number } }) => bucket.deliveries.total,
    );
    expect(totals).toEqual([2, 0, 1, 0, 0, 1]);
    expect(response.body.buckets[0].start).toBe('2025-07-15T00:00:00.000Z');
    expect(response.body.buckets[0].deliveries.failed).toBe(1);
    expect(response.body.buckets[5].deliveries.cancelled).toBe(1);
    expect(response.body.deliveries.total).toBe(4);
    expect(response.body.success_rate).toBeCloseTo(2 / 3);
  });

  test('covers the last 24 hours by default', async () => {
    const endpoint = await newEndpoint();
    await insertDelivery(endpoint.id, 'succeeded', hoursAgo(2));

    const response = await get(`/v1/webhooks/${endpoint.id}/stats`);

    const span = Date.parse(response.body.until) - Date.parse(response.body.since);
    expect(span).toBe(24 * HOUR);
    expect(response.body.buckets).toHaveLength(24);
    expect(response.body.deliveries.succeeded).toBe(1);
    expect(response.body.last_delivery.status).toBe('succeeded');
  });

  test('rejects since after until', async () => {
    const endpoint = await newEndpoint();

    const response = await get(
      `/v1/webhooks/${endpoint.id}/stats?since=2025-07-16T00:00:00Z&until=2025-07-15T00:00:00Z`,
    );

    expect(response.status).toBe(400);
    expect(response.body.errors[0].path).toBe('query.since');
  });

  test('rejects too many buckets', async () => {
    const endpoint = await newEndpoint();

    const response = await get(
      `/v1/webhooks/${endpoint.id}/stats?since=2025-01-01T00:00:00Z&until=2025-07-01T00:00:00Z&bucket=1m`,
    );

    expect(response.status).toBe(400);
    expect(response.body.errors[0].path).toBe('query.bucket');
    expect(response.body.errors[0].message).toContain('more than 500');
  });

  test('rejects an unknown bucket', async () => {
    const endpoint = await newEndpoint();

    const response = await get(`/v1/webhooks/${endpoint.id}/stats?bucket=2h`);

    expect(response.status).toBe(400);
    expect(response.body.errors[0].message).toBe(
      'unknown bucket "2h"; expected one of 1m, 5m, 15m, 1h, 6h, 1d',
    );
  });

  test("another site's endpoint is not found", async () => {
    const stranger = await createSite(db.pool);
    const endpoint = await createEndpoint(db.pool, stranger.id, 'http://127.0.0.1:9/other');

    const response = await get(`/v1/webhooks/${endpoint.id}/stats`);

    expect(response.status).toBe(404);
  });
});
