import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RECEIVER_SNIPPETS } from '../../src/dashboard/receiver-snippets';
import { findFreePort, waitForPort } from '../../src/stack/ports';
import { generateEndpointSecret } from '../../src/delivery/signature';
import { callApi, startApiStack, type ApiStack } from '../helpers/api-stack';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createSite } from '../helpers/fixtures';
import { subscriberEvent } from '../helpers/operation-examples';
import { waitFor } from '../helpers/receiver';

let db: TestDatabase;
let stack: ApiStack;
let site: Awaited<ReturnType<typeof createSite>>;
let folder: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  stack = await startApiStack(db, 'receiver-snippets-test');
  site = await createSite(db.pool);
  folder = await mkdtemp(path.join(tmpdir(), 'receiver-snippets-'));
});

afterAll(async () => {
  for (const child of children) child.kill();
  await stack?.stop();
  await db?.drop();
  await rm(folder, { recursive: true, force: true });
});

const asSite = (method: string, pathname: string, body?: unknown) =>
  callApi(stack.apiUrl, method, pathname, site.apiKey, body);

/** Runs a snippet as a receiver on `port` of 127.0.0.1, with `secret`. */
async function runSnippet(id: string, command: string[], port: number, secret: string) {
  const snippet = RECEIVER_SNIPPETS.find((item) => item.id === id)!;
  const script = path.join(folder, `${id}-${port}${path.extname(command[command.length - 1]!)}`);
  await writeFile(script, snippet.code);
  const child = spawn(command[0]!, [script], {
    env: {
      ...process.env,
      POSTION_WEBHOOK_SECRET: secret,
      PORT: String(port),
      HOST: '127.0.0.1',
      // The Node snippets require express and standardwebhooks, which this repository installs.
      NODE_PATH: path.resolve(__dirname, '../../node_modules'),
    },
    stdio: 'ignore',
  });
  children.push(child);
  await waitForPort('127.0.0.1', port, 15_000);
}

/** Returns the endpoint once its verification has ended. */
async function verified(endpointId: string) {
  return waitFor(async () => {
    const endpoint = await asSite('GET', `/v1/webhooks/${endpointId}`);
    return endpoint.body.status === 'pending_verification' ? undefined : endpoint.body;
  }, 20_000);
}

/**
 * Registers an endpoint on a free port before anything listens there, so that its first
 * verification fails, runs the snippet with `secretFor(secret)`, and verifies again. Returns the
 * endpoint after that verification.
 */
async function verifyWithSnippet(
  id: string,
  command: string[],
  secretFor: (secret: string) => string = (secret) => secret,
) {
  const port = await findFreePort();
  const created = await asSite('POST', '/v1/webhooks', {
    url: `http://127.0.0.1:${port}/webhooks/postion`,
    events: ['subscriber.created'],
  });
  expect((await verified(created.body.id)).status).toBe('verification_failed');

  await runSnippet(id, command, port, secretFor(created.body.secret));
  await asSite('POST', `/v1/webhooks/${created.body.id}/verify`);
  return verified(created.body.id);
}

async function deliverTo(endpointId: string) {
  await callApi(stack.apiUrl, 'POST', '/v1/events', stack.publisherToken, subscriberEvent(site.id));
  return waitFor(async () => {
    const list = await asSite('GET', `/v1/webhooks/${endpointId}/deliveries`);
    const delivery = list.body.data[0];
    return delivery && delivery.status !== 'pending' ? delivery : undefined;
  }, 20_000);
}

test('Node snippet accepts real deliveries', async () => {
  const endpoint = await verifyWithSnippet('node', ['node', 'receiver.js']);

  expect(endpoint.status).toBe('active');
  const delivery = await deliverTo(endpoint.id);
  expect(delivery.status).toBe('succeeded');
  expect(delivery.last_status_code).toBe(204);
});

test('Node snippet rejects a wrong secret', async () => {
  const endpoint = await verifyWithSnippet('node', ['node', 'receiver.js'], () =>
    generateEndpointSecret(),
  );

  expect(endpoint.status).toBe('verification_failed');
  expect(endpoint.status_reason).toContain('401');
});

test('Standard Webhooks snippet accepts real deliveries', async () => {
  const endpoint = await verifyWithSnippet('node-standard', ['node', 'receiver.js']);

  expect(endpoint.status).toBe('active');
  expect((await deliverTo(endpoint.id)).status).toBe('succeeded');
});

test('Python snippet accepts real deliveries', async () => {
  const endpoint = await verifyWithSnippet('python', ['python3', 'receiver.py']);

  expect(endpoint.status).toBe('active');
  expect((await deliverTo(endpoint.id)).status).toBe('succeeded');
});
