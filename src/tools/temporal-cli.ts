/**
 * Resolution of the Temporal CLI, which runs the local dev server (`temporal server start-dev`).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  findOnPath,
  isExecutableFile,
  logToolStep,
  makeBuildDir,
  requireExecutableSetting,
  runBuild,
  toolCacheDir,
} from './cache-dir';

/** Temporal CLI release that the project builds and tests against. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

const TEMPORAL_CLI_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';
const TEMPORAL_CLI_LDFLAGS = `-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION.slice(1)}`;

/**
 * Finds or builds a Temporal CLI executable and returns its path. Tries in order:
 * `$TEMPORAL_CLI_PATH`, the build cached under `toolCacheDir()`, and a `go install` into that
 * cache. Returns undefined when none applies, so that the caller can let the Temporal SDK download
 * the CLI. Throws when `$TEMPORAL_CLI_PATH` is not an executable file or the Go build fails.
 */
export async function resolveTemporalCli(): Promise<string | undefined> {
  const configured = process.env.TEMPORAL_CLI_PATH;
  if (configured) {
    const cliPath = await requireExecutableSetting(
      'TEMPORAL_CLI_PATH',
      configured,
      `a Temporal CLI ${TEMPORAL_CLI_VERSION} executable`,
    );
    logToolStep(`temporal CLI: using TEMPORAL_CLI_PATH=${cliPath}`);
    return cliPath;
  }

  const cachedPath = cachedTemporalCliPath();
  if (await isExecutableFile(cachedPath)) {
    logToolStep(`temporal CLI ${TEMPORAL_CLI_VERSION}: using cached build ${cachedPath}`);
    return cachedPath;
  }

  const go = await findOnPath('go');
  if (!go) {
    logToolStep(
      `temporal CLI ${TEMPORAL_CLI_VERSION}: no TEMPORAL_CLI_PATH, no cached build at ` +
        `${cachedPath} and no go on PATH, so the Temporal SDK will download the CLI`,
    );
    return undefined;
  }
  return buildTemporalCli(go, cachedPath);
}

/** Returns where the cached Temporal CLI build lives, whether or not it exists yet. */
export function cachedTemporalCliPath(): string {
  return path.join(toolCacheDir(), 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal');
}

async function buildTemporalCli(go: string, targetPath: string): Promise<string> {
  const packageVersion = `${TEMPORAL_CLI_PACKAGE}@${TEMPORAL_CLI_VERSION}`;
  logToolStep(
    `temporal CLI ${TEMPORAL_CLI_VERSION}: not cached, building it with go install ` +
      `${packageVersion} (can take several minutes when the Go module cache is cold)`,
  );

  const buildDir = await makeBuildDir(path.join(toolCacheDir(), 'temporal-cli'));
  try {
    await runBuild({
      label: 'go install temporal',
      command: go,
      // The linker flags of the CLI's own release build (.goreleaser.yml at v1.5.1): strip debug
      // data and stamp the version that `temporal --version` prints.
      args: ['install', '-v', `-ldflags=${TEMPORAL_CLI_LDFLAGS}`, packageVersion],
      cwd: buildDir,
      // Go's work files and the C compiler's temporary files also go into the scratch directory,
      // so that the clean-up of an abandoned build removes those of a killed `go install` too.
      env: { ...process.env, GOBIN: buildDir, GOTMPDIR: buildDir, TMPDIR: buildDir },
    });
    // rename() is atomic, so a build killed at any point leaves either no binary or a whole one.
    await fs.mkdir(path.dirname(targetPath), { recursive: true });
    await fs.rename(path.join(buildDir, 'temporal'), targetPath);
  } finally {
    await fs.rm(buildDir, { recursive: true, force: true });
  }

  logToolStep(`temporal CLI ${TEMPORAL_CLI_VERSION}: installed ${targetPath}`);
  return targetPath;
}

/** Search attribute types that `temporal server start-dev --search-attribute` accepts. */
export type SearchAttributeType =
  'Keyword' | 'Text' | 'Int' | 'Datetime' | 'Bool' | 'Double' | 'KeywordList';

/** Settings of a local Temporal dev server, as passed to `temporalDevServerArgs`. */
export interface DevServerOptions {
  /** Address that the frontend gRPC service and the Web UI bind to. */
  ip: string;
  /** Port of the frontend gRPC service. */
  port: number;
  /** Port of the Web UI. */
  uiPort: number;
  /** SQLite file that keeps workflow state between runs. When unset, state is in memory only. */
  dbFile?: string;
  /** Custom search attributes to register at start, as name to type. */
  searchAttributes: Record<string, SearchAttributeType>;
  /** Namespace to create at start, in addition to `default`, which always exists. */
  namespace?: string;
}

/**
 * Builds the argument list for the Temporal CLI that starts a dev server, beginning with the
 * `server start-dev` subcommand, so that it can be passed as is to `spawn(cliPath, args)`. Throws
 * when a port is out of range or a search attribute name is not an identifier.
 */
export function temporalDevServerArgs(options: DevServerOptions): string[] {
  const args = [
    'server',
    'start-dev',
    '--ip',
    options.ip,
    '--port',
    validatePort('port', options.port),
    '--ui-port',
    validatePort('uiPort', options.uiPort),
    '--log-level',
    'warn',
  ];
  if (options.dbFile) {
    args.push('--db-filename', options.dbFile);
  }
  if (options.namespace) {
    args.push('--namespace', options.namespace);
  }
  for (const [name, type] of Object.entries(options.searchAttributes)) {
    args.push('--search-attribute', `${validateSearchAttributeName(name)}=${type}`);
  }
  return args;
}

function validatePort(field: string, port: number): string {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`Invalid dev server ${field} ${port}: expected an integer from 1 to 65535.`);
  }
  return String(port);
}

function validateSearchAttributeName(name: string): string {
  // `temporal server start-dev --help` (v1.5.1) requires search attribute keys to be identifiers.
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new Error(
      `Invalid search attribute name "${name}": expected letters, digits and underscores, ` +
        'not starting with a digit.',
    );
  }
  return name;
}
