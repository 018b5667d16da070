/**
 * Location of the per-user tool cache, plus the steps that the tool resolvers share: step logging,
 * PATH lookup, validation of an explicit path setting, scratch build directories and builds that
 * report progress.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';

const PROGRESS_INTERVAL_MS = 10_000;
const FAILURE_TAIL_LINES = 20;

/**
 * Returns the directory that contains tool builds, keyed by tool and version below it:
 * `$POSTION_TOOLS_CACHE`, else `$XDG_CACHE_HOME/postion-webhooks`, else
 * `~/.cache/postion-webhooks`. It lives outside the clone so that fresh clones and CI runs on the
 * same machine reuse one build.
 */
export function toolCacheDir(): string {
  const explicit = process.env.POSTION_TOOLS_CACHE;
  if (explicit) {
    return path.resolve(explicit);
  }

  // The XDG Base Directory spec says to ignore a relative XDG_CACHE_HOME.
  const xdgCacheHome = process.env.XDG_CACHE_HOME;
  if (xdgCacheHome && path.isAbsolute(xdgCacheHome)) {
    return path.join(xdgCacheHome, 'postion-webhooks');
  }
  return path.join(os.homedir(), '.cache', 'postion-webhooks');
}

/** Prints one `[tools]` status line to stderr, so that stdout stays free for results. */
export function logToolStep(message: string): void {
  process.stderr.write(`[tools] ${message}\n`);
}

/** Returns whether `file` is a regular file that the current user may execute. */
export async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const stats = await fs.stat(file);
    if (!stats.isFile()) {
      return false;
    }
    await fs.access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Returns the absolute path of `command` in the first PATH directory that has it, or undefined. */
export async function findOnPath(command: string): Promise<string | undefined> {
  const directories = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const directory of directories) {
    const candidate = path.resolve(directory, command);
    if (await isExecutableFile(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

/**
 * Validates a path taken from the environment variable `variable` and returns it as an absolute
 * path. Throws an Error that names the variable, the path and the fix when the path is not an
 * executable file. `expected` describes what the variable should point at.
 */
export async function requireExecutableSetting(
  variable: string,
  value: string,
  expected: string,
): Promise<string> {
  const absolute = path.resolve(value);
  if (!(await isExecutableFile(absolute))) {
    throw new Error(
      `${variable} is set to "${absolute}", but that is not an executable file. ` +
        `Point ${variable} at ${expected}, or unset it to use the cached or locally built copy.`,
    );
  }
  return absolute;
}

/**
 * Returns whether a process with this id is running, including one owned by another user. A zombie
 * (exited, not yet reaped) counts as not running.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') {
      return false;
    }
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    // The state letter follows the command name, which is in parentheses and may contain spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    // Without /proc (macOS) a zombie cannot be detected, so the process counts as running.
    return false;
  }
}

/**
 * Creates an empty scratch directory inside `parent` for one build and returns its path. The
 * directory is on the same file system as the final location, so the finished build can be
 * renamed into place atomically. Scratch directories left by killed builds are removed first.
 */
export async function makeBuildDir(parent: string): Promise<string> {
  await fs.mkdir(parent, { recursive: true });
  await removeAbandonedBuildDirs(parent);
  // The pid in the name lets a later build tell whether the directory's owner is still running.
  return fs.mkdtemp(path.join(parent, `.build-${process.pid}-`));
}

async function removeAbandonedBuildDirs(parent: string): Promise<void> {
  const names = await fs.readdir(parent);
  for (const name of names) {
    const match = /^\.build-(\d+)-/.exec(name);
    if (match && !isProcessAlive(Number(match[1]))) {
      logToolStep(`removing scratch directory ${path.join(parent, name)} left by a killed build`);
      await fs.rm(path.join(parent, name), { recursive: true, force: true });
    }
  }
}

/** A command that builds a tool, as passed to `runBuild`. */
export interface BuildCommand {
  /** Short name for the build, used as the prefix of its progress lines. */
  label: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Runs a build command to completion. Every 10 seconds it prints the elapsed time and the last
 * line of the build's output. Rejects with the last 20 output lines when the command cannot start
 * or exits with a non-zero status.
 */
export async function runBuild(build: BuildCommand): Promise<void> {
  const startedAt = Date.now();
  const elapsedSeconds = (): number => Math.round((Date.now() - startedAt) / 1000);
  const output: string[] = [];

  const child = spawn(build.command, build.args, {
    cwd: build.cwd,
    env: build.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  collectLines(child.stdout, output);
  collectLines(child.stderr, output);

  const timer = setInterval(() => {
    const lastLine = output.at(-1) ?? '(no output yet)';
    logToolStep(`${build.label}: ${elapsedSeconds()} s elapsed, last output: ${lastLine}`);
  }, PROGRESS_INTERVAL_MS);

  try {
    await waitForSuccess(child, build, output);
  } finally {
    clearInterval(timer);
  }
  logToolStep(`${build.label}: finished in ${elapsedSeconds()} s`);
}

function collectLines(stream: Readable, lines: string[]): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split(/\r?\n/);
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (line.trim() !== '') {
        lines.push(line);
      }
    }
    // Only the tail is ever shown, so older lines are dropped to bound memory.
    if (lines.length > FAILURE_TAIL_LINES * 2) {
      lines.splice(0, lines.length - FAILURE_TAIL_LINES);
    }
  });
}

function waitForSuccess(child: ChildProcess, build: BuildCommand, output: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      reject(new Error(`${build.label}: failed to start ${build.command}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      if (code === 0) {
        resolve();
        return;
      }
      const status = signal ? `signal ${signal}` : `exit code ${code}`;
      const tail = output.slice(-FAILURE_TAIL_LINES).join('\n');
      const commandLine = [build.command, ...build.args].join(' ');
      reject(new Error(`${build.label} failed with ${status}: ${commandLine}\n${tail}`));
    });
  });
}
