import { callApi, startApiStack, type ApiStack } from '../helpers/api-stack';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createEndpoint, createSite } from '../helpers/fixtures';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver';

const TASK_QUEUE = 'idempotency-test';

let db: TestDatabase;
let stack: ApiStack;
let receiver: Receiver;
let site: Awaited<ReturnType<typeof createSite>>;

beforeAll(async () => {
  [db, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  receiver.respond = () => ({ status: 200 });
  stack = await startApiStack(db, TASK_QUEUE);
  site = await createSite(db.pool);
  await createEndpoint(db.pool, site.id, `${receiver.url}/idempotent`);
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all([db?.drop(), receiver?.close()]);
});

/** Returns a subscriber event without an id, so that each accepted request would get a new one. */
function eventWithoutId(plan = 'pro') {
  return {
    event: 'subscriber.created',
    data: { id: 'sub_7', email: 'sam@example.com', name: 'Sam', plan, site_id: site.id },
  };
}

const publishWithKey = (key: string, body: unknown) =>
  callApi(stack.apiUrl, 'POST', '/v1/events', stack.publisherToken, body, {
    'idempotency-key': key,
  });

async function eventRows() {
  const { rows } = await db.pool.query('SELECT id FROM events WHERE site_id = $1 ORDER BY id', [
    site.id,
  ]);
  return rows.map((row) => row.id as string);
}

test('repeated request gets the first answer', async () => {
  const key = `key-repeat-${Date.now()}`;
  const before = await eventRows();

  const first = await publishWithKey(key, eventWithoutId());
  const second = await publishWithKey(key, eventWithoutId());

  expect(first.status).toBe(202);
  expect(second.status).toBe(202);
  expect(second.body).toEqual(first.body);
  expect(first.headers.get('idempotent-replayed')).toBeNull();
  expect(second.headers.get('idempotent-replayed')).toBe('true');
  expect(await eventRows()).toEqual([...before, first.body.id]);
  await waitFor(() =>
    receiver.requests.some((request) => request.headers['webhook-id'] === first.body.id)
      ? true
      : undefined,
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(
    receiver.requests.filter((request) => request.headers['webhook-id'] === first.body.id),
  ).toHaveLength(1);
});

test('key reused with another body is rejected', async () => {
  const key = `key-reused-${Date.now()}`;
  const first = await publishWithKey(key, eventWithoutId('pro'));
  const before = await eventRows();

  const second = await publishWithKey(key, eventWithoutId('free'));

  expect(first.status).toBe(202);
  expect(second.status).toBe(409);
  expect(second.contentType).toContain('application/problem+json');
  expect(second.body.type).toBe('/problems/idempotency-key-reused');
  expect(second.body.detail).toContain(key);
  expect(await eventRows()).toEqual(before);
});

test('concurrent requests with one key store one event', async () => {
  const key = `key-concurrent-${Date.now()}`;
  const before = await eventRows();

  const answers = await Promise.all(
    Array.from({ length: 5 }, () => publishWithKey(key, eventWithoutId())),
  );

  expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202]);
  expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
  expect(await eventRows()).toHaveLength(before.length + 1);
});

test.each([
  ['empty', ''],
  ['too long', 'k'.repeat(256)],
  ['with a space', 'two words'],
])('%s key is rejected with its value', async (_case, key) => {
  const response = await publishWithKey(key, eventWithoutId());

  expect(response.status).toBe(400);
  expect(response.body.type).toBe('/problems/validation-error');
  expect(response.body.errors[0].path).toBe('headers.idempotency-key');
  expect(response.body.detail).toContain('Idempotency-Key');
});

test('request without a key gets a new event each time', async () => {
  const before = await eventRows();

  const first = await callApi(
    stack.apiUrl,
    'POST',
    '/v1/events',
    stack.publisherToken,
    eventWithoutId(),
  );
  const second = await callApi(
    stack.apiUrl,
    'POST',
    '/v1/events',
    stack.publisherToken,
    eventWithoutId(),
  );

  expect(first.status).toBe(202);
  expect(second.status).toBe(202);
  expect(second.body.id).not.toBe(first.body.id);
  expect(await eventRows()).toHaveLength(before.length + 2);
});
