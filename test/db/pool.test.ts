import { setTimeout as delay } from 'node:timers/promises';
import { withTransaction } from '../../src/db/pool';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

test('transaction on a terminated connection rejects', async () => {
  const transaction = withTransaction(db.pool, async (client) => {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    // The server ends the session as a fast shutdown does, while no query of it runs.
    await db.pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    await delay(200);
    await client.query('SELECT 1');
  });

  await expect(transaction).rejects.toThrow();
  const { rows } = await db.pool.query<{ one: number }>('SELECT 1 AS one');
  expect(rows[0]!.one).toBe(1);
});
