import { setTimeout as delay } from 'node:timers/promises';
import type { Pool } from '../src/db/pool';
import type { Accounting } from './accounting';
import type { BenchSite } from './fixtures';
import { arrivalKey, type BenchReceiver } from './receiver';

/**
 * Counts that decide whether the waiting part is valid; any non-zero count voids it. Requests
 * count per attempt: each delivery must receive attempt 1 once and attempt 2 once, and a request
 * for any other attempt is unexpected.
 */
export interface WaitingAccounting extends Accounting {
  /** Delivery rows without exactly two attempts: attempt 1 failed, then attempt 2 succeeded. */
  rowsWrongAttempts: number;
}

interface DeliveryRow {
  event_id: string;
  endpoint_id: string;
  status: string;
  attempts: number;
  first_failed: boolean;
  second_succeeded: boolean;
}

/**
 * Checks that every delivery of the accepted events to `site` arrived exactly twice at the
 * receiver, as attempt 1 and attempt 2, and ended as one `succeeded` row with exactly those two
 * attempts. Rows are polled until they are all settled or `settleMs` has passed.
 */
export async function accountWaitingDeliveries(
  pool: Pool,
  receiver: BenchReceiver,
  site: BenchSite,
  acceptedEventIds: string[],
  settleMs: number,
): Promise<WaitingAccounting> {
  const expectedKeys = new Set<string>();
  for (const eventId of acceptedEventIds) {
    for (const endpointId of site.endpointIds) expectedKeys.add(arrivalKey(endpointId, eventId));
  }

  const accounting: WaitingAccounting = {
    acceptedEvents: acceptedEventIds.length,
    expectedDeliveries: expectedKeys.size,
    ...countReceiverFaults(receiver, expectedKeys),
    ...countRowFaults(await settledRows(pool, site.siteId, expectedKeys, settleMs), expectedKeys),
    valid: false,
  };
  const { valid: _valid, acceptedEvents: _a, expectedDeliveries: _e, ...faults } = accounting;
  accounting.valid = Object.values(faults).every((count) => count === 0);
  return accounting;
}

function countReceiverFaults(receiver: BenchReceiver, expectedKeys: Set<string>) {
  let receiverMissing = 0;
  let receiverDuplicated = 0;
  let receiverUnexpected = 0;
  for (const key of expectedKeys) {
    const numbers = (receiver.failOnceArrivals.get(key) ?? []).map(
      (arrival) => arrival.attemptNumber,
    );
    if (!numbers.includes(1) || !numbers.includes(2)) receiverMissing++;
    if (new Set(numbers).size < numbers.length) receiverDuplicated++;
  }
  for (const [key, arrivals] of receiver.failOnceArrivals) {
    if (!expectedKeys.has(key)) {
      receiverUnexpected += arrivals.length;
      continue;
    }
    const others = arrivals.filter(
      (arrival) => arrival.attemptNumber !== 1 && arrival.attemptNumber !== 2,
    );
    receiverUnexpected += others.length;
  }
  return { receiverMissing, receiverDuplicated, receiverUnexpected };
}

function countRowFaults(rows: DeliveryRow[], expectedKeys: Set<string>) {
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
    if (found.some((row) => !hasExpectedAttempts(row))) rowsWrongAttempts++;
  }
  return { rowsMissing, rowsDuplicated, rowsNotSucceeded, rowsWrongAttempts };
}

function hasExpectedAttempts(row: DeliveryRow): boolean {
  return row.attempts === 2 && row.first_failed && row.second_succeeded;
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
  settleMs: number,
): Promise<DeliveryRow[]> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    // Redeliveries are separate rows by design, so only first deliveries are counted here.
    const { rows } = await pool.query<DeliveryRow>(
      `SELECT d.event_id, d.endpoint_id, d.status, count(a.attempt_number)::int AS attempts,
              coalesce(bool_or(a.attempt_number = 1 AND NOT a.succeeded), false) AS first_failed,
              coalesce(bool_or(a.attempt_number = 2 AND a.succeeded), false) AS second_succeeded
       FROM deliveries d LEFT JOIN delivery_attempts a ON a.delivery_id = d.id
       WHERE d.site_id = $1 AND d.redelivery_of IS NULL
       GROUP BY d.id`,
      [siteId],
    );
    const settledKeys = new Set(
      rows
        .filter((row) => row.status === 'succeeded' && hasExpectedAttempts(row))
        .map((row) => arrivalKey(row.endpoint_id, row.event_id)),
    );
    const settled = [...expectedKeys].every((key) => settledKeys.has(key));
    if (settled || Date.now() >= deadline) return rows;
    await delay(250);
  }
}
