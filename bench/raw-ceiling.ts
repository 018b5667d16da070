import { spawn } from 'node:child_process';
import path from 'node:path';
import { cpuSecondsOfTrees } from './proc-cpu';

/** Result of the raw-ceiling measurement. */
export interface RawCeilingResult {
  requestsPerSecond: number;
  requests: number;
  failures: number;
  seconds: number;
  concurrency: number;
  /** CPU seconds of the sending process, as last sampled from /proc (every 250 ms). */
  senderCpuSeconds: number;
}

const ROOT = path.resolve(__dirname, '..');

/**
 * Measures how many signed POSTs per second one Node process can send to `url` with undici, with
 * no Temporal and no database involved. The sender is a child process, like the worker, so the
 * receiver in this process does not share its event loop.
 */
export async function measureRawCeiling(
  url: string,
  concurrency: number,
  seconds: number,
): Promise<RawCeilingResult> {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const child = spawn(
    tsx,
    [path.join(__dirname, 'raw-sender.ts'), url, String(concurrency), String(seconds)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));

  // Sample the sender's CPU while it runs, because its /proc entry is gone once it exits.
  let senderCpuSeconds = 0;
  const sampler = setInterval(() => {
    senderCpuSeconds = cpuSecondsOfTrees({ sender: child.pid! }).sender ?? senderCpuSeconds;
  }, 250);
  // The sender stops itself after `seconds`, so this timer only ends a child that hangs.
  const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 60) * 1_000);

  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  clearTimeout(killer);
  if (code !== 0) {
    throw new Error(`raw sender exited with code ${code}: ${stderr.trim()}`);
  }

  const result = JSON.parse(stdout.trim()) as {
    requests: number;
    failures: number;
    seconds: number;
  };
  return {
    requestsPerSecond: result.requests / result.seconds,
    requests: result.requests,
    failures: result.failures,
    seconds: result.seconds,
    concurrency,
    senderCpuSeconds,
  };
}
