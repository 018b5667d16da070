import { performance } from 'node:perf_hooks';
import { EVENT_TYPES, type EventType } from '../../src/events/schemas';
import type { Delivery, DeliveryAttempt, Endpoint, PostionApi } from './api-client';
import {
  formatClock,
  formatHeader,
  formatRow,
  formatSpan,
  print,
  printPhase,
  printTable,
  type Column,
} from './output';
import { pollUntil } from './poll';
import { DemoReceiver, type ReceivedRequest, type ResponsePolicy } from './receiver';
import { planRemainingAttempts } from './retry-plan';
import {
  VERIFICATION_EVENT,
  type DemoRunState,
  type PublishedEvent,
  type ReceiverRun,
} from './run-state';
import { sampleEventData } from '../../src/events/samples';

/** Services and state shared by the demo phases. */
export interface DemoContext {
  api: PostionApi;
  state: DemoRunState;
  /** Receivers started so far, which the caller closes. */
  receivers: DemoReceiver[];
  /** Aborted when the run's time limit passes. */
  signal: AbortSignal;
}

// The dev stack seeds this site, and the publisher token may publish for it.
const SITE_ID = 'site_dev';
// The verification request itself times out after 10 s, so 30 s leaves room for a slow worker.
const ACTIVATION_TIMEOUT_MS = 30_000;
// Covers the gap between a receiver's response and the worker recording the attempt.
const STATUS_TIMEOUT_MS = 15_000;
const FAILING_EVENT_TYPE: EventType = 'payment.received';

const ARRIVAL_COLUMNS: Column[] = [
  { header: 'EVENT TYPE', width: Math.max(...EVENT_TYPES.map((type) => type.length)) },
  { header: 'EVENT ID', width: 30 },
  { header: 'DELIVERY ID', width: 30 },
  { header: 'HMAC', width: 6 },
  { header: 'STD WEBHOOKS', width: 12 },
  { header: 'PUBLISH TO ARRIVAL', width: 0 },
];

/** Responds with 204 when both signature checks pass and with 400 otherwise. */
const verifyingPolicy: ResponsePolicy = (request) =>
  request.hmac.ok && request.standardWebhooks.ok ? 204 : 400;

/** Responds to verification requests with 200 and fails every delivery with 503. */
const failingPolicy: ResponsePolicy = (request) =>
  request.eventType === VERIFICATION_EVENT ? 200 : 503;

/**
 * Runs the three phases of the demo, recording progress in `context.state` so that the summary
 * can judge a run that stopped early. Throws when a step fails or the run is aborted.
 */
export async function runPhases(context: DemoContext): Promise<void> {
  const { state } = context;
  printPhase('1. Receiver A: checks both signatures on every request');
  state.receiverA = await startReceiverRun(context, verifyingPolicy);
  await registerAndActivate(context, state.receiverA, EVENT_TYPES, 'Postion demo: receiver A');

  printPhase(`2. Publish one event of each of the ${EVENT_TYPES.length} types to receiver A`);
  await publishAllTypes(context, state.receiverA);
  await confirmDeliveries(context, state.receiverA);

  printPhase('3. Receiver B: fails every delivery, so the delivery is retried on a schedule');
  state.receiverB = await startReceiverRun(context, failingPolicy);
  const typesB = [FAILING_EVENT_TYPE];
  await registerAndActivate(context, state.receiverB, typesB, 'Postion demo: receiver B');
  state.retryingB = await publishToFailingReceiver(context, state.receiverB);
  await printRetryPlan(context, state.retryingB);
}

async function startReceiverRun(
  context: DemoContext,
  policy: ResponsePolicy,
): Promise<ReceiverRun> {
  const receiver = await DemoReceiver.start(policy);
  context.receivers.push(receiver);
  print(`  listening on ${receiver.url}`);
  return { receiver, active: false, published: [] };
}

/** Registers the receiver's URL, hands it the secret and waits until verification passes. */
async function registerAndActivate(
  context: DemoContext,
  run: ReceiverRun,
  events: readonly EventType[],
  description: string,
): Promise<void> {
  const registeredAt = performance.now();
  const request = { url: run.receiver.url, events: [...events], description };
  const endpoint = await context.api.createEndpoint(request);
  if (!endpoint.secret) throw new Error(`POST /v1/webhooks returned no secret for ${endpoint.id}`);
  run.receiver.setSecret(endpoint.secret);
  run.endpoint = endpoint;

  const subscribed =
    events.length === EVENT_TYPES.length ? `all ${events.length} event types` : events.join(', ');
  print(`  registered endpoint ${endpoint.id} for ${subscribed} (status ${endpoint.status})`);
  void run.receiver
    .waitFor((received) => received.eventType === VERIFICATION_EVENT, context.signal)
    .then(
      (received) => print(`  verification request ${received.bodyId}: ${describeChecks(received)}`),
      () => undefined,
    );

  const verified = await waitUntilVerified(context, endpoint.id);
  if (verified.status !== 'active') {
    const reason = verified.status_reason ?? 'no reason given';
    throw new Error(
      `endpoint ${endpoint.id} is ${verified.status}: ${reason}. The worker must reach ${run.receiver.url}.`,
    );
  }
  run.active = true;
  const elapsed = Math.round(performance.now() - registeredAt);
  print(`  endpoint ${endpoint.id} is active, ${elapsed} ms after registration`);
}

async function waitUntilVerified(context: DemoContext, endpointId: string): Promise<Endpoint> {
  const settled = await pollUntil(
    async () => {
      const endpoint = await context.api.getEndpoint(endpointId);
      return endpoint.status === 'pending_verification' ? undefined : endpoint;
    },
    ACTIVATION_TIMEOUT_MS,
    context.signal,
  );
  if (!settled) {
    throw new Error(
      `endpoint ${endpointId} is still pending_verification after ${ACTIVATION_TIMEOUT_MS / 1000} s. Look for errors in the worker output of \`npm start\`.`,
    );
  }
  return settled;
}

function describeChecks(request: ReceivedRequest): string {
  const describe = (check: ReceivedRequest['hmac']) =>
    check.ok ? 'ok' : `FAILED (${check.error})`;
  const hmac = describe(request.hmac);
  const standard = describe(request.standardWebhooks);
  return `HMAC ${hmac}, Standard Webhooks ${standard}, answered ${request.responseStatus}`;
}

/** Publishes one event per type and prints each delivery as it reaches receiver A. */
async function publishAllTypes(context: DemoContext, run: ReceiverRun): Promise<void> {
  const samples = sampleEventData(SITE_ID);
  const arrivals: Promise<void>[] = [];
  print(formatHeader(ARRIVAL_COLUMNS));

  for (const type of EVENT_TYPES) {
    const publishedAtMs = performance.now();
    const { id } = await context.api.publishEvent(type, samples[type]);
    const event: PublishedEvent = { type, id, publishedAtMs };
    run.published.push(event);
    // The delivery may arrive before the publish response, so waitFor also checks earlier requests.
    const arrival = run.receiver.waitFor((request) => request.bodyId === id, context.signal);
    arrivals.push(arrival.then((request) => recordArrival(context.state, event, request)));
  }
  await Promise.all(arrivals);
}

function recordArrival(state: DemoRunState, event: PublishedEvent, request: ReceivedRequest): void {
  state.arrivals.set(event.id, request);
  const verdict = (ok: boolean) => (ok ? 'ok' : 'FAILED');
  print(
    formatRow(ARRIVAL_COLUMNS, [
      event.type,
      event.id,
      request.deliveryId ?? '(missing)',
      verdict(request.hmac.ok),
      verdict(request.standardWebhooks.ok),
      `${Math.round(request.arrivedAtMs - event.publishedAtMs)} ms`,
    ]),
  );
  for (const check of [request.hmac, request.standardWebhooks]) {
    if (!check.ok) print(`    ${check.error}`);
  }
}

/** Waits until the API has recorded an outcome for every delivery to A, then prints them. */
async function confirmDeliveries(context: DemoContext, run: ReceiverRun): Promise<void> {
  const endpointId = run.endpoint!.id;
  const publishedIds = new Set(run.published.map((event) => event.id));
  print();
  print(`  Checking GET /v1/webhooks/${endpointId}/deliveries:`);

  let deliveries: Delivery[] = [];
  const settled = await pollUntil(
    async () => {
      const listed = await context.api.listDeliveries(endpointId);
      deliveries = listed.filter((delivery) => publishedIds.has(delivery.event_id));
      context.state.deliveriesA = deliveries;
      const done =
        deliveries.length === publishedIds.size &&
        deliveries.every((delivery) => delivery.status !== 'pending');
      return done ? deliveries : undefined;
    },
    STATUS_TIMEOUT_MS,
    context.signal,
  );

  // The API lists newest first, so reversing restores the publish order.
  const rows = [...deliveries]
    .reverse()
    .map((delivery) => [
      delivery.id,
      delivery.event_type,
      delivery.status,
      `${delivery.attempt_count} of ${delivery.max_attempts}`,
    ]);
  printTable(['DELIVERY ID', 'EVENT TYPE', 'STATUS', 'ATTEMPTS'], rows);
  if (!settled) print(`  Not every delivery had an outcome after ${STATUS_TIMEOUT_MS / 1000} s.`);
}

/** Publishes one event to receiver B and returns its delivery once the API reports it retrying. */
async function publishToFailingReceiver(context: DemoContext, run: ReceiverRun): Promise<Delivery> {
  const data = sampleEventData(SITE_ID)[FAILING_EVENT_TYPE];
  const publishedAtMs = performance.now();
  const { id } = await context.api.publishEvent(FAILING_EVENT_TYPE, data);
  run.published.push({ type: FAILING_EVENT_TYPE, id, publishedAtMs });
  print(`  published ${FAILING_EVENT_TYPE} event ${id}`);
  print('  (receiver A gets this event too, because it subscribes to every type)');

  const request = await run.receiver.waitFor((received) => received.bodyId === id, context.signal);
  const elapsed = Math.round(request.arrivedAtMs - publishedAtMs);
  const status = request.responseStatus;
  print(
    `  attempt ${request.attemptNumber} arrived after ${elapsed} ms; receiver B answered ${status}`,
  );

  const endpointId = run.endpoint!.id;
  let latest: Delivery | undefined;
  const retrying = await pollUntil(
    async () => {
      const deliveries = await context.api.listDeliveries(endpointId);
      latest = deliveries.find((delivery) => delivery.event_id === id);
      return latest?.status === 'retrying' ? latest : undefined;
    },
    STATUS_TIMEOUT_MS,
    context.signal,
  );
  if (!retrying) {
    const seen = latest ? `it is ${latest.status}` : 'the API does not list it';
    throw new Error(
      `the delivery of event ${id} is not retrying after ${STATUS_TIMEOUT_MS / 1000} s: ${seen}`,
    );
  }
  return retrying;
}

/** Prints the failed attempt, its error and the planned times of the remaining attempts. */
async function printRetryPlan(context: DemoContext, retrying: Delivery): Promise<void> {
  const delivery = await context.api.getDelivery(retrying.id);
  if (!delivery.next_attempt_at) {
    throw new Error(`delivery ${delivery.id} is retrying but has no next_attempt_at`);
  }
  const failed = delivery.attempt_count;
  const failedAttempts = `${failed} failed ${failed === 1 ? 'attempt' : 'attempts'}`;
  print(`  delivery ${delivery.id} is ${delivery.status} after ${failedAttempts}:`);
  print();

  const now = new Date();
  const attempts = delivery.attempts ?? [];
  const rows = attempts.map((attempt) => describeAttempt(attempt, now));
  const plan = planRemainingAttempts(
    delivery.attempt_count,
    new Date(delivery.next_attempt_at),
    delivery.max_attempts,
  );
  for (const planned of plan) {
    rows.push([
      String(planned.attemptNumber),
      formatClock(planned.at, now),
      `+${formatSpan(planned.delayMs)}`,
      `planned, in ${formatSpan(planned.at.getTime() - now.getTime())}`,
    ]);
  }
  printTable(['ATTEMPT', 'TIME', 'WAIT BEFORE', 'OUTCOME'], rows);

  print();
  const last = attempts[attempts.length - 1];
  print(`  Error of attempt ${last?.attempt_number ?? failed}: ${delivery.last_error}`);
  if (last?.response_excerpt) print(`  Response body: ${JSON.stringify(last.response_excerpt)}`);
  print('  Each wait counts from the end of the failed attempt before it, so a slow failure moves');
  print(
    `  the later attempts back. If attempt ${delivery.max_attempts} fails too, the delivery is failed.`,
  );
  print(`  Workflow in the Temporal Web UI: ${delivery.workflow_url}`);
}

function describeAttempt(attempt: DeliveryAttempt, now: Date): string[] {
  const statusCode = attempt.status_code === null ? '' : `, HTTP ${attempt.status_code}`;
  const outcome = attempt.succeeded
    ? 'succeeded'
    : `failed (${attempt.error_class ?? 'error'}${statusCode})`;
  return [
    String(attempt.attempt_number),
    formatClock(new Date(attempt.started_at), now),
    '',
    outcome,
  ];
}
