import { Pool, type PoolClient } from 'pg';
import type { Logger } from '../logger';

export type { Pool, PoolClient };

/**
 * Creates the PostgreSQL pool of a process. An idle connection that the server drops (a restart,
 * a failover) raises an error event, which would crash the process if nothing handled it. The
 * pool logs it and opens a new connection when one is next needed.
 */
export function createPool(
  connectionString: string,
  options: { max?: number; logger?: Logger } = {},
): Pool {
  const pool = new Pool({
    connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: 5_000,
  });
  pool.on('error', (error) => {
    options.logger?.warn({ err: error }, 'idle database connection lost');
  });
  return pool;
}

/** Runs `work` in a transaction, rolling back if it throws. */
export async function withTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  // The pool listens for errors only on idle clients. Without this listener, a connection that the
  // server ends between two queries (a restart, a failover) would crash the process with an
  // unhandled error event. The next query rejects instead, and the client is discarded.
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(lost);
  }
}
