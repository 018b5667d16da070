import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** A loopback HTTP server that records when each webhook request arrived. */
export interface BenchReceiver {
  /** Base URL, to which endpoints append `/<endpoint id>` or `/fail-once/<endpoint id>`. */
  url: string;
  /**
   * Arrival times (performance.now(), ms) of requests outside the fail-once path, which all get a
   * 200, keyed by `arrivalKey(endpointId, eventId)`.
   */
  arrivals: Map<string, number[]>;
  /** Requests to the fail-once path in arrival order, keyed by `arrivalKey(endpointId, eventId)`. */
  failOnceArrivals: Map<string, AttemptArrival[]>;
  /** Arrival times (performance.now(), ms) of every request in order, for rates over a window. */
  timeline: number[];
  close(): Promise<void>;
}

/**
 * One request to the fail-once path. Times are wall-clock ms (Date.now()), because they are
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
 * Path prefix of endpoints that fail their first attempt: a request with `X-Postion-Attempt: 1`
 * gets a 500 and any later attempt a 200, so every delivery sleeps once in its retry schedule.
 */
export const FAIL_ONCE_PATH = '/fail-once';

/** Returns the key of one event's request to one endpoint in `BenchReceiver.arrivals`. */
export function arrivalKey(endpointId: string, eventId: string): string {
  return `${endpointId}|${eventId}`;
}

/**
 * Starts the receiver on 127.0.0.1. The arrival time is taken when Node has parsed the request
 * headers, the closest a node:http server gets to the first byte. It responds after reading the
 * body, with a 200 except to first attempts on the fail-once path, and checks no signature, so
 * that its own cost stays small.
 */
export async function startBenchReceiver(): Promise<BenchReceiver> {
  const arrivals = new Map<string, number[]>();
  const failOnceArrivals = new Map<string, AttemptArrival[]>();
  const timeline: number[] = [];

  const server = createServer((req, res) => {
    const arrivedAt = performance.now();
    timeline.push(arrivedAt);
    if (req.url?.startsWith(`${FAIL_ONCE_PATH}/`)) {
      failFirstAttempt(req, res, failOnceArrivals);
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
    failOnceArrivals,
    timeline,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function failFirstAttempt(
  req: IncomingMessage,
  res: ServerResponse,
  failOnceArrivals: Map<string, AttemptArrival[]>,
): void {
  const arrival: AttemptArrival = {
    attemptNumber: parseAttemptNumber(req.headers['x-postion-attempt']),
    arrivedAt: Date.now(),
    respondedAt: null,
  };
  const endpointId = (req.url ?? '').slice(FAIL_ONCE_PATH.length + 1);
  const key = arrivalKey(endpointId, String(req.headers['x-postion-event-id'] ?? ''));
  const list = failOnceArrivals.get(key);
  if (list) list.push(arrival);
  else failOnceArrivals.set(key, [arrival]);

  res.once('finish', () => {
    arrival.respondedAt = Date.now();
  });
  req.resume();
  req.once('end', () => {
    const failed = arrival.attemptNumber === 1;
    res.writeHead(failed ? 500 : 200, { 'content-type': 'text/plain' });
    res.end(failed ? 'first attempt fails on purpose' : 'ok');
  });
}

function parseAttemptNumber(header: string | string[] | undefined): number | null {
  const value = Number(header);
  return typeof header === 'string' && Number.isInteger(value) ? value : null;
}
