import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** A loopback HTTP server that records when each webhook request arrived. */
export interface BenchReceiver {
  /** Base URL; endpoints append `/<endpoint id>`. */
  url: string;
  /** Arrival times (performance.now(), ms) keyed by `arrivalKey(endpointId, eventId)`. */
  arrivals: Map<string, number[]>;
  /** Arrival times of every request in order, for rates over a time window. */
  timeline: number[];
  close(): Promise<void>;
}

/** Returns the key of one event's request to one endpoint in `BenchReceiver.arrivals`. */
export function arrivalKey(endpointId: string, eventId: string): string {
  return `${endpointId}|${eventId}`;
}

/**
 * Starts the receiver on 127.0.0.1. The arrival time is taken when Node has parsed the request
 * headers, the closest a node:http server gets to the first byte. It responds 200 after reading
 * the body and checks no signature, so that its own cost stays small.
 */
export async function startBenchReceiver(): Promise<BenchReceiver> {
  const arrivals = new Map<string, number[]>();
  const timeline: number[] = [];

  const server = createServer((req, res) => {
    const arrivedAt = performance.now();
    const endpointId = (req.url ?? '/').slice(1);
    const eventId = String(req.headers['x-postion-event-id'] ?? '');
    const key = arrivalKey(endpointId, eventId);
    const times = arrivals.get(key);
    if (times) times.push(arrivedAt);
    else arrivals.set(key, [arrivedAt]);
    timeline.push(arrivedAt);

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
    timeline,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
