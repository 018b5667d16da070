import type { Server } from 'node:http';
import type { Logger } from './logger';

/**
 * Time a delivery worker gives its running tasks after a stop signal. An attempt waits at most
 * 10 s for the endpoint, and recording it takes a few database writes, so 15 s lets an attempt
 * that started just before the signal finish and be recorded. After this time the SDK requests the
 * cancellation of the activities still running. An attempt that was not recorded is sent again,
 * under the same attempt number, by the worker that takes over its workflow.
 */
export const WORKER_SHUTDOWN_GRACE_MS = 15_000;

/**
 * Time after which a worker stops waiting for its tasks and the process exits with code 1. It
 * covers an activity that ignores its cancellation, such as one blocked on a database that hangs.
 */
export const WORKER_SHUTDOWN_FORCE_MS = 25_000;

/** Time the API gives requests in progress to finish before it closes their connections. */
export const HTTP_DRAIN_TIMEOUT_MS = 10_000;

const IDLE_SWEEP_INTERVAL_MS = 100;

/**
 * Calls `stop` on the first SIGTERM or SIGINT. The same signal a second time exits at once with
 * code 1. A different second signal is ignored, because Ctrl-C under the dev stack sends SIGINT
 * from the terminal and SIGTERM from the stack within a moment of each other.
 */
export function onStopSignal(logger: Logger, stop: (signal: NodeJS.Signals) => void): void {
  let first: NodeJS.Signals | null = null;
  const handle = (signal: NodeJS.Signals) => {
    if (first === null) {
      first = signal;
      logger.info({ signal }, 'stop signal received');
      stop(signal);
      return;
    }
    if (signal !== first) return;
    logger.warn({ signal }, 'second stop signal received; exiting without waiting');
    process.exit(1);
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}

/**
 * Stops `server` from accepting connections and waits for the requests in progress. Responses sent
 * from now on close their connection, so that a keep-alive client opens a new one elsewhere. After
 * `timeoutMs`, the connections still open are closed and their requests cut.
 */
export async function drainHttpServer(
  server: Server,
  logger: Logger,
  timeoutMs = HTTP_DRAIN_TIMEOUT_MS,
): Promise<void> {
  server.prependListener('request', (_req, res) => res.setHeader('Connection', 'close'));
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // A connection whose response was under way when the drain began stays open for keep-alive, so
  // connections are closed as soon as they go idle instead of after the keep-alive timeout.
  const sweeper = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_INTERVAL_MS);

  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), timeoutMs);
  });
  const outcome = await Promise.race([closed, expired]);
  clearTimeout(timer);
  clearInterval(sweeper);
  if (outcome === 'expired') {
    logger.warn(
      { timeoutMs },
      'requests still running at the drain limit; closing their connections',
    );
    server.closeAllConnections();
    await closed;
  }
}
