import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Pool } from '../src/db/pool';
import { rssMiBOfTrees } from './proc-memory';
import { arrivalKey } from './receiver';

/** One reading of the waiting part: the site's delivery rows and the stack's memory. */
export interface WaitingSample {
  /** Seconds since the sampler started. */
  atSeconds: number;
  /** Delivery rows of the site so far. */
  created: number;
  /** Deliveries with at least one failed attempt that have not finished yet. */
  waiting: number;
  succeeded: number;
  /** Resident memory of each process tree of the stack, in MiB. */
  rssMiB: Record<string, number>;
}

/** A sampler running in the background until `stop()`. */
export interface WaitingSampler {
  samples: WaitingSample[];
  /**
   * Due time of the final attempt (wall-clock ms) by `arrivalKey(endpointId, eventId)`, read from
   * `deliveries.next_attempt_at` while each delivery waits after its last failed attempt. The
   * worker overwrites that column after every attempt and clears it when the final one succeeds,
   * so it can only be read during that last wait.
   */
  dueTimes: Map<string, number>;
  /** Takes a last sample and stops. Rethrows the error that stopped the sampler early, if any. */
  stop(): Promise<void>;
}

// The worker sets updated_at to its transaction's now(), which precedes the commit. Each read
// goes back this far before the previous one, so a row that commits late is still read once.
const COMMIT_MARGIN_MS = 30_000;

/**
 * Starts sampling the deliveries of `siteId` and the memory of `pids` every `intervalMs`. The
 * deliveries fail attempts 1 to `failedAttempts`, after which the due times are read.
 */
export function startWaitingSampler(
  pool: Pool,
  siteId: string,
  pids: Record<string, number>,
  intervalMs: number,
  failedAttempts: number,
): WaitingSampler {
  const samples: WaitingSample[] = [];
  const dueTimes = new Map<string, number>();
  const startedAt = performance.now();
  let updatedSince: Date | null = null;
  let stopped = false;
  let failure: unknown = null;

  const takeSample = async () => {
    const rssMiB = rssMiBOfTrees(pids);
    const counts = await countDeliveries(pool, siteId);
    updatedSince = await readDueTimes(pool, siteId, failedAttempts, updatedSince, dueTimes);
    samples.push({ atSeconds: (performance.now() - startedAt) / 1_000, ...counts, rssMiB });
  };

  const loop = (async () => {
    while (!stopped) {
      const nextAt = performance.now() + intervalMs;
      await takeSample();
      await delay(Math.max(0, nextAt - performance.now()));
    }
  })().catch((error: unknown) => {
    failure = error;
  });

  return {
    samples,
    dueTimes,
    stop: async () => {
      stopped = true;
      await loop;
      if (failure) throw failure;
      await takeSample();
    },
  };
}

async function countDeliveries(
  pool: Pool,
  siteId: string,
): Promise<Pick<WaitingSample, 'created' | 'waiting' | 'succeeded'>> {
  // A delivery waits from its first failed attempt (attempt_count counts recorded attempts) until
  // it succeeds, fails for good or is cancelled. The worker marks the wait 'retrying'.
  const { rows } = await pool.query<{ created: number; waiting: number; succeeded: number }>(
    `SELECT count(*)::int AS created,
            count(*) FILTER (WHERE attempt_count >= 1
                               AND status IN ('pending', 'retrying'))::int AS waiting,
            count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded
     FROM deliveries WHERE site_id = $1 AND redelivery_of IS NULL`,
    [siteId],
  );
  return rows[0]!;
}

/**
 * Stores in `dueTimes` the next_attempt_at of deliveries that have made `failedAttempts` attempts
 * and were updated since `updatedSince` (PostgreSQL clock, or null for all), and returns the bound
 * for the next read.
 */
async function readDueTimes(
  pool: Pool,
  siteId: string,
  failedAttempts: number,
  updatedSince: Date | null,
  dueTimes: Map<string, number>,
): Promise<Date> {
  // Read before the rows, so it precedes their snapshot: the next read then misses a row only if
  // the worker's transaction took longer than COMMIT_MARGIN_MS.
  const { rows: clock } = await pool.query<{ now: Date }>('SELECT now() AS now');
  const { rows } = await pool.query<{
    endpoint_id: string;
    event_id: string;
    next_attempt_at: Date;
  }>(
    `SELECT endpoint_id, event_id, next_attempt_at FROM deliveries
     WHERE site_id = $1 AND redelivery_of IS NULL AND attempt_count = $2
       AND next_attempt_at IS NOT NULL AND ($3::timestamptz IS NULL OR updated_at >= $3)`,
    [siteId, failedAttempts, updatedSince],
  );
  // Only rows after the last failed attempt are read, so an earlier attempt's due time never
  // enters. The latest read wins in case the worker recorded that attempt again.
  for (const row of rows) {
    dueTimes.set(arrivalKey(row.endpoint_id, row.event_id), row.next_attempt_at.getTime());
  }
  return new Date(clock[0]!.now.getTime() - COMMIT_MARGIN_MS);
}
