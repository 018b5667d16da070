import { Gauge, type Registry } from 'prom-client';
import type { Pool } from 'pg';
import { FailureLog } from '../failure-log';
import type { Logger } from '../logger';
import { withTimeout } from '../timeout';

// A scrape must not hang on a slow database; Prometheus times out after 10 s by default.
const QUERY_TIMEOUT_MS = 2_000;

/**
 * Registers gauges that are counted in PostgreSQL at each scrape: deliveries waiting for a retry,
 * and endpoints by status (deleted ones left out). When the database does not respond, the gauges
 * are left out of that scrape, so a stale value cannot look current.
 */
export function registerDatabaseGauges(registry: Registry, pool: Pool, logger: Logger): void {
  const failures = new FailureLog(logger);

  new Gauge({
    name: 'postion_deliveries_retrying',
    help: 'Deliveries whose last attempt failed and that wait for their next one.',
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await failures.run('metrics query of retrying deliveries', () =>
        queryRows<{ count: string }>(
          pool,
          "SELECT count(*) FROM deliveries WHERE status = 'retrying'",
        ),
      );
      // A gauge without labels reads 0 after a reset, so a failed count removes its sample.
      if (rows) this.set(Number(rows[0]!.count));
      else this.remove();
    },
  });

  new Gauge({
    name: 'postion_endpoints',
    help: 'Endpoints by status, deleted ones left out.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await failures.run('metrics query of endpoints', () =>
        queryRows<{ status: string; count: string }>(
          pool,
          'SELECT status, count(*) FROM endpoints WHERE deleted_at IS NULL GROUP BY status',
        ),
      );
      for (const row of rows ?? []) this.set({ status: row.status }, Number(row.count));
    },
  });
}

async function queryRows<T extends object>(pool: Pool, text: string): Promise<T[]> {
  const result = await withTimeout(pool.query<T>(text), QUERY_TIMEOUT_MS, 'metrics query');
  return result.rows;
}
