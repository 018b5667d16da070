import { setTimeout as delay } from 'node:timers/promises';
import type { Pool } from 'pg';
import { createEndpoint } from './fixtures';
import type { ReceivedRequest } from './receiver';

/** An endpoint of a fault test, and the receiver path its URL ends with. */
export interface AuditedEndpoint {
  id: string;
  path: string;
}

/** What every delivery of the audited events must show at the end. */
export interface AuditExpectation {
  eventIds: string[];
  endpoints: AuditedEndpoint[];
  /** Attempts each delivery takes because of its endpoint's responses: 1 when the first succeeds. */
  attempts: number;
}

/**
 * The problems found across every event × endpoint pair, one list per rule, each entry naming
 * the pair. Every list is empty when the platform kept its contract.
 */
export interface DeliveryProblems {
  /** Pairs the receiver never saw. */
  notReceived: string[];
  /** Pairs without exactly one delivery row. */
  rowCounts: string[];
  /** Delivery rows not succeeded, or whose attempt_count differs from the expected attempts. */
  rowStates: string[];
  /** Deliveries whose recorded attempt numbers are not 1 to the expected attempts. */
  recordedAttempts: string[];
  /** Pairs whose requests carried attempt numbers other than 1 to the expected attempts. */
  sentAttempts: string[];
  /** Requests whose event id (header or body) or delivery id differs from the pair's. */
  identities: string[];
  /** Requests for an event or a path outside the audited ones. */
  strays: string[];
}

function emptyProblems(): DeliveryProblems {
  return {
    notReceived: [],
    rowCounts: [],
    rowStates: [],
    recordedAttempts: [],
    sentAttempts: [],
    identities: [],
    strays: [],
  };
}

/** The problems of an audit that found none, for `toEqual`. */
export const NO_PROBLEMS: Readonly<DeliveryProblems> = Object.freeze(emptyProblems());

/** Counts of an audit, for the summary of a scenario. */
export interface DeliveryCounts {
  /** Event × endpoint pairs that must be delivered. */
  expected: number;
  /** Pairs the receiver saw at least once. */
  received: number;
  /** Requests the receiver recorded for the audited pairs. */
  requests: number;
  /** Requests that repeated an attempt the receiver had already seen for the same pair. */
  duplicates: number;
  /** Endpoint attempts beyond the expected ones, by attempt_count or by attempt header. */
  attemptsConsumedByFaults: number;
}

/** Outcome of `auditDeliveries`. */
export interface DeliveryAudit {
  problems: DeliveryProblems;
  counts: DeliveryCounts;
}

interface DeliveryRow {
  id: string;
  event_id: string;
  endpoint_id: string;
  status: string;
  attempt_count: number;
  attempt_numbers: number[];
}

/**
 * Checks the receiver's requests and the database against the contract. Each pair must be
 * delivered at least once, with one delivery row and the expected attempts. Every request must
 * carry the pair's event id, and no failure of our own may consume an endpoint attempt.
 */
export async function auditDeliveries(
  pool: Pool,
  requests: ReceivedRequest[],
  expectation: AuditExpectation,
): Promise<DeliveryAudit> {
  const rows = await loadDeliveryRows(pool, expectation.eventIds);
  const problems = emptyProblems();
  problems.strays = findStrays(requests, expectation);
  const counts: DeliveryCounts = {
    expected: expectation.eventIds.length * expectation.endpoints.length,
    received: 0,
    requests: 0,
    duplicates: 0,
    attemptsConsumedByFaults: 0,
  };

  for (const eventId of expectation.eventIds) {
    for (const endpoint of expectation.endpoints) {
      const pairRows = rows.filter(
        (row) => row.event_id === eventId && row.endpoint_id === endpoint.id,
      );
      const pairRequests = requests.filter(
        (request) => request.path === endpoint.path && request.headers['webhook-id'] === eventId,
      );
      auditPair({ eventId, endpoint, rows: pairRows, requests: pairRequests }, expectation, {
        problems,
        counts,
      });
    }
  }
  return { problems, counts };
}

/** One event × endpoint pair with what the database and the receiver show of it. */
interface Pair {
  eventId: string;
  endpoint: AuditedEndpoint;
  rows: DeliveryRow[];
  requests: ReceivedRequest[];
}

function auditPair(pair: Pair, expectation: AuditExpectation, audit: DeliveryAudit): void {
  const { problems, counts } = audit;
  const name = `${pair.eventId} → ${pair.endpoint.id}`;
  const expected = Array.from({ length: expectation.attempts }, (_, index) => index + 1);
  const sent = pair.requests.map((request) => Number(request.headers['x-postion-attempt']));
  const row = pair.rows[0];

  counts.requests += pair.requests.length;
  counts.duplicates += pair.requests.length - new Set(sent).size;
  if (pair.requests.length > 0) counts.received++;
  else problems.notReceived.push(name);

  if (pair.rows.length !== 1) problems.rowCounts.push(`${name}: ${pair.rows.length} rows`);
  if (row && (row.status !== 'succeeded' || row.attempt_count !== expected.length)) {
    problems.rowStates.push(`${name}: ${row.status} after ${row.attempt_count} attempts`);
  }
  if (row && row.attempt_numbers.join() !== expected.join()) {
    problems.recordedAttempts.push(`${name}: recorded ${row.attempt_numbers}`);
  }
  if (distinctSorted(sent).join() !== expected.join()) {
    problems.sentAttempts.push(`${name}: sent ${sent}`);
  }
  const highest = Math.max(row?.attempt_count ?? 0, ...sent);
  counts.attemptsConsumedByFaults += Math.max(0, highest - expectation.attempts);

  for (const request of pair.requests) {
    const problem = findIdentityProblem(request, pair.eventId, row);
    if (problem) problems.identities.push(`${name}: ${problem}`);
  }
}

function findIdentityProblem(
  request: ReceivedRequest,
  eventId: string,
  row: DeliveryRow | undefined,
): string | null {
  const bodyId = (JSON.parse(request.body) as { id?: unknown }).id;
  if (request.headers['x-postion-event-id'] !== eventId || bodyId !== eventId) {
    return `request carried event ${String(bodyId)}`;
  }
  const deliveryId = request.headers['x-postion-delivery-id'];
  if (row && deliveryId !== row.id) return `request named delivery ${deliveryId}, row is ${row.id}`;
  return null;
}

function distinctSorted(numbers: number[]): number[] {
  return [...new Set(numbers)].sort((a, b) => a - b);
}

function findStrays(requests: ReceivedRequest[], expectation: AuditExpectation): string[] {
  const events = new Set(expectation.eventIds);
  const paths = new Set(expectation.endpoints.map((endpoint) => endpoint.path));
  return requests
    .filter((request) => {
      const eventId = String(request.headers['webhook-id']);
      return !paths.has(request.path) || !events.has(eventId);
    })
    .map((request) => `${request.path} event ${request.headers['webhook-id']}`);
}

async function loadDeliveryRows(pool: Pool, eventIds: string[]): Promise<DeliveryRow[]> {
  const { rows } = await pool.query<DeliveryRow>(
    `SELECT d.id, d.event_id, d.endpoint_id, d.status, d.attempt_count,
            coalesce(array_agg(a.attempt_number ORDER BY a.attempt_number)
                     FILTER (WHERE a.attempt_number IS NOT NULL), '{}') AS attempt_numbers
     FROM deliveries d LEFT JOIN delivery_attempts a ON a.delivery_id = d.id
     WHERE d.event_id = ANY ($1)
     GROUP BY d.id`,
    [eventIds],
  );
  return rows;
}

/**
 * Waits until every delivery that `expectation` lists has succeeded, polling every 250 ms, then
 * audits them. At the deadline it audits without throwing, so that the audit names what is
 * missing, and `succeeded` is then false.
 */
export async function settleDeliveries(
  pool: Pool,
  requests: ReceivedRequest[],
  expectation: AuditExpectation,
  timeoutMs: number,
): Promise<DeliveryAudit & { succeeded: boolean }> {
  const expected = expectation.eventIds.length * expectation.endpoints.length;
  const deadline = Date.now() + timeoutMs;
  let succeeded = false;
  while (!succeeded && Date.now() < deadline) {
    const { rows } = await pool.query<{ succeeded: number }>(
      `SELECT count(*)::int AS succeeded FROM deliveries
       WHERE event_id = ANY ($1) AND status = 'succeeded'`,
      [expectation.eventIds],
    );
    succeeded = rows[0]!.succeeded >= expected;
    if (!succeeded) await delay(250);
  }
  return { succeeded, ...(await auditDeliveries(pool, requests, expectation)) };
}

/** Formats the counts of an audit as one line for the test output. */
export function formatCounts(scenario: string, counts: DeliveryCounts, details: string): string {
  return (
    `[faults] ${scenario}: ${counts.received}/${counts.expected} deliveries received, ` +
    `${counts.requests} requests, ${counts.duplicates} duplicates, ` +
    `${counts.attemptsConsumedByFaults} attempts consumed by faults; ${details}`
  );
}

/** Creates one active endpoint per path on the receiver at `receiverUrl`, for `subscriber.created`. */
export async function createAuditedEndpoints(
  pool: Pool,
  siteId: string,
  receiverUrl: string,
  paths: string[],
): Promise<AuditedEndpoint[]> {
  const endpoints: AuditedEndpoint[] = [];
  for (const path of paths) {
    const endpoint = await createEndpoint(pool, siteId, `${receiverUrl}${path}`);
    endpoints.push({ id: endpoint.id, path });
  }
  return endpoints;
}
