import type { EventType } from '../../src/events/schemas';
import type { Delivery, Endpoint } from './api-client';
import type { DemoReceiver, ReceivedRequest } from './receiver';

/** Event type of the signed request that verifies a new endpoint. */
export const VERIFICATION_EVENT = 'endpoint.verification';

/** An event the demo published, with the moment it sent the publish request. */
export interface PublishedEvent {
  type: EventType;
  id: string;
  publishedAtMs: number;
}

/** One receiver with its endpoint and how far its part of the demo got. */
export interface ReceiverRun {
  receiver: DemoReceiver;
  endpoint?: Endpoint;
  active: boolean;
  published: PublishedEvent[];
}

/** Progress and observations of one demo run, which the summary judges. */
export interface DemoRunState {
  receiverA?: ReceiverRun;
  receiverB?: ReceiverRun;
  /** Requests that receiver A got for the published events, by event id. */
  arrivals: Map<string, ReceivedRequest>;
  /** Deliveries of receiver A as the API last listed them, or unset before the first request. */
  deliveriesA?: Delivery[];
  /** Receiver B's delivery once the API reported it as retrying. */
  retryingB?: Delivery;
}

/** One line of the summary. Its status is `not reached` when the demo stopped before that step. */
export interface CheckOutcome {
  status: 'passed' | 'failed' | 'not reached';
  label: string;
  problems: string[];
}

function judge(label: string, problems: string[]): CheckOutcome {
  return { status: problems.length === 0 ? 'passed' : 'failed', label, problems };
}

function notReached(label: string): CheckOutcome {
  return { status: 'not reached', label, problems: [] };
}

/** Judges the run: one outcome per promise that the demo makes. */
export function evaluateRun(
  state: DemoRunState,
  expectedTypes: readonly EventType[],
): CheckOutcome[] {
  return [
    checkActive('receiver A', state.receiverA),
    checkArrivals(state, expectedTypes),
    checkSignatures(state.receiverA),
    checkDuplicates(state),
    checkSucceeded(state, expectedTypes),
    checkActive('receiver B', state.receiverB),
    checkRetrying(state),
  ];
}

function checkActive(name: string, run: ReceiverRun | undefined): CheckOutcome {
  const label = `${name}'s endpoint passed verification and is active`;
  if (!run) return notReached(label);
  if (!run.endpoint) return judge(label, ['the endpoint was not created']);
  return judge(label, run.active ? [] : [`${run.endpoint.id} is not active`]);
}

function checkArrivals(state: DemoRunState, expectedTypes: readonly EventType[]): CheckOutcome {
  const published = state.receiverA?.published ?? [];
  const label = `deliveries of all ${expectedTypes.length} event types arrived at receiver A`;
  if (published.length === 0) return notReached(label);
  const arrivedTypes = new Set(
    published.filter((event) => state.arrivals.has(event.id)).map((event) => event.type),
  );
  const missing = expectedTypes.filter((type) => !arrivedTypes.has(type));
  return judge(
    label,
    missing.map((type) => `no ${type} delivery arrived`),
  );
}

function checkSignatures(run: ReceiverRun | undefined): CheckOutcome {
  const label = 'every request to receiver A passed both signature checks';
  if (!run?.endpoint) return notReached(label);
  const requests = run.receiver.requests;
  if (requests.length === 0) return judge(label, ['receiver A got no requests']);

  const problems: string[] = [];
  for (const request of requests) {
    const failed = [request.hmac, request.standardWebhooks].filter((check) => !check.ok);
    if (failed.length === 0) continue;
    const reasons = failed.map((check) => check.error).join('; ');
    problems.push(`${request.eventType ?? 'request'} ${request.bodyId ?? '(no id)'}: ${reasons}`);
  }
  const count = requests.length === 1 ? '1 request' : `${requests.length} requests`;
  return judge(`${label} (${count})`, problems);
}

function checkDuplicates(state: DemoRunState): CheckOutcome {
  // Receiver A subscribes to every type, so it also gets the event published for receiver B.
  const published = [state.receiverA, state.receiverB].flatMap((run) => run?.published ?? []);
  const publishedIds = new Set(published.map((event) => event.id));
  const problems = [
    ...findUnexpectedRequests('receiver A', state.receiverA, publishedIds),
    ...findUnexpectedRequests('receiver B', state.receiverB, publishedIds),
  ];
  return judge('no duplicate or unexpected requests', problems);
}

/**
 * Lists duplicate requests, and requests for events this run did not publish, at one receiver.
 * Within the demo's time limit each receiver gets exactly one verification request and one first
 * attempt per published event, because the first retry is scheduled a minute after a failure.
 */
function findUnexpectedRequests(
  name: string,
  run: ReceiverRun | undefined,
  publishedIds: ReadonlySet<string>,
): string[] {
  if (!run) return [];
  const counts = new Map<string, number>();
  const problems: string[] = [];

  for (const request of run.receiver.requests) {
    const isVerification = request.eventType === VERIFICATION_EVENT;
    if (!isVerification && !publishedIds.has(request.bodyId ?? '')) {
      problems.push(
        `${name} got event ${request.bodyId ?? '(no id)'}, which this run did not publish`,
      );
      continue;
    }
    const key = isVerification
      ? 'verification request'
      : `event ${request.bodyId}, attempt ${request.attemptNumber}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }

  for (const [key, count] of counts) {
    if (count > 1) problems.push(`${name} got ${count} copies of ${key}`);
  }
  return problems;
}

function checkSucceeded(state: DemoRunState, expectedTypes: readonly EventType[]): CheckOutcome {
  const label = `the API lists all ${expectedTypes.length} deliveries as succeeded after 1 attempt`;
  if (!state.deliveriesA) return notReached(label);
  const published = state.receiverA?.published ?? [];
  const publishedIds = new Set(published.map((event) => event.id));
  const deliveries = state.deliveriesA.filter((delivery) => publishedIds.has(delivery.event_id));
  const problems = deliveries
    .filter((delivery) => delivery.status !== 'succeeded' || delivery.attempt_count !== 1)
    .map(
      (delivery) =>
        `${delivery.id} (${delivery.event_type}) is ${delivery.status} after ${delivery.attempt_count} attempts`,
    );
  if (deliveries.length < expectedTypes.length) {
    problems.push(`the API lists ${deliveries.length} of the ${expectedTypes.length} deliveries`);
  }
  return judge(label, problems);
}

function checkRetrying(state: DemoRunState): CheckOutcome {
  const label = "receiver B's delivery failed once and is retrying";
  const published = state.receiverB?.published[0];
  if (!published) return notReached(label);
  const problems = state.retryingB ? [] : [`the delivery of ${published.id} is not retrying`];
  return judge(label, problems);
}
