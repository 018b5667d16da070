import { Pool, type PoolClient } from 'pg';

export type { Pool, PoolClient };

/** Creates the PostgreSQL pool of a process. */
export function createPool(connectionString: string, max = 10): Pool {
  return new Pool({ connectionString, max, connectionTimeoutMillis: 5_000 });
}

/** Runs `work` in a transaction, rolling back if it throws. */
export async function withTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
