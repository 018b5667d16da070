import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { stripVTControlCharacters } from 'node:util';

/** One test that jest ran, with the duration jest measured for it. */
export interface ScheduleTest {
  name: string;
  status: string;
  /** Null when jest reported no duration. */
  seconds: number | null;
}

/** One run of the jest command. */
export interface ScheduleRun {
  /** Wall time of the whole command, jest's global set-up and teardown included. */
  wallSeconds: number;
  exitCode: number | null;
  /** The test file's time in jest, from its start to its end, or null without a JSON result. */
  fileSeconds: number | null;
  /** Tests that ran, without those that `-t` filtered out. */
  tests: ScheduleTest[];
}

/** Result of the time-skipped schedule part. */
export interface ScheduleResult {
  command: string;
  runs: ScheduleRun[];
  failed: boolean;
  /** Reason the part failed, or null when it passed. */
  failure: string | null;
  /** Last lines of jest's output when the part failed. */
  outputTail: string | null;
}

const ROOT = path.resolve(__dirname, '..');
const TEST_FILE = 'test/workflows/retry-schedule.test.ts';
const TEST_NAME_PATTERN = 'retried after';
// The test itself has a 120 s limit, and this one also covers a first build of the test server
// by Maven.
const RUN_TIMEOUT_MS = 10 * 60_000;
const OUTPUT_TAIL_LINES = 40;

/** Jest's `--json` output, only the fields read here. */
interface JestJson {
  testResults?: {
    startTime?: number;
    endTime?: number;
    assertionResults?: { fullName: string; status: string; duration?: number | null }[];
  }[];
}

/**
 * Runs the workflow test that crosses the whole retry schedule on Temporal's time-skipping test
 * server `runs` times in a row, and returns each command's wall time and the test's duration.
 * Stops after the first run that fails.
 */
export async function measureScheduleTest(runs: number): Promise<ScheduleResult> {
  const shownArgs = jestArgs('<tmp>/result.json');
  const result: ScheduleResult = {
    command: `npx ${shownArgs.map((arg) => (arg.includes(' ') ? JSON.stringify(arg) : arg)).join(' ')}`,
    runs: [],
    failed: false,
    failure: null,
    outputTail: null,
  };

  for (let index = 0; index < runs; index++) {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'postion-bench-jest-'));
    try {
      const outputFile = path.join(folder, 'result.json');
      const { run, output } = await runJest(jestArgs(outputFile));
      const json = readJestJson(outputFile);
      run.fileSeconds = fileSecondsOf(json);
      run.tests = testsOf(json);
      result.runs.push(run);

      const failure = failureOf(run, json);
      if (failure) {
        result.failed = true;
        result.failure = `run ${index + 1}: ${failure}`;
        // Colour codes from the Temporal SDK's log lines would garble the printed report.
        const lines = stripVTControlCharacters(output).trimEnd().split('\n');
        result.outputTail = lines.slice(-OUTPUT_TAIL_LINES).join('\n');
        break;
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }
  return result;
}

function jestArgs(outputFile: string): string[] {
  return ['jest', TEST_FILE, '-t', TEST_NAME_PATTERN, '--json', `--outputFile=${outputFile}`];
}

async function runJest(args: string[]): Promise<{ run: ScheduleRun; output: string }> {
  const started = performance.now();
  const child = spawn('npx', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const killer = setTimeout(() => {
    output += `\n[bench] jest did not finish within ${RUN_TIMEOUT_MS / 1_000} s; stopped it\n`;
    child.kill('SIGTERM');
  }, RUN_TIMEOUT_MS);

  const exitCode = await new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      output += `\n[bench] could not start npx: ${error.message}\n`;
      resolve(null);
    });
    child.once('exit', (code, signal) => {
      if (signal) output += `\n[bench] jest ended by signal ${signal}\n`;
      resolve(code);
    });
  });
  clearTimeout(killer);
  const run: ScheduleRun = {
    wallSeconds: (performance.now() - started) / 1_000,
    exitCode,
    fileSeconds: null,
    tests: [],
  };
  return { run, output };
}

function readJestJson(file: string): JestJson | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as JestJson;
  } catch {
    return null;
  }
}

function fileSecondsOf(json: JestJson | null): number | null {
  const file = json?.testResults?.[0];
  if (file?.startTime === undefined || file.endTime === undefined) return null;
  return (file.endTime - file.startTime) / 1_000;
}

function testsOf(json: JestJson | null): ScheduleTest[] {
  const ran = new Set(['passed', 'failed']);
  return (json?.testResults ?? [])
    .flatMap((file) => file.assertionResults ?? [])
    .filter((test) => ran.has(test.status))
    .map((test) => ({
      name: test.fullName,
      status: test.status,
      seconds: typeof test.duration === 'number' ? test.duration / 1_000 : null,
    }));
}

function failureOf(run: ScheduleRun, json: JestJson | null): string | null {
  if (run.exitCode === null) return 'jest did not exit by itself; see the output';
  if (run.exitCode !== 0) return `jest exited with code ${run.exitCode}`;
  if (json === null) return 'jest wrote no readable JSON result';
  if (run.tests.length === 0) return `no test matched -t "${TEST_NAME_PATTERN}"`;
  const failed = run.tests.filter((test) => test.status !== 'passed');
  if (failed.length > 0) return `failed: ${failed.map((test) => test.name).join('; ')}`;
  return null;
}
