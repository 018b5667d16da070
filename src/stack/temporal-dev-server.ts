import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../temporal/search-attributes';
import { temporalDevServerArgs } from '../tools/temporal-cli';
import { waitForPort } from './ports';

/** A running Temporal dev server. */
export interface TemporalDevServer {
  /** gRPC address for clients and workers, such as `127.0.0.1:7233`. */
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/** Options of `startTemporalDevServer`. */
export interface TemporalDevServerOptions {
  cliPath: string;
  port: number;
  uiPort: number;
  /** SQLite file that keeps workflows across restarts; in memory when unset. */
  dbFile?: string;
  /** More `temporal server start-dev` flags, such as `--sqlite-pragma journal_mode=wal`. */
  extraArgs?: string[];
  log: (line: string) => void;
}

/**
 * Starts `temporal server start-dev` on 127.0.0.1 with the delivery search attributes registered,
 * and resolves once its frontend accepts connections.
 */
export async function startTemporalDevServer(
  options: TemporalDevServerOptions,
): Promise<TemporalDevServer> {
  const args = temporalDevServerArgs({
    ip: '127.0.0.1',
    port: options.port,
    uiPort: options.uiPort,
    dbFile: options.dbFile,
    searchAttributes: { ...SEARCH_ATTRIBUTE_REGISTRATIONS },
  });
  const child = spawn(
    options.cliPath,
    [...args, ...EAGER_ARGS, ...sqliteArgs(options), ...(options.extraArgs ?? [])],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  forwardLines(child, options.log);

  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`temporal dev server exited with code ${code} during start`)),
    );
  });
  await Promise.race([waitForPort('127.0.0.1', options.port, 60_000), exited]);
  exited.catch(() => undefined);

  return {
    address: `127.0.0.1:${options.port}`,
    uiUrl: `http://127.0.0.1:${options.uiPort}`,
    stop: () => stopChild(child),
  };
}

// Eager activity dispatch hands an activity to the worker in the reply to the workflow task that
// scheduled it, which saves a matching round trip per attempt. It is off by default in the open
// source server. In the benchmark it cut latency from the 202 to the receiver by 30 to 60 %.
// Eager workflow start does the same for the first workflow task, when the process that starts
// the workflow also runs a worker (the API with API_WORKER). It is set here explicitly, so the
// server version's default does not matter.
const EAGER_ARGS = [
  '--dynamic-config-value',
  'system.enableActivityEagerExecution=true',
  '--dynamic-config-value',
  'system.enableEagerWorkflowStart=true',
];

// With a database file, WAL and synchronous=normal roughly doubled sustained deliveries in the
// benchmark (docs/benchmarks.md). Committed state survives a crash of the server process. Only an
// OS crash or power loss can drop the last transactions, which a dev server can afford.
function sqliteArgs(options: TemporalDevServerOptions): string[] {
  if (!options.dbFile) return [];
  return ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'];
}

function forwardLines(child: ChildProcess, log: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', log);
  }
}

/** Stops a child with SIGTERM, then SIGKILL if it has not exited after ten seconds. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
