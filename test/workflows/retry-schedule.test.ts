import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDeliveriesForEvent } from '../../src/db/deliveries';
import { deliverWebhook } from '../../src/workflows';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { recordHistory } from '../helpers/histories';
import { createEndpoint, createSite, storeTestEvent, subscriberCreated } from '../helpers/fixtures';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp';
import {
  createTimeSkippingEnv,
  secondsBetween,
  startTestWorker,
  testDependencies,
  type TestWorker,
} from '../helpers/temporal';

const TASK_QUEUE = 'retry-schedule-test';

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let smtp: TestSmtpServer;
let receiver: Receiver;
let worker: TestWorker;

beforeAll(async () => {
  [env, db, smtp, receiver] = await Promise.all([
    createTimeSkippingEnv(),
    createTestDatabase(),
    startSmtpServer(),
    startReceiver(),
  ]);
  worker = await startTestWorker(env, TASK_QUEUE, testDependencies(db.pool, smtp.url));
});

afterAll(async () => {
  await worker?.stop();
  await Promise.all([env?.teardown(), db?.drop(), smtp?.close(), receiver?.close()]);
});

/**
 * Creates the deliveries of a stored event and runs the one to `endpointId` to its end.
 * NOTE: this starts the delivery workflow itself instead of through `dispatchEvent`, because the
 * time-skipping test server (1.38.0) stops skipping time after a parent that abandoned a child
 * has closed. The end-to-end tests cover dispatch on the dev server.
 */
async function deliver(eventId: string, endpointId: string) {
  const targets = await createDeliveriesForEvent(db.pool, eventId);
  const target = targets.find((candidate) => candidate.endpointId === endpointId)!;
  const handle = await env.client.workflow.start(deliverWebhook, {
    taskQueue: TASK_QUEUE,
    workflowId: target.workflowId,
    args: [{ deliveryId: target.deliveryId, eventId, endpointId }],
  });
  const result = await handle.result();
  const history = await handle.fetchHistory();
  return { result, history, events: history.events ?? [] };
}

type HistoryEvent = Awaited<ReturnType<typeof deliver>>['events'][number];

/** Returns the local-activity markers of the workflow's attempts, one per attempt, in order. */
function attemptMarkers(events: HistoryEvent[]): HistoryEvent[] {
  return events.filter((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_local_activity') return false;
    const data = marker.details?.data?.payloads?.[0]?.data;
    return data
      ? JSON.parse(Buffer.from(data).toString()).activity_type === 'sendDeliveryAttempt'
      : false;
  });
}

/**
 * Returns the workflow time at which each attempt began: the start of the workflow's first task,
 * then of the first task after each timer fired.
 */
function attemptTimes(events: HistoryEvent[]) {
  const starts = [];
  let awaitingTask = true;
  for (const event of events) {
    if (event.timerFiredEventAttributes) awaitingTask = true;
    if (awaitingTask && event.workflowTaskStartedEventAttributes) {
      starts.push(event.eventTime);
      awaitingTask = false;
    }
  }
  return starts;
}

/** Returns the workflow time at which each attempt ended: when its marker was recorded. */
function completionTimes(events: HistoryEvent[]) {
  return attemptMarkers(events).map((event) => event.eventTime);
}

test('failing endpoint is retried after 1 m, 5 m, 30 m, 2 h and 12 h', async () => {
  receiver.respond = () => ({ status: 500, body: 'database exploded' });
  const site = await createSite(db.pool, 'owner-schedule@example.com');
  const endpoint = await createEndpoint(db.pool, site.id, `${receiver.url}/always-failing`);
  const { eventId, body } = await storeTestEvent(db.pool, subscriberCreated(site.id));
  receiver.requests.length = 0;

  const { result, history, events } = await deliver(eventId, endpoint.id);
  recordHistory('deliver-webhook-exhausted', history);

  expect(result).toEqual({ outcome: 'failed', attempts: 6 });

  const timers = events
    .filter((event) => event.timerStartedEventAttributes)
    .map((event) => Number(event.timerStartedEventAttributes!.startToFireTimeout!.seconds));
  expect(timers).toEqual([60, 300, 1800, 7200, 43200]);

  // Each wait counts from the end of the failed attempt, so measure from one attempt's completion
  // to the next attempt's start. The gap exceeds the wait only by workflow task time (far below a
  // second), so whole seconds must match exactly.
  const starts = attemptTimes(events);
  const ends = completionTimes(events);
  expect(starts).toHaveLength(6);
  expect(ends).toHaveLength(6);
  const gaps = starts
    .slice(1)
    .map((start, index) => Math.floor(secondsBetween(ends[index], start)));
  expect(gaps).toEqual([60, 300, 1800, 7200, 43200]);

  // Seen from the first attempt, the attempt durations add up, so allow them a few seconds.
  const offsets = starts.map((start) => secondsBetween(starts[0], start));
  [0, 60, 360, 2160, 9360, 52560].forEach((expected, index) => {
    expect(offsets[index]).toBeGreaterThanOrEqual(expected);
    expect(offsets[index]).toBeLessThan(expected + 5);
  });

  expect(receiver.requests).toHaveLength(6);
  expect(new Set(receiver.requests.map((request) => request.body))).toEqual(new Set([body]));
  expect(new Set(receiver.requests.map((request) => request.headers['webhook-id']))).toEqual(
    new Set([eventId]),
  );
  expect(receiver.requests.map((request) => request.headers['x-postion-attempt'])).toEqual([
    '1',
    '2',
    '3',
    '4',
    '5',
    '6',
  ]);
});

test('exhausted delivery marks endpoint failing and emails owner once', async () => {
  receiver.respond = () => ({ status: 503 });
  const site = await createSite(db.pool, 'owner-email@example.com');
  const endpoint = await createEndpoint(db.pool, site.id, `${receiver.url}/down`);
  const first = await storeTestEvent(db.pool, subscriberCreated(site.id));
  const second = await storeTestEvent(db.pool, subscriberCreated(site.id));
  const mailBefore = smtp.messages.length;

  await deliver(first.eventId, endpoint.id);
  await deliver(second.eventId, endpoint.id);

  const { rows: deliveries } = await db.pool.query(
    'SELECT status, attempt_count, next_attempt_at FROM deliveries WHERE endpoint_id = $1',
    [endpoint.id],
  );
  expect(deliveries).toEqual([
    { status: 'failed', attempt_count: 6, next_attempt_at: null },
    { status: 'failed', attempt_count: 6, next_attempt_at: null },
  ]);

  const { rows: endpoints } = await db.pool.query(
    'SELECT status, failing_since FROM endpoints WHERE id = $1',
    [endpoint.id],
  );
  expect(endpoints[0].status).toBe('failing');
  expect(endpoints[0].failing_since).toBeInstanceOf(Date);

  const mail = smtp.messages.slice(mailBefore);
  expect(mail).toHaveLength(1);
  expect(mail[0]!.to).toEqual(['owner-email@example.com']);
  expect(mail[0]!.raw).toContain(`${receiver.url}/down`);

  const { rows: notifications } = await db.pool.query(
    'SELECT status FROM notifications WHERE endpoint_id = $1',
    [endpoint.id],
  );
  expect(notifications).toEqual([{ status: 'sent' }]);
});

test.each([
  [1, 'active' as const],
  [3, 'failing' as const],
  [6, 'active' as const],
])(
  'endpoint answering 2xx on attempt %i gets exactly that many attempts',
  async (successfulAttempt, startStatus) => {
    const failures = successfulAttempt - 1;
    receiver.respond = (_request, index) => ({ status: index < failures ? 500 : 204 });
    const site = await createSite(db.pool);
    const endpoint = await createEndpoint(db.pool, site.id, `${receiver.url}/recovers`, {
      status: startStatus,
    });
    const { eventId } = await storeTestEvent(db.pool, subscriberCreated(site.id));
    receiver.requests.length = 0;
    const mailBefore = smtp.messages.length;

    const { result, history } = await deliver(eventId, endpoint.id);
    if (successfulAttempt === 3) recordHistory('deliver-webhook-recovered', history);

    expect(result).toEqual({ outcome: 'succeeded', attempts: successfulAttempt });
    expect(receiver.requests).toHaveLength(successfulAttempt);
    const { rows } = await db.pool.query('SELECT status FROM endpoints WHERE id = $1', [
      endpoint.id,
    ]);
    expect(rows[0].status).toBe('active');
    expect(smtp.messages.length).toBe(mailBefore);
  },
);
