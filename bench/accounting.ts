import { setTimeout as delay } from 'node:timers/promises';
import type { Pool } from '../src/db/pool';
import type { BenchSite } from './fixtures';
import type { Publication } from './publisher';
import { arrivalKey, type BenchReceiver } from './receiver';

/** Counts that decide whether a run is valid; any non-zero count voids it. */
export interface Accounting {
  acceptedEvents: number;
  expectedDeliveries: number;
  receiverMissing: number;
  receiverDuplicated: number;
  /** Requests for an event the client never saw accepted, or for an unknown endpoint. */
  receiverUnexpected: number;
  rowsMissing: number;
  rowsDuplicated: number;
  /** Delivery rows of accepted events whose status is not `succeeded`. */
  rowsNotSucceeded: number;
  valid: boolean;
}

/** Publications of one site, all steps together. */
export interface SitePublications {
  site: BenchSite;
  publications: Publication[];
}

interface RowCount {
  event_id: string;
  endpoint_id: string;
  rows: number;
  succeeded: number;
}

/**
 * Checks that every accepted event reached each endpoint of its site exactly once, at the
 * receiver and as one `succeeded` delivery row. The worker writes the row after the request, so
 * the rows are polled until they have all succeeded or `settleMs` has passed.
 */
export async function accountDeliveries(
  pool: Pool,
  receiver: BenchReceiver,
  sites: SitePublications[],
  settleMs: number,
): Promise<Accounting> {
  const accounting: Accounting = {
    acceptedEvents: 0,
    expectedDeliveries: 0,
    receiverMissing: 0,
    receiverDuplicated: 0,
    receiverUnexpected: 0,
    rowsMissing: 0,
    rowsDuplicated: 0,
    rowsNotSucceeded: 0,
    valid: false,
  };

  const expectedKeys = new Set<string>();
  for (const { site, publications } of sites) {
    const eventIds = publications
      .filter((publication) => publication.acceptedAt !== null)
      .map((publication) => publication.eventId);
    accounting.acceptedEvents += eventIds.length;
    for (const eventId of eventIds) {
      for (const endpointId of site.endpointIds) {
        const key = arrivalKey(endpointId, eventId);
        expectedKeys.add(key);
        const count = receiver.arrivals.get(key)?.length ?? 0;
        if (count === 0) accounting.receiverMissing++;
        if (count > 1) accounting.receiverDuplicated++;
      }
    }
    const rows = await settledRows(pool, eventIds, site.endpointIds.length, settleMs);
    const rowsByKey = new Map(rows.map((row) => [arrivalKey(row.endpoint_id, row.event_id), row]));
    for (const eventId of eventIds) {
      for (const endpointId of site.endpointIds) {
        const row = rowsByKey.get(arrivalKey(endpointId, eventId));
        if (!row) accounting.rowsMissing++;
        else {
          if (row.rows > 1) accounting.rowsDuplicated++;
          if (row.succeeded !== row.rows) accounting.rowsNotSucceeded++;
        }
      }
    }
  }
  accounting.expectedDeliveries = expectedKeys.size;
  for (const key of receiver.arrivals.keys()) {
    if (!expectedKeys.has(key)) accounting.receiverUnexpected++;
  }

  const { valid: _valid, acceptedEvents: _a, expectedDeliveries: _e, ...faults } = accounting;
  accounting.valid = Object.values(faults).every((count) => count === 0);
  return accounting;
}

async function settledRows(
  pool: Pool,
  eventIds: string[],
  fanOut: number,
  settleMs: number,
): Promise<RowCount[]> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    // Redeliveries are separate rows by design; only first deliveries are counted here.
    const { rows } = await pool.query<RowCount>(
      `SELECT event_id, endpoint_id, count(*)::int AS rows,
              count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded
       FROM deliveries WHERE event_id = ANY ($1) AND redelivery_of IS NULL
       GROUP BY event_id, endpoint_id`,
      [eventIds],
    );
    const settled =
      rows.length === eventIds.length * fanOut && rows.every((row) => row.succeeded === row.rows);
    if (settled || Date.now() >= deadline) return rows;
    await delay(250);
  }
}
