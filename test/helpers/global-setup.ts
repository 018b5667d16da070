import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTemporalDevServer } from '../../src/stack/temporal-dev-server';
import { findFreePort } from '../../src/stack/ports';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../src/temporal/search-attributes';
import { startEmbeddedPostgres } from '../../src/tools/postgres';
import { resolveTemporalCli } from '../../src/tools/temporal-cli';
import { resolveTestServer } from '../../src/tools/test-server';

type Stop = () => Promise<void>;

/**
 * Starts what every test file shares: PostgreSQL (embedded, unless DATABASE_URL is set), a
 * Temporal dev server (unless TEMPORAL_ADDRESS is set) and the path of the time-skipping test
 * server. Test files read them from the environment as TEST_DATABASE_URL and TEST_TEMPORAL_ADDRESS.
 * It also creates the run's log folder, TEST_LOG_DIR, and records in TEST_RUN_STARTED_AT when the
 * run began; the leak scan of `global-teardown` reads both.
 */
export default async function globalSetup(): Promise<void> {
  const stops: Stop[] = [];
  (globalThis as { __testStops?: Stop[] }).__testStops = stops;
  const log = (line: string) => process.stderr.write(`${line}\n`);

  // A second earlier covers a coarser clock on the Temporal server.
  process.env.TEST_RUN_STARTED_AT = new Date(Date.now() - 1000).toISOString();
  process.env.TEST_LOG_DIR = await mkdtemp(path.join(tmpdir(), 'postion-test-logs-'));

  process.env.TEST_DATABASE_URL = process.env.DATABASE_URL ?? (await startPostgres(stops, log));
  process.env.TEST_TEMPORAL_ADDRESS =
    process.env.TEMPORAL_ADDRESS ?? (await startTemporal(stops, log));

  const testServer = await resolveTestServer();
  if (testServer) process.env.TEMPORAL_TEST_SERVER_PATH = testServer;
}

async function startPostgres(stops: Stop[], log: (line: string) => void): Promise<string> {
  const parent = await mkdtemp(path.join(tmpdir(), 'postion-test-'));
  // PostgreSQL runs as its own user when the tests run as root, and must reach its data dir.
  await chmod(parent, 0o755);
  const server = await startEmbeddedPostgres({
    dataDir: path.join(parent, 'postgres'),
    port: await findFreePort(),
    // Tests provoke ERROR lines on purpose (a simulated outage); only a crash is worth showing.
    log: (line) => {
      if (/FATAL|PANIC/.test(line)) log(`[postgres] ${line}`);
    },
  });
  stops.push(async () => {
    await server.stop();
    await rm(parent, { recursive: true, force: true });
  });
  return server.url;
}

async function startTemporal(stops: Stop[], log: (line: string) => void): Promise<string> {
  const cliPath = await resolveTemporalCli();
  if (cliPath) {
    const server = await startTemporalDevServer({
      cliPath,
      port: await findFreePort(),
      uiPort: await findFreePort(),
      // Warnings are routine (including a burst at shutdown); errors are worth showing.
      log: (line) => {
        if (line.includes('level=ERROR') && !line.includes('context canceled')) {
          log(`[temporal] ${line}`);
        }
      },
    });
    stops.push(server.stop);
    return server.address;
  }

  // No Go toolchain and no cached build: let the SDK download the CLI.
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      searchAttributes: Object.keys(SEARCH_ATTRIBUTE_REGISTRATIONS).map((name) => ({
        name,
        type: 'KEYWORD' as const,
      })),
    },
  });
  stops.push(() => env.teardown());
  return env.address;
}
