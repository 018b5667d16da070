import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { generateEncryptionKeyEntry, parseEncryptionKeys } from '../src/secrets/encryption-keys';
import { SecretBox } from '../src/secrets/secret-box';
import { findFreePort, waitForHttpOk } from '../src/stack/ports';
import { startTemporalDevServer, stopChild } from '../src/stack/temporal-dev-server';
import { startEmbeddedPostgres } from '../src/tools/postgres';
import { resolveTemporalCli } from '../src/tools/temporal-cli';
import { findChildPids } from './proc-cpu';
import { withoutNewSignalHandlers } from '../src/stack/signal-handlers';

const ROOT = path.resolve(__dirname, '..');

/** The services under test, each in its own process so that /proc can tell their CPU apart. */
export interface BenchStack {
  apiUrl: string;
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  publisherToken: string;
  /** The services' keyring, for fixtures that store endpoint secrets as the API does. */
  secretBox: SecretBox;
  /** Root pid of each process tree to measure; servers given by the environment are absent. */
  pids: Record<string, number>;
  /** Folder of the data and the API and worker logs. */
  workDir: string;
  stop(): Promise<void>;
}

type Stop = () => Promise<void>;

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/**
 * Starts PostgreSQL and a Temporal dev server on free ports in a temporary folder, unless
 * DATABASE_URL and TEMPORAL_ADDRESS name existing ones, then the API and a worker as child
 * processes with loopback endpoints allowed. On failure it stops whatever it had started.
 */
export async function startBenchStack(): Promise<BenchStack> {
  const stops: Stop[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error) => log(`stop failed: ${error}`));
  };
  try {
    return await startInto(stops, stopAll);
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function startInto(stops: Stop[], stopAll: Stop): Promise<BenchStack> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'postion-bench-'));
  // PostgreSQL runs as the postgres user when we are root, and must traverse this folder.
  chmodSync(workDir, 0o755);
  const pids: Record<string, number> = {};

  const databaseUrl = await startDatabase(workDir, stops, pids);
  const temporalAddress = await startTemporal(workDir, stops, pids);

  const apiPort = await findFreePort();
  // A task queue of its own keeps another worker on a shared server from taking these tasks.
  const taskQueue = `bench-${Date.now()}`;
  const publisherToken = `pub_bench_${randomBytes(18).toString('base64url')}`;
  const secretEncryptionKeys =
    process.env.SECRET_ENCRYPTION_KEYS || generateEncryptionKeyEntry('bench');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    PUBLISHER_TOKEN: publisherToken,
    SECRET_ENCRYPTION_KEYS: secretEncryptionKeys,
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    ALLOW_HTTP_ENDPOINTS: 'true',
    ENDPOINT_ADDRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
    API_WORKER: process.env.API_WORKER ?? 'true',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  };

  const worker = startService('worker', 'src/worker.ts', env, workDir, stops);
  pids.worker = worker.pid!;
  const api = startService('api', 'src/api/main.ts', env, workDir, stops);
  pids.api = api.pid!;

  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitForHttpOk(`${apiUrl}/healthz`, 60_000);
  await waitForLogLine(path.join(workDir, 'worker.log'), 'worker started', 120_000);
  log(`stack ready: API ${apiUrl}, Temporal ${temporalAddress}, logs in ${workDir}`);

  return {
    apiUrl,
    databaseUrl,
    temporalAddress,
    taskQueue,
    publisherToken,
    secretBox: new SecretBox(parseEncryptionKeys(secretEncryptionKeys)),
    pids,
    workDir,
    stop: async () => {
      await stopAll();
      if (!process.env.BENCH_KEEP_WORKDIR) rmSync(workDir, { recursive: true, force: true });
    },
  };
}

async function startDatabase(
  workDir: string,
  stops: Stop[],
  pids: Record<string, number>,
): Promise<string> {
  if (process.env.DATABASE_URL) {
    log('using the PostgreSQL server in DATABASE_URL; its CPU is not measured');
    return process.env.DATABASE_URL;
  }
  const port = await findFreePort();
  const dataDir = path.join(workDir, 'postgres');
  log(`starting embedded PostgreSQL on 127.0.0.1:${port}`);
  const server = await withoutNewSignalHandlers(() =>
    startEmbeddedPostgres({ dataDir, port, log: () => undefined }),
  );
  stops.push(server.stop);
  // The first line of postmaster.pid is the pid of the server's parent process.
  pids.postgres = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return server.url;
}

async function startTemporal(
  workDir: string,
  stops: Stop[],
  pids: Record<string, number>,
): Promise<string> {
  if (process.env.TEMPORAL_ADDRESS) {
    log('using the Temporal server in TEMPORAL_ADDRESS; its CPU is not measured');
    return process.env.TEMPORAL_ADDRESS;
  }
  const cliPath = await resolveTemporalCli();
  if (!cliPath) {
    throw new Error(
      'no Temporal CLI found; run `npx tsx scripts/tools.ts` to build it, or set TEMPORAL_ADDRESS',
    );
  }
  const port = await findFreePort();
  const uiPort = await findFreePort();
  log(`starting the Temporal dev server on 127.0.0.1:${port}`);
  const server = await startTemporalDevServer({
    cliPath,
    port,
    uiPort,
    dbFile: path.join(workDir, 'temporal.sqlite'),
    // Lets a run compare dev server settings, e.g. "--sqlite-pragma journal_mode=wal".
    extraArgs: process.env.BENCH_TEMPORAL_ARGS?.split(' ').filter(Boolean),
    log: () => undefined,
  });
  stops.push(server.stop);
  // NOTE: startTemporalDevServer does not return its child, so the pid is found by its port.
  const [pid] = findChildPids(`${port}`);
  if (pid !== undefined) pids.temporal = pid;
  else log('could not find the Temporal server process; its CPU is not measured');
  return server.address;
}

function startService(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
  workDir: string,
  stops: Stop[],
): ChildProcess {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  // Logs go to a file at the normal level, so the services pay their usual logging cost.
  const logFd = openSync(path.join(workDir, `${name}.log`), 'a');
  const child = spawn(tsx, [path.join(ROOT, script)], { env, stdio: ['ignore', logFd, logFd] });
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal === null) log(`${name} exited with code ${code}; see ${workDir}`);
  });
  stops.push(() => stopChild(child));
  return child;
}

async function waitForLogLine(file: string, needle: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = readFileSync(file, 'utf8');
    if (text.includes(needle)) return;
    await delay(250);
  }
  throw new Error(`${file} did not show "${needle}" within ${timeoutMs / 1000} s`);
}
