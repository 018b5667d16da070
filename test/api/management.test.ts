import { createHmac } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { callApi, startApiStack, type ApiStack } from '../helpers/api-stack';
import { createRecovery } from '../../src/db/recoveries';
import { newId } from '../../src/ids';
import { createEndpoint, createSite, storeTestEvent, subscriberCreated } from '../helpers/fixtures';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver';

const TASK_QUEUE = 'management-test';

let db: TestDatabase;
let stack: ApiStack;
let receiver: Receiver;
let site: Awaited<ReturnType<typeof createSite>>;

beforeAll(async () => {
  [db, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  stack = await startApiStack(db, TASK_QUEUE);
  site = await createSite(db.pool);
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all([db?.drop(), receiver?.close()]);
});

beforeEach(() => {
  receiver.respond = () => ({ status: 200 });
});

const asSite = (method: string, path: string, body?: unknown, key = site.apiKey) =>
  callApi(stack.apiUrl, method, path, key, body);

const publish = (body: unknown) =>
  callApi(stack.apiUrl, 'POST', '/v1/events', stack.publisherToken, body);

function subscriberEvent(siteId = site.id) {
  return {
    event: 'subscriber.created',
    data: { id: 'sub_1', email: 'jane@example.com', name: 'Jane', plan: 'pro', site_id: siteId },
  };
}

async function createWebhook(path: string, events = ['subscriber.created'], key = site.apiKey) {
  const created = await asSite(
    'POST',
    '/v1/webhooks',
    { url: `${receiver.url}${path}`, events },
    key,
  );
  expect(created.status).toBe(201);
  return created.body;
}

async function waitForStatus(endpointId: string, status: string, key = site.apiKey) {
  return await waitFor(async () => {
    const { body } = await asSite('GET', `/v1/webhooks/${endpointId}`, undefined, key);
    return body.status === status ? body : undefined;
  });
}

function requestsTo(path: string) {
  return receiver.requests.filter((request) => request.path === path);
}

function eventsAt(path: string) {
  return requestsTo(path).map((request) => JSON.parse(request.body));
}

describe('sites and API keys', () => {
  test('publisher registers a site', async () => {
    const created = await callApi(stack.apiUrl, 'POST', '/v1/sites', stack.publisherToken, {
      id: 'site_registered',
      name: 'Registered',
      owner_email: 'owner@example.com',
    });

    expect(created.status).toBe(201);
    expect(created.body.api_key.key).toMatch(/^pwk_/);
    const own = await asSite('GET', '/v1/site', undefined, created.body.api_key.key);
    expect(own.body).toEqual({
      id: 'site_registered',
      name: 'Registered',
      owner_email: 'owner@example.com',
    });
    const again = await callApi(stack.apiUrl, 'POST', '/v1/sites', stack.publisherToken, {
      id: 'site_registered',
      name: 'Twice',
      owner_email: 'owner@example.com',
    });
    expect(again.status).toBe(409);
  });

  test('site fields are validated', async () => {
    const invalid = await callApi(stack.apiUrl, 'POST', '/v1/sites', stack.publisherToken, {
      id: 'has space',
      name: '',
      owner_email: 'nobody',
      plan: 'pro',
    });

    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((error: { path: string }) => error.path).sort()).toEqual([
      'id',
      'name',
      'owner_email',
      'plan',
    ]);
  });

  test('owner changes the site email', async () => {
    const changed = await asSite('PATCH', '/v1/site', { owner_email: 'new-owner@example.com' });

    expect(changed.status).toBe(200);
    expect(changed.body.owner_email).toBe('new-owner@example.com');
    expect(changed.body.name).toBe(site.name);
    expect((await asSite('PATCH', '/v1/site', {})).status).toBe(400);
  });

  test('keys are shown once and listed', async () => {
    const created = await asSite('POST', '/v1/api-keys', { name: 'CRM sync' });

    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^pwk_/);
    expect(created.body.prefix).toBe(created.body.key.slice(0, 8));
    expect((await asSite('GET', '/v1/site', undefined, created.body.key)).status).toBe(200);
    const listed = await asSite('GET', '/v1/api-keys');
    const entry = listed.body.data.find((key: { id: string }) => key.id === created.body.id);
    expect(entry.name).toBe('CRM sync');
    expect(entry.key).toBeUndefined();
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    expect(entry.last_used_at).not.toBeNull();
  });

  test('revoked key is rejected', async () => {
    const created = await asSite('POST', '/v1/api-keys', { name: 'short-lived' });
    const revoked = await asSite('DELETE', `/v1/api-keys/${created.body.id}`);

    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    const rejected = await asSite('GET', '/v1/webhooks', undefined, created.body.key);
    expect(rejected.status).toBe(401);
    expect(rejected.contentType).toContain('application/problem+json');
    expect((await asSite('DELETE', `/v1/api-keys/key_unknown`)).status).toBe(404);
  });

  test('last live key stays', async () => {
    const lone = await createSite(db.pool);
    const [only] = (await asSite('GET', '/v1/api-keys', undefined, lone.apiKey)).body.data;

    const rejected = await asSite('DELETE', `/v1/api-keys/${only.id}`, undefined, lone.apiKey);

    expect(rejected.status).toBe(409);
    expect(rejected.body.detail).toContain(only.id);
    expect((await asSite('GET', '/v1/site', undefined, lone.apiKey)).status).toBe(200);
  });
});

describe('endpoint list', () => {
  let listing: Awaited<ReturnType<typeof createSite>>;

  beforeAll(async () => {
    listing = await createSite(db.pool);
    for (let i = 0; i < 5; i++) {
      await createEndpoint(db.pool, listing.id, `https://example.com/${i}`, {
        status: i < 3 ? 'active' : 'disabled',
        eventTypes: i % 2 === 0 ? ['subscriber.created'] : ['post.published'],
      });
    }
  });

  const list = (query: string) => asSite('GET', `/v1/webhooks${query}`, undefined, listing.apiKey);

  test('pages cover every endpoint once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((endpoint: { id: string }) => endpoint.id));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);

    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);
    expect([...seen].sort()).toEqual(seen);
  });

  test('filters by status and event type', async () => {
    const active = await list('?status=active');
    const posts = await list('?event_type=post.published');
    const both = await list('?status=disabled&event_type=subscriber.created');

    expect(active.body.data).toHaveLength(3);
    expect(posts.body.data).toHaveLength(2);
    expect(both.body.data).toHaveLength(1);
    expect(both.body.data[0].enabled).toBe(false);
  });

  test('bad filters name the value', async () => {
    const status = await list('?status=broken');
    const type = await list('?event_type=post.deleted');
    const cursor = await list('?cursor=dlv_nope');
    const limit = await list('?limit=500');
    const unknown = await list('?sort=desc');

    expect(status.status).toBe(400);
    expect(status.body.detail).toContain('"broken"');
    expect(status.body.detail).toContain('pending_verification');
    expect(type.body.detail).toContain('"post.deleted"');
    expect(cursor.body.errors[0].path).toBe('query.cursor');
    expect(limit.body.errors[0]).toEqual({
      path: 'query.limit',
      message: 'expected a whole number from 1 to 100, got 500',
    });
    expect(unknown.body.errors[0].path).toBe('query.sort');
  });
});

describe('endpoint changes', () => {
  test('new URL is verified again', async () => {
    const endpoint = await createWebhook('/patch-before');
    await waitForStatus(endpoint.id, 'active');

    const changed = await asSite('PATCH', `/v1/webhooks/${endpoint.id}`, {
      url: `${receiver.url}/patch-after`,
      description: 'CRM',
    });

    expect(changed.status).toBe(200);
    expect(changed.body.status).toBe('pending_verification');
    expect(changed.body.description).toBe('CRM');
    await waitForStatus(endpoint.id, 'active');
    expect(eventsAt('/patch-after').map((body) => body.event)).toEqual(['endpoint.verification']);
  });

  test('other fields keep the status', async () => {
    const endpoint = await createWebhook('/patch-events');
    await waitForStatus(endpoint.id, 'active');

    const changed = await asSite('PATCH', `/v1/webhooks/${endpoint.id}`, {
      events: ['post.published', 'payment.failed'],
      url: endpoint.url,
    });

    expect(changed.body.status).toBe('active');
    expect(changed.body.events).toEqual(['post.published', 'payment.failed']);
    expect(requestsTo('/patch-events')).toHaveLength(1);
  });

  test('bad changes name the field', async () => {
    const endpoint = await createWebhook('/patch-invalid');

    const empty = await asSite('PATCH', `/v1/webhooks/${endpoint.id}`, {});
    const unknown = await asSite('PATCH', `/v1/webhooks/${endpoint.id}`, { secret: 'mine' });
    const badType = await asSite('PATCH', `/v1/webhooks/${endpoint.id}`, { events: ['nope'] });
    const badUrl = await asSite('PATCH', `/v1/webhooks/${endpoint.id}`, { url: 'ftp://x' });
    const badId = await asSite('PATCH', '/v1/webhooks/ep%20bad', { description: 'x' });

    expect(empty.status).toBe(400);
    expect(unknown.body.errors).toEqual([
      { path: 'secret', message: 'unknown field "secret"; check its spelling or remove it' },
    ]);
    expect(badType.body.errors[0].path).toBe('events.0');
    expect(badUrl.body.errors[0].path).toBe('url');
    expect(badId.status).toBe(400);
    expect(badId.body.errors[0].path).toBe('path.id');
  });

  test('disabled endpoint receives nothing', async () => {
    const endpoint = await createWebhook('/disabled');
    await waitForStatus(endpoint.id, 'active');

    const disabled = await asSite('POST', `/v1/webhooks/${endpoint.id}/disable`);
    await publish(subscriberEvent());
    const enabled = await asSite('POST', `/v1/webhooks/${endpoint.id}/enable`);
    await publish(subscriberEvent());

    expect(disabled.body.status).toBe('disabled');
    expect(disabled.body.enabled).toBe(false);
    expect(enabled.body.status).toBe('active');
    await waitFor(() => (requestsTo('/disabled').length >= 2 ? true : undefined));
    expect(eventsAt('/disabled').map((body) => body.event)).toEqual([
      'endpoint.verification',
      'subscriber.created',
    ]);
  });

  test('disable cancels waiting deliveries', async () => {
    receiver.respond = (request) => ({
      status: JSON.parse(request.body).event === 'endpoint.verification' ? 200 : 503,
    });
    const endpoint = await createWebhook('/disable-waiting');
    await waitForStatus(endpoint.id, 'active');
    await publish(subscriberEvent());
    const waiting = await waitFor(async () => {
      const { body } = await asSite('GET', `/v1/webhooks/${endpoint.id}/deliveries`);
      return body.data[0]?.status === 'retrying' ? body.data[0] : undefined;
    });

    await asSite('PATCH', `/v1/webhooks/${endpoint.id}`, { enabled: false });

    const cancelled = await waitFor(async () => {
      const { body } = await asSite('GET', `/v1/deliveries/${waiting.id}`);
      return body.status === 'cancelled' ? body : undefined;
    });
    expect(cancelled.attempt_count).toBe(1);
  });

  test('enabling an unverified endpoint verifies it', async () => {
    receiver.respond = () => ({ status: 500 });
    const endpoint = await createWebhook('/enable-unverified');
    await waitForStatus(endpoint.id, 'verification_failed');
    await asSite('POST', `/v1/webhooks/${endpoint.id}/disable`);
    receiver.respond = () => ({ status: 200 });

    const enabled = await asSite('POST', `/v1/webhooks/${endpoint.id}/enable`);

    expect(enabled.body.status).toBe('pending_verification');
    await waitForStatus(endpoint.id, 'active');
  });
});

describe('test events', () => {
  test('sample event reaches one endpoint', async () => {
    const endpoint = await createWebhook('/test-event');
    const bystander = await createWebhook('/test-bystander', ['purchase.completed']);
    await waitForStatus(endpoint.id, 'active');
    await waitForStatus(bystander.id, 'active');

    const sent = await asSite('POST', `/v1/webhooks/${endpoint.id}/test`, {
      event: 'purchase.completed',
    });

    expect(sent.status).toBe(202);
    expect(sent.body.endpoint_id).toBe(endpoint.id);
    const [received] = await waitFor(() => {
      const bodies = eventsAt('/test-event').filter(
        (body) => body.event !== 'endpoint.verification',
      );
      return bodies.length > 0 ? bodies : undefined;
    });
    expect(received.event).toBe('purchase.completed');
    expect(received.data.site_id).toBe(site.id);
    const event = await asSite('GET', `/v1/events/${sent.body.event_id}`);
    expect(event.body.test).toBe(true);
    expect(
      event.body.outcomes.map((outcome: { endpoint_id: string }) => outcome.endpoint_id),
    ).toEqual([endpoint.id]);
    expect(eventsAt('/test-bystander').map((body) => body.event)).toEqual([
      'endpoint.verification',
    ]);
  });

  test('test event needs a receiving endpoint', async () => {
    const endpoint = await createWebhook('/test-disabled');
    await asSite('POST', `/v1/webhooks/${endpoint.id}/disable`);

    const rejected = await asSite('POST', `/v1/webhooks/${endpoint.id}/test`, {
      event: 'post.published',
    });
    const unknownType = await asSite('POST', `/v1/webhooks/${endpoint.id}/test`, {
      event: 'post.deleted',
    });

    expect(rejected.status).toBe(409);
    expect(rejected.body.detail).toContain('disabled');
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.detail).toContain('post.published');
  });
});

describe('delivery lists and events', () => {
  let endpointId: string;
  let published: string[];

  beforeAll(async () => {
    receiver.respond = (request) => {
      const body = JSON.parse(request.body);
      return { status: body.event === 'post.published' ? 500 : 200 };
    };
    const endpoint = await createWebhook('/lists', ['subscriber.created', 'post.published']);
    endpointId = endpoint.id;
    await waitForStatus(endpointId, 'active');
    published = [];
    for (let i = 0; i < 3; i++) {
      published.push((await publish(subscriberEvent())).body.id);
    }
    published.push(
      (
        await publish({
          event: 'post.published',
          data: {
            id: 'post_1',
            title: 'Hello',
            url: 'https://example.com/p/1',
            author: { id: 'usr_1', name: 'Jonas' },
            site_id: site.id,
          },
        })
      ).body.id,
    );
    await waitFor(async () => {
      const { body } = await asSite('GET', `/v1/webhooks/${endpointId}/deliveries`);
      const settled = body.data.filter((delivery: { status: string }) =>
        ['succeeded', 'retrying'].includes(delivery.status),
      );
      return settled.length === 4 ? true : undefined;
    });
  });

  const deliveries = (query = '') => asSite('GET', `/v1/webhooks/${endpointId}/deliveries${query}`);

  test('filters by status and type', async () => {
    const succeeded = await deliveries('?status=succeeded');
    const retrying = await deliveries('?status=retrying&event_type=post.published');
    const none = await deliveries('?status=retrying&event_type=subscriber.created');

    expect(succeeded.body.data).toHaveLength(3);
    expect(retrying.body.data).toHaveLength(1);
    expect(retrying.body.data[0].event_id).toBe(published[3]);
    expect(none.body.data).toHaveLength(0);
  });

  test('filters by time range', async () => {
    const all = (await deliveries()).body.data;
    const oldest = all[all.length - 1];
    const newest = all[0];

    const fromNewest = await deliveries(`?since=${encodeURIComponent(newest.created_at)}`);
    const beforeNewest = await deliveries(`?until=${encodeURIComponent(newest.created_at)}`);
    const future = await deliveries('?since=2999-01-01T00:00:00Z');
    const invalid = await deliveries('?since=yesterday');

    expect(fromNewest.body.data.map((delivery: { id: string }) => delivery.id)).toContain(
      newest.id,
    );
    expect(beforeNewest.body.data.map((delivery: { id: string }) => delivery.id)).toContain(
      oldest.id,
    );
    expect(beforeNewest.body.data.map((delivery: { id: string }) => delivery.id)).not.toContain(
      newest.id,
    );
    expect(future.body.data).toHaveLength(0);
    expect(invalid.status).toBe(400);
    expect(invalid.body.detail).toContain('ISO 8601');
  });

  test('pages through deliveries newest first', async () => {
    const first = await deliveries('?limit=3');
    const second = await deliveries(`?limit=3&cursor=${first.body.next_cursor}`);

    expect(first.body.data).toHaveLength(3);
    expect(second.body.data).toHaveLength(1);
    expect(second.body.next_cursor).toBeNull();
    const ids = [...first.body.data, ...second.body.data].map(
      (delivery: { id: string }) => delivery.id,
    );
    expect([...ids].sort().reverse()).toEqual(ids);
  });

  test('event shows its outcome per endpoint', async () => {
    const failing = await asSite('GET', `/v1/events/${published[3]}`);
    const delivered = await asSite('GET', `/v1/events/${published[0]}/deliveries`);

    expect(failing.status).toBe(200);
    expect(failing.body.event).toBe('post.published');
    expect(JSON.parse(failing.body.payload).id).toBe(published[3]);
    const outcome = failing.body.outcomes.find(
      (entry: { endpoint_id: string }) => entry.endpoint_id === endpointId,
    );
    expect(outcome).toEqual(
      expect.objectContaining({ status: 'retrying', deliveries: 1, last_status_code: 500 }),
    );
    const atEndpoint = delivered.body.data.filter(
      (delivery: { endpoint_id: string }) => delivery.endpoint_id === endpointId,
    );
    expect(atEndpoint).toHaveLength(1);
    expect(atEndpoint[0].status).toBe('succeeded');
    expect((await asSite('GET', '/v1/events/evt_missing')).status).toBe(404);
  });

  test('next attempt is read from the workflow', async () => {
    const [waiting] = (await deliveries('?status=retrying')).body.data;
    await db.pool.query(
      `UPDATE deliveries SET next_attempt_at = '2001-01-01T00:00:00Z' WHERE id = $1`,
      [waiting.id],
    );

    const detail = await asSite('GET', `/v1/deliveries/${waiting.id}`);

    // The stored time was overwritten above; only the workflow's query can give a future time.
    expect(new Date(detail.body.next_attempt_at).getTime()).toBeGreaterThan(Date.now());
    expect(detail.body.attempts).toHaveLength(1);
  });
});

describe('request errors', () => {
  test('malformed and mistyped bodies are rejected', async () => {
    const malformed = await fetch(`${stack.apiUrl}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${site.apiKey}`, 'content-type': 'application/json' },
      body: '{"url": ',
    });
    const wrongType = await fetch(`${stack.apiUrl}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${site.apiKey}`, 'content-type': 'text/plain' },
      body: 'url=https://example.com',
    });
    const tooLarge = await asSite('POST', '/v1/webhooks', {
      url: 'https://example.com',
      events: ['subscriber.created'],
      description: 'x'.repeat(300 * 1024),
    });

    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { type: string }).type).toBe('/problems/malformed-json');
    expect(wrongType.status).toBe(415);
    expect(((await wrongType.json()) as { detail: string }).detail).toContain('text/plain');
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.detail).toContain(String(256 * 1024));
  });

  test('action with a body is rejected', async () => {
    const endpoint = await createWebhook('/action-body');

    const withBody = await asSite('POST', `/v1/webhooks/${endpoint.id}/disable`, { force: true });

    expect(withBody.status).toBe(400);
    expect(withBody.body.detail).toContain('no request body');
  });

  test('unknown route is a problem', async () => {
    const missing = await asSite('GET', '/v1/nothing-here');

    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe('no route for GET /v1/nothing-here');
  });
});

describe('secret rotation', () => {
  function verifies(secret: string, request: { headers: Record<string, unknown>; body: string }) {
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const signed = `${request.headers['webhook-id']}.${request.headers['webhook-timestamp']}.${request.body}`;
    const expected = `v1,${createHmac('sha256', key).update(signed).digest('base64')}`;
    return String(request.headers['webhook-signature']).split(' ').includes(expected);
  }

  async function sendTestEvent(endpointId: string, path: string) {
    const before = requestsTo(path).length;
    const sent = await asSite('POST', `/v1/webhooks/${endpointId}/test`, {
      event: 'subscriber.created',
    });
    expect(sent.status).toBe(202);
    return await waitFor(() => requestsTo(path)[before]);
  }

  test('old and new secrets both sign during grace', async () => {
    const endpoint = await createWebhook('/rotate-grace');
    await waitForStatus(endpoint.id, 'active');

    const rotated = await asSite('POST', `/v1/webhooks/${endpoint.id}/secret/rotate`, {
      grace_period_seconds: 3600,
    });
    const request = await sendTestEvent(endpoint.id, '/rotate-grace');

    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    expect(Date.parse(rotated.body.previous_secret_expires_at)).toBeGreaterThan(Date.now());
    expect(verifies(endpoint.secret, request)).toBe(true);
    expect(verifies(rotated.body.secret, request)).toBe(true);
    const revealed = await asSite('GET', `/v1/webhooks/${endpoint.id}/secret`);
    expect(revealed.body.secret).toBe(rotated.body.secret);
    expect(JSON.stringify(revealed.body)).not.toContain(endpoint.secret);
  });

  test('zero grace drops the old secret', async () => {
    const endpoint = await createWebhook('/rotate-now');
    await waitForStatus(endpoint.id, 'active');

    const rotated = await asSite('POST', `/v1/webhooks/${endpoint.id}/secret/rotate`, {
      grace_period_seconds: 0,
    });
    const request = await sendTestEvent(endpoint.id, '/rotate-now');

    expect(rotated.body.previous_secret_expires_at).toBeNull();
    expect(verifies(endpoint.secret, request)).toBe(false);
    expect(verifies(rotated.body.secret, request)).toBe(true);
    expect(request.headers['x-postion-signature-previous']).toBeUndefined();
  });

  test('secrets are stored encrypted', async () => {
    const endpoint = await createWebhook('/rotate-stored');
    await waitForStatus(endpoint.id, 'active');

    const rotated = await asSite('POST', `/v1/webhooks/${endpoint.id}/secret/rotate`, {
      grace_period_seconds: 3600,
    });
    const revealed = await asSite('GET', `/v1/webhooks/${endpoint.id}/secret`);

    const { rows } = await db.pool.query(
      'SELECT secret, previous_secret FROM endpoints WHERE id = $1',
      [endpoint.id],
    );
    const stored = `${rows[0].secret} ${rows[0].previous_secret}`;
    expect(rows[0].secret).toMatch(/^enc:v1:test-1:/);
    expect(rows[0].previous_secret).toMatch(/^enc:v1:test-1:/);
    expect(stored).not.toContain('whsec_');
    expect(stored).not.toContain(endpoint.secret.slice('whsec_'.length));
    expect(stored).not.toContain(rotated.body.secret.slice('whsec_'.length));
    expect(revealed.body.secret).toBe(rotated.body.secret);
  });

  test('deleted endpoint has no secret to reveal or rotate', async () => {
    const endpoint = await createWebhook('/rotate-deleted');
    expect((await asSite('DELETE', `/v1/webhooks/${endpoint.id}`)).status).toBe(204);

    const revealed = await asSite('GET', `/v1/webhooks/${endpoint.id}/secret`);
    const rotated = await asSite('POST', `/v1/webhooks/${endpoint.id}/secret/rotate`, {});

    expect(revealed.status).toBe(404);
    expect(rotated.status).toBe(404);
    const { rows } = await db.pool.query('SELECT secret FROM endpoints WHERE id = $1', [
      endpoint.id,
    ]);
    expect(rows[0].secret).toBe('');
  });

  test('grace period out of range', async () => {
    const endpoint = await createWebhook('/rotate-invalid');

    const tooLong = await asSite('POST', `/v1/webhooks/${endpoint.id}/secret/rotate`, {
      grace_period_seconds: 30 * 24 * 3600,
    });

    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors[0].path).toBe('grace_period_seconds');
    expect(tooLong.body.detail).toContain('604800');
  });
});

describe('recover', () => {
  /** Stores an event with a delivery to the endpoint that used up its attempts. */
  async function failedDelivery(endpointId: string, createdAt: string) {
    const envelope = subscriberCreated(site.id);
    const { eventId } = await storeTestEvent(db.pool, envelope);
    const id = newId('dlv');
    await db.pool.query(
      `INSERT INTO deliveries (id, event_id, endpoint_id, site_id, event_type, workflow_id, status,
                               attempt_count, created_at, completed_at)
       VALUES ($1, $2, $3, $4, 'subscriber.created', $5, 'failed', 6, $6, $6)`,
      [id, eventId, endpointId, site.id, `delivery-${eventId}-${endpointId}`, createdAt],
    );
    return { id, eventId };
  }

  test('redelivers failed deliveries since a time', async () => {
    const endpoint = await createWebhook('/recover');
    await waitForStatus(endpoint.id, 'active');
    const old = await failedDelivery(endpoint.id, '2026-01-01T00:00:00Z');
    const recent = [
      await failedDelivery(endpoint.id, '2026-06-01T00:00:00Z'),
      await failedDelivery(endpoint.id, '2026-06-02T00:00:00Z'),
    ];

    const started = await asSite('POST', `/v1/webhooks/${endpoint.id}/recover`, {
      since: '2026-05-01T00:00:00Z',
    });

    expect(started.status).toBe(202);
    expect(started.body.total).toBe(2);
    const finished = await waitFor(async () => {
      const { body } = await asSite('GET', `/v1/recoveries/${started.body.id}`);
      return body.status === 'completed' ? body : undefined;
    });
    expect(finished.redelivered).toBe(2);
    const delivered = await waitFor(() => {
      const ids = eventsAt('/recover')
        .filter((body) => body.event !== 'endpoint.verification')
        .map((body) => body.id);
      return ids.length === 2 ? ids.sort() : undefined;
    });
    expect(delivered).toEqual(recent.map((delivery) => delivery.eventId).sort());
    expect(delivered).not.toContain(old.eventId);
    const redeliveries = await asSite('GET', `/v1/events/${recent[0]!.eventId}/deliveries`);
    const linked = redeliveries.body.data.find(
      (delivery: { redelivery_of: string | null }) => delivery.redelivery_of === recent[0]!.id,
    );
    expect(linked.recovery_id).toBe(started.body.id);
    const attemptLog = await waitFor(async () => {
      const { body } = await asSite('GET', `/v1/deliveries/${linked.id}`);
      return body.status === 'succeeded' ? body.attempts : undefined;
    });
    expect(attemptLog).toEqual([expect.objectContaining({ attempt_number: 1, status_code: 200 })]);
    const listed = await asSite('GET', `/v1/webhooks/${endpoint.id}/recoveries`);
    expect(listed.body.data.map((recovery: { id: string }) => recovery.id)).toEqual([
      started.body.id,
    ]);
  });

  test('recover needs a past time and a receiving endpoint', async () => {
    const endpoint = await createWebhook('/recover-invalid');
    await asSite('POST', `/v1/webhooks/${endpoint.id}/disable`);

    const future = await asSite('POST', `/v1/webhooks/${endpoint.id}/recover`, {
      since: '2999-01-01T00:00:00Z',
    });
    const disabled = await asSite('POST', `/v1/webhooks/${endpoint.id}/recover`, {
      since: '2026-01-01T00:00:00Z',
    });
    const missing = await asSite('POST', `/v1/webhooks/${endpoint.id}/recover`, {});

    expect(future.status).toBe(400);
    expect(future.body.detail).toContain('2999-01-01T00:00:00.000Z');
    expect(disabled.status).toBe(409);
    expect(missing.body.errors[0]).toEqual({ path: 'since', message: 'is required' });
  });
});

describe('edges', () => {
  test('wrong method is a 405', async () => {
    const put = await asSite('PUT', '/v1/webhooks');
    const options = await fetch(`${stack.apiUrl}/v1/webhooks/ep_x`, { method: 'OPTIONS' });

    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('POST, GET, HEAD, OPTIONS');
    expect(put.body.type).toBe('/problems/method-not-allowed');
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('GET, PATCH, DELETE, HEAD, OPTIONS');
  });

  test('text body on an action is rejected', async () => {
    const endpoint = await createWebhook('/text-body');

    const response = await fetch(`${stack.apiUrl}/v1/webhooks/${endpoint.id}/disable`, {
      method: 'POST',
      headers: { authorization: `Bearer ${site.apiKey}`, 'content-type': 'text/plain' },
      body: 'hello',
    });

    expect(response.status).toBe(400);
    expect((await asSite('GET', `/v1/webhooks/${endpoint.id}`)).body.enabled).toBe(true);
  });

  test('answers are not cached', async () => {
    const endpoint = await createWebhook('/no-store');

    const revealed = await asSite('GET', `/v1/webhooks/${endpoint.id}/secret`);

    expect(revealed.headers.get('cache-control')).toBe('no-store');
    expect(revealed.headers.get('etag')).toBeNull();
  });

  test('deleted endpoint has no secret routes', async () => {
    const endpoint = await createWebhook('/deleted-secret');
    await asSite('DELETE', `/v1/webhooks/${endpoint.id}`);

    const reveal = await asSite('GET', `/v1/webhooks/${endpoint.id}/secret`);
    const rotate = await asSite('POST', `/v1/webhooks/${endpoint.id}/secret/rotate`);

    expect(reveal.status).toBe(404);
    expect(rotate.status).toBe(404);
  });

  test('new URL cancels waiting deliveries', async () => {
    receiver.respond = (request) => ({
      status: JSON.parse(request.body).event === 'endpoint.verification' ? 200 : 503,
    });
    const endpoint = await createWebhook('/url-change-before');
    await waitForStatus(endpoint.id, 'active');
    await publish(subscriberEvent());
    const waiting = await waitFor(async () => {
      const { body } = await asSite('GET', `/v1/webhooks/${endpoint.id}/deliveries`);
      return body.data[0]?.status === 'retrying' ? body.data[0] : undefined;
    });
    receiver.respond = () => ({ status: 500 });

    await asSite('PATCH', `/v1/webhooks/${endpoint.id}`, {
      url: `${receiver.url}/url-change-after`,
    });
    await waitForStatus(endpoint.id, 'verification_failed');
    const retry = await asSite('POST', `/v1/deliveries/${waiting.id}/retry`);

    expect(retry.status).toBe(409);
    expect((await asSite('GET', `/v1/deliveries/${waiting.id}`)).body.status).toBe('cancelled');
    expect(eventsAt('/url-change-after').map((body) => body.event)).toEqual([
      'endpoint.verification',
    ]);
  });

  test('one recovery at a time', async () => {
    const endpoint = await createEndpoint(db.pool, site.id, `${receiver.url}/one-recovery`);
    // A recovery row left running, as while its workflow works through its batches.
    const running = await createRecovery(db.pool, {
      siteId: site.id,
      endpointId: endpoint.id,
      since: new Date(0),
    });
    if (running.kind !== 'created') throw new Error(`recovery not created: ${running.kind}`);

    const second = await asSite('POST', `/v1/webhooks/${endpoint.id}/recover`, {
      since: '2026-01-01T00:00:00Z',
    });

    expect(second.status).toBe(409);
    expect(second.body.detail).toContain(running.recovery.id);
  });
});
