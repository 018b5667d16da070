/**
 * Resolution of Temporal's Java time-skipping test server, which `@temporalio/testing` starts for
 * `TestWorkflowEnvironment.createTimeSkipping()`.
 */
import { existsSync, promises as fs } from 'node:fs';
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

/** Version of the Maven artifact `io.temporal:temporal-test-server` that the project uses. */
export const TEST_SERVER_VERSION = '1.38.0';

const WRAPPER_NAME = 'temporal-test-server';
const MAIN_CLASS = 'io.temporal.testserver.TestServer';

/**
 * Finds or builds the time-skipping test server and returns the path of an executable that starts
 * it as `<path> <port> [--enable-time-skipping]`. Tries in order: `$TEMPORAL_TEST_SERVER_PATH`,
 * the wrapper script cached under `toolCacheDir()`, and a Maven build into that cache. Returns
 * undefined when none applies, so that the caller can let the Temporal SDK download the server.
 * Throws when `$TEMPORAL_TEST_SERVER_PATH` is not an executable file or the Maven build fails.
 *
 * NOTE: the server (1.38.0) takes no bind address and listens on all interfaces.
 */
export async function resolveTestServer(): Promise<string | undefined> {
  const configured = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (configured) {
    const serverPath = await requireExecutableSetting(
      'TEMPORAL_TEST_SERVER_PATH',
      configured,
      'an executable that runs the Temporal test server as `<path> <port> --enable-time-skipping`',
    );
    logToolStep(`test server: using TEMPORAL_TEST_SERVER_PATH=${serverPath}`);
    return serverPath;
  }

  const versionDir = cachedTestServerDir();
  const wrapperPath = path.join(versionDir, WRAPPER_NAME);
  if (await isExecutableFile(wrapperPath)) {
    logToolStep(`test server ${TEST_SERVER_VERSION}: using cached build ${wrapperPath}`);
    return wrapperPath;
  }

  const mvn = await findOnPath('mvn');
  const java = await findOnPath('java');
  if (!mvn || !java) {
    const missing = [mvn ? undefined : 'mvn', java ? undefined : 'java'].filter(Boolean);
    logToolStep(
      `test server ${TEST_SERVER_VERSION}: no TEMPORAL_TEST_SERVER_PATH, no cached build at ` +
        `${wrapperPath} and no ${missing.join(' or ')} on PATH, so the Temporal SDK will ` +
        'download the server',
    );
    return undefined;
  }
  await buildTestServer(mvn, versionDir);
  return wrapperPath;
}

/** Returns the cache directory of this test server version, whether or not it exists yet. */
export function cachedTestServerDir(): string {
  return path.join(toolCacheDir(), 'temporal-test-server', TEST_SERVER_VERSION);
}

async function buildTestServer(mvn: string, versionDir: string): Promise<void> {
  const pomPath = findToolsPom();
  logToolStep(
    `test server ${TEST_SERVER_VERSION}: not cached, copying io.temporal:temporal-test-server ` +
      `and its runtime dependencies with Maven from ${pomPath}`,
  );

  const buildDir = await makeBuildDir(path.dirname(versionDir));
  try {
    await runBuild({
      label: 'mvn copy-dependencies',
      command: mvn,
      // Without -q, so that the progress lines can show which artifact Maven is downloading.
      args: [
        '-B',
        '-Dstyle.color=never',
        '-f',
        pomPath,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${path.join(buildDir, 'lib')}`,
        '-DincludeScope=runtime',
        `-Dtemporal-test-server.version=${TEST_SERVER_VERSION}`,
      ],
      cwd: buildDir,
      env: process.env,
    });
    await writeWrapper(path.join(buildDir, WRAPPER_NAME), path.join(versionDir, 'lib'));
    // mkdtemp() creates the directory with mode 0700. It becomes the version directory.
    await fs.chmod(buildDir, 0o755);
    await moveIntoPlace(buildDir, versionDir);
  } finally {
    await fs.rm(buildDir, { recursive: true, force: true });
  }
  logToolStep(`test server ${TEST_SERVER_VERSION}: installed ${versionDir}`);
}

function findToolsPom(): string {
  // Walks up because this file runs from src/tools under tsx but from dist/src/tools when compiled.
  const relative = path.join('tools', 'temporal-test-server', 'pom.xml');
  let directory = __dirname;
  while (true) {
    const candidate = path.join(directory, relative);
    if (existsSync(candidate)) {
      return candidate;
    }
    const parent = path.dirname(directory);
    if (parent === directory) {
      throw new Error(`${relative} not found in any parent directory of ${__dirname}.`);
    }
    directory = parent;
  }
}

async function writeWrapper(wrapperPath: string, libDir: string): Promise<void> {
  // Java expands the trailing `*` of a classpath entry itself, so the shell must not glob it.
  const classpath = shellQuote(`${libDir}/*`);
  const script = [
    '#!/bin/sh',
    `# Temporal time-skipping test server ${TEST_SERVER_VERSION}, written by src/tools/test-server.ts.`,
    '# Usage: temporal-test-server <port> [--enable-time-skipping]',
    `exec java -cp ${classpath} ${MAIN_CLASS} "$@"`,
    '',
  ].join('\n');
  await fs.writeFile(wrapperPath, script, { mode: 0o755 });
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

async function moveIntoPlace(buildDir: string, versionDir: string): Promise<void> {
  // An existing version directory without a working wrapper is a damaged cache entry.
  if (existsSync(versionDir) && !(await isExecutableFile(path.join(versionDir, WRAPPER_NAME)))) {
    logToolStep(
      `test server ${TEST_SERVER_VERSION}: replacing incomplete cache entry ${versionDir}`,
    );
    await fs.rm(versionDir, { recursive: true, force: true });
  }
  try {
    // rename() is atomic, so readers see either no version directory or a complete one.
    await fs.rename(buildDir, versionDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A concurrent build finished first. Its copy is equivalent, so this one is discarded.
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && existsSync(versionDir)) {
      return;
    }
    throw error;
  }
}
