import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger';
import type { MetricsExposition } from '../metrics/exposition';
import type { Readiness } from './readiness';

/** Options of `startHealthServer`. */
export interface HealthServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  readiness: Readiness;
  metrics: MetricsExposition;
  logger: Logger;
}

/** A listening health server. */
export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the HTTP server of a worker process, which has no API: `GET /healthz` (liveness),
 * `GET /readyz` (readiness, 503 with the failed checks) and `GET /metrics` (Prometheus).
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    handle(options, req.method ?? '', req.url ?? '').then(
      (reply) => {
        res.writeHead(reply.status, { 'Content-Type': reply.contentType });
        res.end(reply.body);
      },
      (error: unknown) => {
        options.logger.error({ err: error, path: req.url }, 'health server request failed');
        res.writeHead(500).end();
      },
    );
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');

  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface Reply {
  status: number;
  contentType: string;
  body: string;
}

const JSON_TYPE = 'application/json';

async function handle(options: HealthServerOptions, method: string, url: string): Promise<Reply> {
  const path = url.split('?')[0];
  const paths = ['/healthz', '/readyz', '/metrics'];
  if (!paths.includes(path!))
    return json(404, { detail: `no route ${path}; use ${paths.join(', ')}` });
  if (method !== 'GET' && method !== 'HEAD') return json(405, { detail: 'only GET is allowed' });

  if (path === '/healthz') return json(200, { status: 'ok' });
  if (path === '/readyz') {
    const report = await options.readiness.evaluate();
    return json(report.status === 'ready' ? 200 : 503, report);
  }
  const body = await options.metrics.render();
  return { status: 200, contentType: options.metrics.contentType, body };
}

function json(status: number, body: unknown): Reply {
  return { status, contentType: JSON_TYPE, body: JSON.stringify(body) };
}
