import { callApi, startApiStack, type ApiStack } from '../helpers/api-stack';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createSite } from '../helpers/fixtures';
import { subscriberEvent } from '../helpers/operation-examples';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver';

let db: TestDatabase;
let stack: ApiStack;
let receiver: Receiver;
let site: Awaited<ReturnType<typeof createSite>>;

beforeAll(async () => {
  [db, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  stack = await startApiStack(db, 'attempt-headers-test');
  site = await createSite(db.pool);
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all([db?.drop(), receiver?.close()]);
});

const asSite = (method: string, path: string, body?: unknown) =>
  callApi(stack.apiUrl, method, path, site.apiKey, body);

/** Registers an active endpoint at `path` of the receiver and returns its id. */
async function activeEndpoint(path: string): Promise<string> {
  const created = await asSite('POST', '/v1/webhooks', {
    url: `${receiver.url}${path}`,
    events: ['subscriber.created'],
  });
  await waitFor(async () => {
    const endpoint = await asSite('GET', `/v1/webhooks/${created.body.id}`);
    return endpoint.body.status === 'active' ? true : undefined;
  });
  return created.body.id;
}

/** Publishes an event and returns the finished delivery to `endpointId` with its attempts. */
async function deliverOne(endpointId: string) {
  await callApi(stack.apiUrl, 'POST', '/v1/events', stack.publisherToken, subscriberEvent(site.id));
  return waitFor(async () => {
    const list = await asSite('GET', `/v1/webhooks/${endpointId}/deliveries?status=succeeded`);
    const id = list.body.data[0]?.id;
    return id ? (await asSite('GET', `/v1/deliveries/${id}`)).body : undefined;
  });
}

function receivedAt(path: string) {
  return receiver.requests.filter(
    (request) => request.path === path && !request.body.includes('endpoint.verification'),
  );
}

test('attempt shows the headers sent', async () => {
  const endpointId = await activeEndpoint('/headers/plain');

  const delivery = await deliverOne(endpointId);

  const sent = delivery.attempts[0].request_headers;
  const received = receivedAt('/headers/plain')[0]!.headers;
  for (const [name, value] of Object.entries(sent)) {
    if (value === '<hidden>' || name === 'webhook-signature') continue;
    expect([name, received[name]]).toEqual([name, value]);
  }
  expect(sent['x-postion-delivery-id']).toBe(delivery.id);
  expect(sent['x-postion-attempt']).toBe('1');
});

test('attempt hides signature values', async () => {
  const endpointId = await activeEndpoint('/headers/hidden');

  const delivery = await deliverOne(endpointId);

  const sent = delivery.attempts[0].request_headers;
  const received = receivedAt('/headers/hidden')[0]!.headers;
  expect(sent['x-postion-signature']).toBe('<hidden>');
  expect(sent['webhook-signature']).toBe('v1,<hidden>');
  const text = JSON.stringify(delivery);
  expect(text).not.toContain(String(received['x-postion-signature']));
  expect(text).not.toContain(String(received['webhook-signature']).slice(3));
});

test('attempt during rotation shows both signatures', async () => {
  const endpointId = await activeEndpoint('/headers/rotated');
  await asSite('POST', `/v1/webhooks/${endpointId}/secret/rotate`, { grace_period_seconds: 600 });

  const delivery = await deliverOne(endpointId);

  const sent = delivery.attempts[0].request_headers;
  expect(sent['webhook-signature']).toBe('v1,<hidden> v1,<hidden>');
  expect(sent['x-postion-signature-previous']).toBe('<hidden>');
});
