/**
 * The worker and the API run as their own processes. After a few deliveries, one of them failing,
 * their /metrics show the attempts, deliveries and events, and /readyz follows the database.
 */
import { sampleEventData } from '../../src/events/samples';
import type { ReadinessReport } from '../../src/health/readiness';
import { newId } from '../../src/ids';
import { findFreePort } from '../../src/stack/ports';
import { ChildGroups } from '../helpers/child-processes';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createEndpoint, createSite, subscriberCreated } from '../helpers/fixtures';
import { scrape, sampleSum, type Sample } from '../helpers/prometheus-text';
import { publishUntilAccepted } from '../helpers/publisher';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver';
import { startApiProcess, startWorkerProcess } from '../helpers/service-processes';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

const TASK_QUEUE = 'processes-metrics';
const FAILING_PATH = '/failing';

const groups = new ChildGroups();
let db: TestDatabase;
let receiver: Receiver;
let proxy: TcpProxy;
let siteId: string;
let apiUrl: string;
let workerUrl: string;

beforeAll(async () => {
  [db, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  receiver.respond = (request) => ({ status: request.path === FAILING_PATH ? 500 : 200 });
  const site = await createSite(db.pool);
  siteId = site.id;
  const eventTypes = ['subscriber.created', 'post.published'];
  await createEndpoint(db.pool, siteId, `${receiver.url}/ok`, { eventTypes });
  await createEndpoint(db.pool, siteId, `${receiver.url}${FAILING_PATH}`, {
    eventTypes: ['post.published'],
  });

  // The worker reaches PostgreSQL through a proxy, so that the test can cut it off alone.
  const database = new URL(db.url);
  proxy = await startTcpProxy(database.hostname, Number(database.port));
  const proxied = new URL(db.url);
  proxied.port = String(proxy.port);

  const shared = { temporalAddress: process.env.TEST_TEMPORAL_ADDRESS!, taskQueue: TASK_QUEUE };
  const workerHttpPort = await findFreePort();
  workerUrl = `http://127.0.0.1:${workerHttpPort}`;
  const port = await findFreePort();
  apiUrl = `http://127.0.0.1:${port}`;
  await Promise.all([
    startWorkerProcess(groups, { ...shared, databaseUrl: proxied.toString(), workerHttpPort }),
    startApiProcess(groups, { ...shared, databaseUrl: db.url, port, apiWorker: false }),
  ]);
});

afterAll(async () => {
  await groups.stopAll();
  await proxy?.close();
  await Promise.all([db?.drop(), receiver?.close()]);
});

function postPublished(id: string) {
  const data = sampleEventData(siteId)['post.published'];
  return { id, event: 'post.published', timestamp: '2025-07-15T10:30:00.000Z', data };
}

/** Scrapes `url` until `ready` holds for its samples. */
async function scrapeUntil(url: string, ready: (samples: Sample[]) => boolean): Promise<Sample[]> {
  return await waitFor(async () => {
    const samples = await scrape(url);
    return ready(samples) ? samples : undefined;
  }, 30_000);
}

test('metrics count attempts, deliveries and events', async () => {
  const deadline = Date.now() + 30_000;
  for (const body of [
    subscriberCreated(siteId, newId('evt')),
    subscriberCreated(siteId, newId('evt')),
    postPublished(newId('evt')),
  ]) {
    const record = await publishUntilAccepted(apiUrl, body, deadline);
    expect(record.acceptedAt).not.toBeNull();
  }

  const attempts = 'postion_delivery_attempts_total';
  const worker = await scrapeUntil(
    `${workerUrl}/metrics`,
    (samples) => sampleSum(samples, attempts) === 4,
  );
  const api = await scrape(`${apiUrl}/metrics`);

  const ok = { outcome: 'succeeded' };
  expect(sampleSum(worker, attempts, { event_type: 'subscriber.created', ...ok })).toBe(2);
  expect(sampleSum(worker, attempts, { event_type: 'post.published', ...ok })).toBe(1);
  expect(sampleSum(worker, attempts, { outcome: 'failed' })).toBe(1);
  const finished = 'postion_deliveries_finished_total';
  expect(sampleSum(worker, finished, { outcome: 'succeeded' })).toBe(3);
  expect(sampleSum(worker, finished, { outcome: 'failed' })).toBeUndefined();
  const duration = 'postion_delivery_attempt_duration_seconds';
  expect(sampleSum(worker, `${duration}_count`, ok)).toBe(3);
  expect(sampleSum(worker, `${duration}_count`, { outcome: 'failed' })).toBe(1);
  expect(sampleSum(worker, `${duration}_bucket`, { ...ok, le: '10' })).toBe(3);
  // The SDK's own worker metrics are merged into the same scrape.
  expect(worker.some((sample) => sample.name.startsWith('temporal_'))).toBe(true);
  expect(sampleSum(worker, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);

  expect(
    sampleSum(api, 'postion_events_accepted_total', { event_type: 'subscriber.created' }),
  ).toBe(2);
  expect(sampleSum(api, 'postion_events_accepted_total', { event_type: 'post.published' })).toBe(1);
  expect(sampleSum(api, 'postion_deliveries_retrying')).toBe(1);
  expect(sampleSum(api, 'postion_endpoints', { status: 'active' })).toBe(2);
  const requests = 'postion_http_request_duration_seconds_count';
  expect(sampleSum(api, requests, { method: 'POST', route: '/v1/events', status: '202' })).toBe(3);
  // The API runs no worker here, so it has no SDK metrics.
  expect(api.some((sample) => sample.name.startsWith('temporal_'))).toBe(false);
});

test('readiness reports a database cut off', async () => {
  const ready = await fetch(`${workerUrl}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({
    status: 'ready',
    checks: { database: { status: 'ok' }, temporal: { status: 'ok' } },
  });

  await proxy.cut();
  const cutOff = await fetch(`${workerUrl}/readyz`);
  const report = (await cutOff.json()) as ReadinessReport;
  await proxy.restore();

  expect(cutOff.status).toBe(503);
  expect(report.status).toBe('not_ready');
  expect(report.checks.database).toEqual({ status: 'failed', detail: 'database unreachable' });
  expect(report.checks.temporal).toEqual({ status: 'ok' });
  const again = await waitFor(async () => {
    const response = await fetch(`${workerUrl}/readyz`);
    return response.status === 200 ? response : undefined;
  });
  expect(again.status).toBe(200);
});

test('API readiness and liveness', async () => {
  const ready = await fetch(`${apiUrl}/readyz`);
  const live = await fetch(`${apiUrl}/healthz`);

  expect(ready.status).toBe(200);
  expect(((await ready.json()) as ReadinessReport).status).toBe('ready');
  expect(live.status).toBe(200);
});
