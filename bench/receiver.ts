import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** A loopback HTTP server that records when each webhook request arrived. */
export interface BenchReceiver {
  /**
   * Base URL, to which endpoints append `/<endpoint id>`, or `/fail-until/<F>/<endpoint id>` to
   * fail attempts 1 to F (see `failingEndpointsUrl`).
   */
  url: string;
  /**
   * Arrival times (performance.now(), ms) of requests outside the fail-until path, which all get a
   * 200, keyed by `arrivalKey(endpointId, eventId)`.
   */
  arrivals: Map<string, number[]>;
  /** Requests to the fail-until path in arrival order, keyed by `arrivalKey(endpointId, eventId)`. */
  failingArrivals: Map<string, AttemptArrival[]>;
  /** Arrival times (performance.now(), ms) of every request in order, for rates over a window. */
  timeline: number[];
  close(): Promise<void>;
}

/**
 * One request to the fail-until path. Times are wall-clock ms (Date.now()), because they are
 * compared with due times that the worker computed from its own Date and stored in PostgreSQL.
 */
export interface AttemptArrival {
  /** The `X-Postion-Attempt` header as a number, or null when it is missing or not a number. */
  attemptNumber: number | null;
  arrivedAt: number;
  /** Time the response was handed to the operating system, or null until then. */
  respondedAt: number | null;
}

/**
 * Path prefix of endpoints that fail on purpose. On `/fail-until/<F>/<endpoint id>` a request whose
 * `X-Postion-Attempt` is 1 to F gets a 500 and any other request a 200, so every delivery sleeps
 * F times in its retry schedule and succeeds on attempt F + 1.
 */
const FAIL_UNTIL_PATH = '/fail-until';

const FAIL_UNTIL_PATTERN = /^\/fail-until\/(\d+)\/([^/?]+)$/;

/** Returns the URL to which `createBenchSite` appends endpoint ids to fail attempts 1 to F. */
export function failingEndpointsUrl(receiverUrl: string, failedAttempts: number): string {
  return `${receiverUrl}${FAIL_UNTIL_PATH}/${failedAttempts}`;
}

/** Returns the key of one event's request to one endpoint in `BenchReceiver.arrivals`. */
export function arrivalKey(endpointId: string, eventId: string): string {
  return `${endpointId}|${eventId}`;
}

/**
 * Starts the receiver on 127.0.0.1. The arrival time is taken when Node has parsed the request
 * headers, the closest a node:http server gets to the first byte. It responds after reading the
 * body, with a 200 except to the attempts that the fail-until path fails, and checks no
 * signature, so that its own cost stays small.
 */
export async function startBenchReceiver(): Promise<BenchReceiver> {
  const arrivals = new Map<string, number[]>();
  const failingArrivals = new Map<string, AttemptArrival[]>();
  const timeline: number[] = [];

  const server = createServer((req, res) => {
    const arrivedAt = performance.now();
    timeline.push(arrivedAt);
    if (req.url?.startsWith(`${FAIL_UNTIL_PATH}/`)) {
      failUntilAttempt(req, res, failingArrivals);
      return;
    }

    const endpointId = (req.url ?? '/').slice(1);
    const eventId = String(req.headers['x-postion-event-id'] ?? '');
    const key = arrivalKey(endpointId, eventId);
    const times = arrivals.get(key);
    if (times) times.push(arrivedAt);
    else arrivals.set(key, [arrivedAt]);

    req.resume();
    req.once('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  // The worker's undici agent keeps connections for 30 s. A shorter server timeout would make it
  // race closed sockets and retry attempts that the benchmark would count as duplicates.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    failingArrivals,
    timeline,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function failUntilAttempt(
  req: IncomingMessage,
  res: ServerResponse,
  failingArrivals: Map<string, AttemptArrival[]>,
): void {
  const match = FAIL_UNTIL_PATTERN.exec(req.url ?? '');
  if (!match) {
    // Only the benchmark's own endpoints use this path, so a mismatch is a bug in the benchmark.
    req.resume();
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(`invalid path ${req.url}: expected ${FAIL_UNTIL_PATH}/<F>/<endpoint id>`);
    return;
  }
  const failedAttempts = Number(match[1]);
  const endpointId = match[2]!;
  const arrival: AttemptArrival = {
    attemptNumber: parseAttemptNumber(req.headers['x-postion-attempt']),
    arrivedAt: Date.now(),
    respondedAt: null,
  };
  const key = arrivalKey(endpointId, String(req.headers['x-postion-event-id'] ?? ''));
  const list = failingArrivals.get(key);
  if (list) list.push(arrival);
  else failingArrivals.set(key, [arrival]);

  res.once('finish', () => {
    arrival.respondedAt = Date.now();
  });
  req.resume();
  req.once('end', () => {
    const attempt = arrival.attemptNumber;
    const failed = attempt !== null && attempt >= 1 && attempt <= failedAttempts;
    res.writeHead(failed ? 500 : 200, { 'content-type': 'text/plain' });
    res.end(failed ? `attempt ${attempt} fails on purpose` : 'ok');
  });
}

function parseAttemptNumber(header: string | string[] | undefined): number | null {
  const value = Number(header);
  return typeof header === 'string' && Number.isInteger(value) ? value : null;
}
