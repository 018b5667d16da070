import { TEST_ENCRYPTION_KEYS } from './secret-keys';
import path from 'node:path';
import type { ChildGroup, ChildGroups } from './child-processes';

const ROOT = path.resolve(__dirname, '../..');

// A worker bundles the workflow code at start, which takes seconds, so the limit is generous.
const START_TIMEOUT_MS = 60_000;

/** Publisher token of the API processes that the tests start. */
export const TEST_PUBLISHER_TOKEN = 'fault-test-publisher-token-0123456789';

/** What a worker or API process connects to. */
export interface ServiceSettings {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  /** Port of a worker's health and metrics server; a free one when absent. */
  workerHttpPort?: number;
}

/** Settings of an API process on top of the shared ones. */
export interface ApiSettings extends ServiceSettings {
  port: number;
  /** Run a delivery worker inside the API process, as the dev stack does. */
  apiWorker: boolean;
}

// Variables passed through from the test process. The services' own settings are never inherited,
// so a developer's DATABASE_URL or SMTP_URL cannot leak into a test.
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];

/**
 * Builds the environment of every process the fault tests spawn: inherited basics, plus the
 * service settings when given. Every setting the services read is set here, in one place.
 */
export function childEnvironment(settings?: ServiceSettings | ApiSettings): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  if (!settings) return env;

  Object.assign(env, {
    DATABASE_URL: settings.databaseUrl,
    TEMPORAL_ADDRESS: settings.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: settings.taskQueue,
    PUBLISHER_TOKEN: TEST_PUBLISHER_TOKEN,
    // The receivers of the tests listen on plain http on 127.0.0.1.
    ALLOW_HTTP_ENDPOINTS: 'true',
    ENDPOINT_ADDRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
    SECRET_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    DELIVERY_SEARCH_ATTRIBUTES: 'true',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    // Several workers may run at once, so none takes the fixed default port.
    WORKER_HTTP_PORT: String(settings.workerHttpPort ?? 0),
  });
  if ('port' in settings) {
    env.PORT = String(settings.port);
    env.API_WORKER = String(settings.apiWorker);
  }
  return env;
}

/**
 * Runs `script` (relative to the repository root) in Node with the tsx loader, in a new process
 * group. The `tsx` command would put a relaying parent in front of the script, and tsx 4 SIGKILLs
 * a child that does not confirm a relayed signal within 30 ms, so a busy service could not stop
 * gracefully.
 */
export function startTsx(
  groups: ChildGroups,
  name: string,
  script: string,
  args: string[],
  env: Record<string, string>,
): ChildGroup {
  const nodeArgs = ['--import', 'tsx', path.join(ROOT, script), ...args];
  return groups.start(name, process.execPath, nodeArgs, env);
}

/** Starts `src/worker.ts` and waits until its worker has been created. */
export async function startWorkerProcess(
  groups: ChildGroups,
  settings: ServiceSettings,
  name = 'worker',
): Promise<ChildGroup> {
  const worker = startTsx(groups, name, 'src/worker.ts', [], childEnvironment(settings));
  await worker.waitForLine(/"msg":"worker started"/, START_TIMEOUT_MS);
  return worker;
}

/** Starts `src/api/main.ts` and waits until it listens. */
export async function startApiProcess(
  groups: ChildGroups,
  settings: ApiSettings,
  name = 'api',
): Promise<ChildGroup> {
  const api = startTsx(groups, name, 'src/api/main.ts', [], childEnvironment(settings));
  await api.waitForLine(/"msg":"api listening"/, START_TIMEOUT_MS);
  return api;
}
