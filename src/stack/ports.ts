import { createServer, connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string')
    throw new Error('could not read the port of a probe socket');
  return address.port;
}

/** Waits until something accepts TCP connections on `host:port`, or throws after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await delay(200);
  }
  throw new Error(`nothing listened on ${host}:${port} within ${timeoutMs / 1000} s`);
}

/** A port the dev stack needs, with the setting that moves it. */
export interface RequiredPort {
  port: number;
  setting: string;
}

/**
 * Throws, naming the port and its setting, when another program already listens on one of the
 * ports. Checking up front keeps a half-started stack from reporting success.
 */
export async function assertPortsFree(ports: RequiredPort[]): Promise<void> {
  for (const { port, setting } of ports) {
    const server = createServer();
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      server.once('error', resolve);
      server.listen(port, '127.0.0.1', () => resolve(null));
    });
    if (!error) {
      await new Promise((resolve) => server.close(resolve));
      continue;
    }
    const reason =
      error.code === 'EADDRINUSE' ? 'is already in use' : `cannot be opened (${error.code})`;
    throw new Error(`port ${port} ${reason}; stop what uses it or set ${setting} to a free port`);
  }
}

/** Waits until `url` responds 200, or throws after `timeoutMs`. */
export async function waitForHttpOk(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      .then((response) => response.ok)
      .catch(() => false);
    if (ok) return;
    await delay(200);
  }
  throw new Error(`${url} did not respond 200 within ${timeoutMs / 1000} s`);
}
