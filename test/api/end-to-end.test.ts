import { createHmac } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { DIRECT_START_LIMIT } from '../../src/api/accept-event';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { recordHistory } from '../helpers/histories';
import { callApi, startApiStack, type ApiStack } from '../helpers/api-stack';
import { createEndpoint, createSite } from '../helpers/fixtures';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver';

const TASK_QUEUE = 'end-to-end-test';

let db: TestDatabase;
let stack: ApiStack;
let receiver: Receiver;
let site: Awaited<ReturnType<typeof createSite>>;
let otherSite: Awaited<ReturnType<typeof createSite>>;

beforeAll(async () => {
  [db, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  stack = await startApiStack(db, TASK_QUEUE);
  site = await createSite(db.pool);
  otherSite = await createSite(db.pool);
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all([db?.drop(), receiver?.close()]);
});

const asSite = (method: string, path: string, body?: unknown) =>
  callApi(stack.apiUrl, method, path, site.apiKey, body);

const publish = (body: unknown) =>
  callApi(stack.apiUrl, 'POST', '/v1/events', stack.publisherToken, body);

function subscriberEvent(id?: string) {
  return {
    ...(id ? { id } : {}),
    event: 'subscriber.created',
    data: { id: 'sub_1', email: 'jane@example.com', name: 'Jane', plan: 'pro', site_id: site.id },
  };
}

async function createWebhook(path: string, events = ['subscriber.created']) {
  const created = await asSite('POST', '/v1/webhooks', { url: `${receiver.url}${path}`, events });
  expect(created.status).toBe(201);
  return created.body;
}

async function waitForStatus(endpointId: string, status: string) {
  return await waitFor(async () => {
    const { body } = await asSite('GET', `/v1/webhooks/${endpointId}`);
    return body.status === status ? body : undefined;
  });
}

async function deliveriesOf(endpointId: string) {
  const { body } = await asSite('GET', `/v1/webhooks/${endpointId}/deliveries`);
  return body.data as Array<{ id: string; event_id: string; status: string; workflow_id: string }>;
}

test('webhook becomes active after signed verification', async () => {
  receiver.respond = () => ({ status: 200 });
  const created = await createWebhook('/verified');

  expect(created.status).toBe('pending_verification');
  expect(created.site_id).toBe(site.id);
  expect(created.secret).toMatch(/^whsec_/);
  const active = await waitForStatus(created.id, 'active');
  expect(active.secret).toBeUndefined();

  const [verification] = receiver.requests.filter((request) => request.path === '/verified');
  expect(JSON.parse(verification!.body).event).toBe('endpoint.verification');
  const expected = createHmac('sha256', created.secret).update(verification!.body).digest('hex');
  expect(verification!.headers['x-postion-signature']).toBe(expected);
});

test('failed verification keeps reason until verified again', async () => {
  receiver.respond = (request) => ({
    status: request.path === '/flaky' && receiver.requests.length < 1000 ? 500 : 200,
  });
  const created = await createWebhook('/flaky');

  const failed = await waitForStatus(created.id, 'verification_failed');
  expect(failed.status_reason).toContain('500');

  receiver.respond = () => ({ status: 204 });
  const again = await asSite('POST', `/v1/webhooks/${created.id}/verify`);
  expect(again.status).toBe(202);
  expect(again.body.status).toBe('pending_verification');
  await waitForStatus(created.id, 'active');
});

test('only active subscribed endpoints receive events', async () => {
  receiver.respond = () => ({ status: 200 });
  const active = await createWebhook('/gate-active');
  await waitForStatus(active.id, 'active');
  const pending = await createEndpoint(db.pool, site.id, `${receiver.url}/gate-pending`, {
    status: 'pending_verification',
  });
  const failed = await createEndpoint(db.pool, site.id, `${receiver.url}/gate-failed`, {
    status: 'verification_failed',
  });
  const otherType = await createWebhook('/gate-other-type', ['post.published']);
  await waitForStatus(otherType.id, 'active');

  const published = await publish(subscriberEvent());
  expect(published.status).toBe(202);

  const delivered = await waitFor(async () => {
    const deliveries = await deliveriesOf(active.id);
    return deliveries.find(
      (delivery) => delivery.event_id === published.body.id && delivery.status === 'succeeded',
    );
  });
  expect(delivered).toBeDefined();
  for (const endpoint of [pending, failed, otherType]) {
    expect(await deliveriesOf(endpoint.id)).toEqual([]);
  }
  const paths = receiver.requests.map((request) => request.path);
  expect(paths).not.toContain('/gate-pending');
  expect(paths).not.toContain('/gate-failed');
});

test('same event published twice is delivered once', async () => {
  receiver.respond = () => ({ status: 200 });
  const endpoint = await createWebhook('/dedupe');
  await waitForStatus(endpoint.id, 'active');
  const event = subscriberEvent(`evt_dedupe_${Date.now()}`);

  const first = await publish(event);
  const second = await publish(event);

  expect(first.status).toBe(202);
  expect(second.status).toBe(202);
  expect(second.body.id).toBe(event.id);
  await waitFor(async () =>
    (await deliveriesOf(endpoint.id))[0]?.status === 'succeeded' ? true : undefined,
  );
  // Give a stray second delivery time to show up before counting.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(await deliveriesOf(endpoint.id)).toHaveLength(1);
  const received = receiver.requests.filter(
    (request) => request.path === '/dedupe' && request.headers['webhook-id'] === event.id,
  );
  expect(received).toHaveLength(1);

  const changed = await publish({ ...event, data: { ...event.data, plan: 'free' } });
  expect(changed.status).toBe(409);
});

test('delivery detail shows attempts and workflow link', async () => {
  receiver.respond = () => ({ status: 200, body: 'thanks' });
  const endpoint = await createWebhook('/detail');
  await waitForStatus(endpoint.id, 'active');
  const published = await publish(subscriberEvent());
  const delivery = await waitFor(async () => {
    const [first] = await deliveriesOf(endpoint.id);
    return first?.status === 'succeeded' ? first : undefined;
  });

  const detail = await asSite('GET', `/v1/deliveries/${delivery.id}`);
  const workflows = stack.client.workflow;
  recordHistory(
    'verify-endpoint-url',
    await workflows.getHandle(`verify-${endpoint.id}-1`).fetchHistory(),
  );

  expect(detail.status).toBe(200);
  expect(detail.body.event_id).toBe(published.body.id);
  expect(detail.body.attempt_count).toBe(1);
  expect(detail.body.next_attempt_at).toBeNull();
  expect(detail.body.attempts).toHaveLength(1);
  expect(detail.body.attempts[0].status_code).toBe(200);
  expect(detail.body.attempts[0].response_excerpt).toBe('thanks');
  expect(detail.body.workflow_url).toContain(encodeURIComponent(detail.body.workflow_id));
  const received = receiver.requests.find(
    (request) => request.headers['x-postion-delivery-id'] === delivery.id,
  );
  expect(detail.body.payload).toBe(received!.body);
});

test('event for a few endpoints starts their deliveries without a dispatch workflow', async () => {
  receiver.respond = () => ({ status: 200 });
  const endpoint = await createWebhook('/direct');
  await waitForStatus(endpoint.id, 'active');

  const published = await publish(subscriberEvent());

  expect(published.status).toBe(202);
  const [delivery] = await waitFor(async () => {
    const rows = await deliveriesOf(endpoint.id);
    return rows[0]?.status === 'succeeded' ? rows : undefined;
  });
  expect(delivery!.workflow_id).toBe(`delivery-${published.body.id}-${endpoint.id}`);
  await expect(
    stack.client.workflow.getHandle(`event-${published.body.id}`).describe(),
  ).rejects.toThrow(WorkflowNotFoundError);
});

test('event for more endpoints than the direct start limit fans out through dispatch', async () => {
  receiver.respond = () => ({ status: 200 });
  const wideSite = await createSite(db.pool);
  const endpoints = [];
  for (let index = 0; index <= DIRECT_START_LIMIT; index++) {
    endpoints.push(await createEndpoint(db.pool, wideSite.id, `${receiver.url}/wide/${index}`));
  }

  const published = await publish({
    event: 'subscriber.created',
    data: {
      id: 'sub_9',
      email: 'wide@example.com',
      name: 'Wide',
      plan: 'pro',
      site_id: wideSite.id,
    },
  });

  expect(published.status).toBe(202);
  const eventId = published.body.id;
  const arrived = await waitFor(async () => {
    const paths = receiver.requests
      .filter((request) => request.headers['webhook-id'] === eventId)
      .map((request) => request.path);
    return paths.length >= endpoints.length ? paths : undefined;
  });
  expect(new Set(arrived).size).toBe(endpoints.length);
  const dispatch = stack.client.workflow.getHandle(`event-${eventId}`);
  expect(await dispatch.result()).toEqual({ deliveries: endpoints.length });
  recordHistory('dispatch-event', await dispatch.fetchHistory());
  // Give a stray second request time to arrive before counting.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(
    receiver.requests.filter((request) => request.headers['webhook-id'] === eventId),
  ).toHaveLength(endpoints.length);
});

/** Publishes an event to a new active endpoint at `path`, whose first attempt must fail. */
async function publishToWaiting(path: string) {
  const endpoint = await createEndpoint(db.pool, site.id, `${receiver.url}${path}`);
  await publish(subscriberEvent());
  return await waitFor(async () => {
    const [delivery] = await deliveriesOf(endpoint.id);
    return delivery?.status === 'retrying' ? delivery : undefined;
  });
}

test('retry now cuts the wait before the next attempt', async () => {
  receiver.respond = (request) => ({
    status:
      request.path === '/retry-now' && request.headers['x-postion-attempt'] === '1' ? 500 : 200,
  });
  const waiting = await publishToWaiting('/retry-now');

  const retried = await asSite('POST', `/v1/deliveries/${waiting.id}/retry`);

  expect(retried.status).toBe(202);
  const detail = await waitFor(async () => {
    const { body } = await asSite('GET', `/v1/deliveries/${waiting.id}`);
    return body.status === 'succeeded' ? body : undefined;
  }, 20_000);
  expect(detail.attempts.map((attempt: { succeeded: boolean }) => attempt.succeeded)).toEqual([
    false,
    true,
  ]);
  const [first, second] = detail.attempts.map((attempt: { started_at: string }) =>
    Date.parse(attempt.started_at),
  );
  // The retry schedule would have waited 60 s.
  expect(second - first).toBeLessThan(30_000);

  const again = await asSite('POST', `/v1/deliveries/${waiting.id}/retry`);
  expect(again.status).toBe(409);
  expect(again.body.detail).toContain('succeeded');
});

test('cancel stops a waiting delivery', async () => {
  receiver.respond = (request) => ({ status: request.path === '/cancel-me' ? 500 : 200 });
  const waiting = await publishToWaiting('/cancel-me');

  const cancelled = await asSite('POST', `/v1/deliveries/${waiting.id}/cancel`);

  expect(cancelled.status).toBe(202);
  const detail = await waitFor(async () => {
    const { body } = await asSite('GET', `/v1/deliveries/${waiting.id}`);
    return body.status === 'cancelled' ? body : undefined;
  });
  expect(detail.attempts).toHaveLength(1);
  expect(detail.next_attempt_at).toBeNull();
  const again = await asSite('POST', `/v1/deliveries/${waiting.id}/cancel`);
  expect(again.status).toBe(409);
  expect(again.body.detail).toContain('cancelled');
});

test('redeliver sends a finished delivery again as a new one', async () => {
  receiver.respond = () => ({ status: 200 });
  const endpoint = await createEndpoint(db.pool, site.id, `${receiver.url}/redeliver`);
  const published = await publish(subscriberEvent());
  const original = await waitFor(async () => {
    const [delivery] = await deliveriesOf(endpoint.id);
    return delivery?.status === 'succeeded' ? delivery : undefined;
  });

  const redelivered = await asSite('POST', `/v1/deliveries/${original.id}/redeliver`);

  expect(redelivered.status).toBe(202);
  expect(redelivered.body.id).not.toBe(original.id);
  expect(redelivered.body.redelivery_of).toBe(original.id);
  expect(redelivered.body.event_id).toBe(published.body.id);
  await waitFor(async () => {
    const { body } = await asSite('GET', `/v1/deliveries/${redelivered.body.id}`);
    return body.status === 'succeeded' ? body : undefined;
  });
  const requests = receiver.requests.filter((request) => request.path === '/redeliver');
  expect(requests.map((request) => request.headers['webhook-id'])).toEqual([
    published.body.id,
    published.body.id,
  ]);
  expect(requests.map((request) => request.headers['x-postion-delivery-id'])).toEqual([
    original.id,
    redelivered.body.id,
  ]);
  expect(requests[1]!.body).toBe(requests[0]!.body);
});

test('redeliver of a waiting delivery is refused', async () => {
  receiver.respond = (request) => ({ status: request.path === '/redeliver-waiting' ? 500 : 200 });
  const waiting = await publishToWaiting('/redeliver-waiting');

  const response = await asSite('POST', `/v1/deliveries/${waiting.id}/redeliver`);

  expect(response.status).toBe(409);
  expect(response.body.detail).toContain('retrying');
  await asSite('POST', `/v1/deliveries/${waiting.id}/cancel`);
});

test('retry now of an unknown delivery answers 404', async () => {
  const response = await asSite('POST', '/v1/deliveries/dlv_missing/retry');

  expect(response.status).toBe(404);
});

test('deliveries are searchable in Temporal', async () => {
  receiver.respond = () => ({ status: 200 });
  const endpoint = await createWebhook('/searchable');
  await waitForStatus(endpoint.id, 'active');
  await publish(subscriberEvent());

  const found = await waitFor(async () => {
    const query = `PostionEndpointId = '${endpoint.id}' AND PostionEventType = 'subscriber.created'`;
    for await (const workflow of stack.client.workflow.list({ query })) return workflow.workflowId;
    return undefined;
  });
  expect(found).toContain(endpoint.id);
});

test('other sites and missing keys see nothing', async () => {
  receiver.respond = () => ({ status: 200 });
  const endpoint = await createWebhook('/private');
  const other = (method: string, path: string) =>
    callApi(stack.apiUrl, method, path, otherSite.apiKey);

  expect((await other('GET', `/v1/webhooks/${endpoint.id}`)).status).toBe(404);
  expect((await other('GET', `/v1/webhooks/${endpoint.id}/deliveries`)).status).toBe(404);
  expect((await other('POST', `/v1/webhooks/${endpoint.id}/verify`)).status).toBe(404);
  expect((await other('DELETE', `/v1/webhooks/${endpoint.id}`)).status).toBe(404);
  expect((await other('GET', '/v1/webhooks')).body.data).toEqual([]);
  expect((await callApi(stack.apiUrl, 'GET', '/v1/webhooks', null)).status).toBe(401);
  expect((await callApi(stack.apiUrl, 'GET', '/v1/webhooks', stack.publisherToken)).status).toBe(
    401,
  );
  expect(
    (await callApi(stack.apiUrl, 'POST', '/v1/events', site.apiKey, subscriberEvent())).status,
  ).toBe(401);
});

test('invalid input gets a problem naming the field', async () => {
  const missingEmail = subscriberEvent();
  delete (missingEmail.data as Partial<typeof missingEmail.data>).email;

  const invalid = await publish(missingEmail);
  const unknownType = await publish({ ...subscriberEvent(), event: 'subscriber.exploded' });
  const badUrl = await asSite('POST', '/v1/webhooks', {
    url: 'ftp://example.com',
    events: ['post.published'],
  });

  expect(invalid.status).toBe(400);
  expect(invalid.contentType).toContain('application/problem+json');
  expect(invalid.body.errors).toEqual([{ path: 'data.email', message: 'is required' }]);
  expect(unknownType.status).toBe(400);
  expect(unknownType.body.detail).toContain('payment.failed');
  expect(badUrl.status).toBe(400);
  expect(badUrl.body.errors[0].path).toBe('url');
});

test('deleted endpoint stops its waiting deliveries and records them cancelled', async () => {
  receiver.respond = (request) => ({
    status: JSON.parse(request.body).event === 'endpoint.verification' ? 200 : 500,
  });
  const endpoint = await createWebhook('/deleted');
  await waitForStatus(endpoint.id, 'active');
  await publish(subscriberEvent());
  const delivery = await waitFor(async () => {
    const [first] = await deliveriesOf(endpoint.id);
    return first?.status === 'retrying' ? first : undefined;
  });

  const deleted = await asSite('DELETE', `/v1/webhooks/${endpoint.id}`);

  expect(deleted.status).toBe(204);
  expect((await asSite('GET', `/v1/webhooks/${endpoint.id}`)).status).toBe(404);
  // The delivery stays on record, stopped, and the secret is gone.
  const record = await asSite('GET', `/v1/deliveries/${delivery.id}`);
  expect(record.body.status).toBe('cancelled');
  const { rows } = await db.pool.query(
    'SELECT secret, previous_secret FROM endpoints WHERE id = $1',
    [endpoint.id],
  );
  expect(rows[0]).toEqual({ secret: '', previous_secret: null });
  const handle = stack.client.workflow.getHandle(delivery.workflow_id);
  const closed = await waitFor(async () => {
    const { status } = await handle.describe();
    return status.name === 'RUNNING' ? undefined : status.name;
  });
  expect(closed).toBe('CANCELLED');
  expect((await asSite('DELETE', `/v1/webhooks/${endpoint.id}`)).status).toBe(404);
});

test('active endpoint cannot be verified again', async () => {
  receiver.respond = () => ({ status: 200 });
  const endpoint = await createWebhook('/already-active');
  await waitForStatus(endpoint.id, 'active');

  const again = await asSite('POST', `/v1/webhooks/${endpoint.id}/verify`);

  expect(again.status).toBe(409);
  expect(again.body.detail).toContain('is active');
  expect((await asSite('GET', `/v1/webhooks/${endpoint.id}`)).body.status).toBe('active');
});

test('malformed requests get 4xx, never 500', async () => {
  const latin1 = await fetch(`${stack.apiUrl}/v1/events`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${stack.publisherToken}`,
      'content-type': 'application/json; charset=latin1',
    },
    body: '{}',
  });
  const badEscape = await asSite('GET', '/v1/webhooks/%E0%A4%A');
  const nul = await asSite('POST', '/v1/webhooks', {
    url: `${receiver.url}/nul`,
    events: ['post.published'],
    description: 'bad\u0000byte',
  });

  expect(latin1.status).toBe(415);
  expect(badEscape.status).toBe(400);
  expect(nul.status).toBe(400);
  expect(nul.body.detail).toContain('NUL');
});
