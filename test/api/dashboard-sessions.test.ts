import { createApiKey, revokeApiKey } from '../../src/db/api-keys';
import { createSignInToken } from '../../src/db/dashboard-sessions';
import { withTransaction } from '../../src/db/pool';
import { callApi, startApiStack, type ApiStack } from '../helpers/api-stack';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createEndpoint, createSite } from '../helpers/fixtures';

let db: TestDatabase;
let stack: ApiStack;
let site: Awaited<ReturnType<typeof createSite>>;

beforeAll(async () => {
  db = await createTestDatabase();
  stack = await startApiStack(db, 'dashboard-sessions-test');
  site = await createSite(db.pool);
});

afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

const signIn = (body: unknown) =>
  callApi(stack.apiUrl, 'POST', '/v1/dashboard/sessions', null, body);

const getSite = (token: string) => callApi(stack.apiUrl, 'GET', '/v1/site', token);

async function sessionToken(apiKey = site.apiKey): Promise<string> {
  const response = await signIn({ api_key: apiKey });
  expect(response.status).toBe(201);
  return response.body.token;
}

test('API key opens a session', async () => {
  const before = Date.now();
  const response = await signIn({ api_key: site.apiKey });

  expect(response.status).toBe(201);
  expect(response.body.token).toMatch(/^pds_[A-Za-z0-9_-]{43}$/);
  expect(response.body.site_id).toBe(site.id);
  const lifetimeMs = Date.parse(response.body.expires_at) - before;
  expect(lifetimeMs).toBeGreaterThan(12 * 3600_000 - 60_000);
  expect(lifetimeMs).toBeLessThan(12 * 3600_000 + 60_000);
});

test('session token admits site routes', async () => {
  const token = await sessionToken();

  const response = await getSite(token);

  expect(response.status).toBe(200);
  expect(response.body.id).toBe(site.id);
});

test('session token reaches only its site', async () => {
  const stranger = await createSite(db.pool);
  const endpoint = await createEndpoint(db.pool, site.id, 'http://127.0.0.1:9/hooks');
  const token = await sessionToken(stranger.apiKey);

  const response = await callApi(stack.apiUrl, 'GET', `/v1/webhooks/${endpoint.id}`, token);

  expect(response.status).toBe(404);
});

test('session stores only a hash of its token', async () => {
  const token = await sessionToken();

  const { rows } = await db.pool.query<{ row: string }>(
    'SELECT row_to_json(s)::text AS row FROM dashboard_sessions s',
  );

  expect(rows.length).toBeGreaterThan(0);
  for (const { row } of rows) expect(row).not.toContain(token);
});

test('wrong API key gets a 401', async () => {
  const response = await signIn({ api_key: 'pwk_not-a-key' });

  expect(response.status).toBe(401);
  expect(response.contentType).toContain('application/problem+json');
  expect(response.body.detail).toBe('the API key is not valid or has been revoked');
});

test('session token cannot open another session', async () => {
  const token = await sessionToken();

  const response = await signIn({ api_key: token });

  expect(response.status).toBe(401);
});

test('sign-out ends the session', async () => {
  const token = await sessionToken();

  const signOut = await callApi(stack.apiUrl, 'DELETE', '/v1/dashboard/session', token);
  const after = await getSite(token);

  expect(signOut.status).toBe(204);
  expect(after.status).toBe(401);
  expect(after.body.detail).toBe(
    'the dashboard session has expired or was signed out; sign in again',
  );
});

test('sign-out with an API key keeps the key', async () => {
  const signOut = await callApi(stack.apiUrl, 'DELETE', '/v1/dashboard/session', site.apiKey);

  expect(signOut.status).toBe(204);
  expect((await getSite(site.apiKey)).status).toBe(200);
});

test('expired session gets a 401', async () => {
  const token = await sessionToken();
  await db.pool.query(
    "UPDATE dashboard_sessions SET expires_at = now() - interval '1 second' WHERE revoked_at IS NULL",
  );

  const response = await getSite(token);

  expect(response.status).toBe(401);
});

test('revoking the API key ends its sessions', async () => {
  const { key, record } = await createApiKey(db.pool, site.id, 'to revoke');
  const token = await sessionToken(key);
  expect((await getSite(token)).status).toBe(200);

  await withTransaction(db.pool, (client) => revokeApiKey(client, site.id, record.id));

  expect((await getSite(token)).status).toBe(401);
});

test('sign-in token opens one session only', async () => {
  const { token } = await createSignInToken(db.pool, site.id);

  const first = await signIn({ sign_in_token: token });
  const second = await signIn({ sign_in_token: token });

  expect(first.status).toBe(201);
  expect(first.body.site_id).toBe(site.id);
  expect((await getSite(first.body.token)).status).toBe(200);
  expect(second.status).toBe(401);
  expect(second.body.detail).toContain('the sign-in token is not valid, has expired or was used');
});

test('expired sign-in token gets a 401', async () => {
  const { token } = await createSignInToken(db.pool, site.id, -1_000);

  const response = await signIn({ sign_in_token: token });

  expect(response.status).toBe(401);
});

test('sign-in token rejected on site routes', async () => {
  const { token } = await createSignInToken(db.pool, site.id);

  expect((await getSite(token)).status).toBe(401);
});

test.each([
  ['both credentials', { api_key: 'pwk_a', sign_in_token: 'psi_b' }],
  ['no credential', {}],
])('sign-in with %s gets a 400', async (_case, body) => {
  const response = await signIn(body);

  expect(response.status).toBe(400);
  expect(response.body.errors[0].message).toBe('send exactly one of api_key, sign_in_token');
});
