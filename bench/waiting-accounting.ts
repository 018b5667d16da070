import { setTimeout as delay } from 'node:timers/promises';
import type { Pool } from '../src/db/pool';
import type { Accounting } from './accounting';
import type { BenchSite } from './fixtures';
import { arrivalKey, type BenchReceiver } from './receiver';

/**
 * Counts that decide whether the waiting part is valid; any non-zero count voids it. Requests
 * count per attempt: each delivery must receive each of attempts 1 to F + 1 once, and a request
 * for any other attempt is unexpected.
 */
export interface WaitingAccounting extends Accounting {
  /** F: the attempts that fail on purpose, 1 to F, before attempt F + 1 succeeds. */
  failedAttempts: number;
  /** Delivery rows without exactly attempts 1 to F failed and attempt F + 1 succeeded. */
  rowsWrongAttempts: number;
}

interface DeliveryRow {
  event_id: string;
  endpoint_id: string;
  status: string;
  attempts: number;
  /** Failed attempts numbered 1 to F. The primary key makes each number unique per delivery. */
  failed_attempts: number;
  final_succeeded: boolean;
}

/**
 * Checks that every delivery of the accepted events to `site` arrived at the receiver exactly
 * once as each of attempts 1 to `failedAttempts + 1`, and ended as one `succeeded` row with
 * exactly those attempts, all failed but the last. Rows are polled until they are all settled or
 * `settleMs` has passed.
 */
export async function accountWaitingDeliveries(
  pool: Pool,
  receiver: BenchReceiver,
  site: BenchSite,
  acceptedEventIds: string[],
  failedAttempts: number,
  settleMs: number,
): Promise<WaitingAccounting> {
  const expectedKeys = new Set<string>();
  for (const eventId of acceptedEventIds) {
    for (const endpointId of site.endpointIds) expectedKeys.add(arrivalKey(endpointId, eventId));
  }

  const rows = await settledRows(pool, site.siteId, expectedKeys, failedAttempts, settleMs);
  const accounting: WaitingAccounting = {
    acceptedEvents: acceptedEventIds.length,
    expectedDeliveries: expectedKeys.size,
    failedAttempts,
    ...countReceiverFaults(receiver, expectedKeys, failedAttempts),
    ...countRowFaults(rows, expectedKeys, failedAttempts),
    valid: false,
  };
  const {
    valid: _valid,
    acceptedEvents: _a,
    expectedDeliveries: _e,
    failedAttempts: _f,
    ...faults
  } = accounting;
  accounting.valid = Object.values(faults).every((count) => count === 0);
  return accounting;
}

function countReceiverFaults(
  receiver: BenchReceiver,
  expectedKeys: Set<string>,
  failedAttempts: number,
) {
  const expectedNumbers = Array.from({ length: failedAttempts + 1 }, (_, index) => index + 1);
  let receiverMissing = 0;
  let receiverDuplicated = 0;
  let receiverUnexpected = 0;
  for (const key of expectedKeys) {
    const numbers = (receiver.failingArrivals.get(key) ?? []).map(
      (arrival) => arrival.attemptNumber,
    );
    if (!expectedNumbers.every((number) => numbers.includes(number))) receiverMissing++;
    if (new Set(numbers).size < numbers.length) receiverDuplicated++;
  }
  for (const [key, arrivals] of receiver.failingArrivals) {
    if (!expectedKeys.has(key)) {
      receiverUnexpected += arrivals.length;
      continue;
    }
    const others = arrivals.filter(
      (arrival) =>
        arrival.attemptNumber === null || !expectedNumbers.includes(arrival.attemptNumber),
    );
    receiverUnexpected += others.length;
  }
  return { receiverMissing, receiverDuplicated, receiverUnexpected };
}

function countRowFaults(rows: DeliveryRow[], expectedKeys: Set<string>, failedAttempts: number) {
  const rowsByKey = groupByKey(rows);
  let rowsMissing = 0;
  let rowsDuplicated = 0;
  let rowsNotSucceeded = 0;
  let rowsWrongAttempts = 0;
  for (const key of expectedKeys) {
    const found = rowsByKey.get(key) ?? [];
    if (found.length === 0) rowsMissing++;
    if (found.length > 1) rowsDuplicated++;
    if (found.some((row) => row.status !== 'succeeded')) rowsNotSucceeded++;
    if (found.some((row) => !hasExpectedAttempts(row, failedAttempts))) rowsWrongAttempts++;
  }
  return { rowsMissing, rowsDuplicated, rowsNotSucceeded, rowsWrongAttempts };
}

function hasExpectedAttempts(row: DeliveryRow, failedAttempts: number): boolean {
  return (
    row.attempts === failedAttempts + 1 &&
    row.failed_attempts === failedAttempts &&
    row.final_succeeded
  );
}

function groupByKey(rows: DeliveryRow[]): Map<string, DeliveryRow[]> {
  const rowsByKey = new Map<string, DeliveryRow[]>();
  for (const row of rows) {
    const key = arrivalKey(row.endpoint_id, row.event_id);
    const list = rowsByKey.get(key);
    if (list) list.push(row);
    else rowsByKey.set(key, [row]);
  }
  return rowsByKey;
}

async function settledRows(
  pool: Pool,
  siteId: string,
  expectedKeys: Set<string>,
  failedAttempts: number,
  settleMs: number,
): Promise<DeliveryRow[]> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    // Redeliveries are separate rows by design, so only first deliveries are counted here.
    // attempt_number is at least 1 and unique per delivery, so F failed attempts numbered up to F,
    // a succeeded attempt F + 1 and F + 1 attempts in all mean exactly attempts 1 to F + 1.
    const { rows } = await pool.query<DeliveryRow>(
      `SELECT d.event_id, d.endpoint_id, d.status, count(a.attempt_number)::int AS attempts,
              count(a.attempt_number) FILTER (WHERE a.attempt_number <= $2::int
                                                AND NOT a.succeeded)::int AS failed_attempts,
              coalesce(bool_or(a.attempt_number = $3::int AND a.succeeded), false)
                AS final_succeeded
       FROM deliveries d LEFT JOIN delivery_attempts a ON a.delivery_id = d.id
       WHERE d.site_id = $1 AND d.redelivery_of IS NULL
       GROUP BY d.id`,
      [siteId, failedAttempts, failedAttempts + 1],
    );
    const settledKeys = new Set(
      rows
        .filter((row) => row.status === 'succeeded' && hasExpectedAttempts(row, failedAttempts))
        .map((row) => arrivalKey(row.endpoint_id, row.event_id)),
    );
    const settled = [...expectedKeys].every((key) => settledKeys.has(key));
    if (settled || Date.now() >= deadline) return rows;
    await delay(250);
  }
}
