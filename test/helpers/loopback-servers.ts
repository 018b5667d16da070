import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';

/** A server on 127.0.0.1 started by one of the functions below. */
export interface TestServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Certificate and key (PEM) of an HTTPS test server. */
export interface TlsIdentity {
  cert: string | Buffer;
  key: string | Buffer;
}

const openServers: TestServer[] = [];

/** Closes every server the functions below started; call it in `afterEach`. */
export async function closeLoopbackServers(): Promise<void> {
  await Promise.all(openServers.splice(0).map((server) => server.close()));
}

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function track(server: Server, scheme: 'http' | 'https'): Promise<TestServer> {
  const port = await listen(server);
  const testServer = {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  openServers.push(testServer);
  return testServer;
}

/** Starts an HTTP server on 127.0.0.1 that is closed after the test. */
export async function startHttp(handler: RequestListener): Promise<TestServer> {
  return await track(createHttpServer(handler), 'http');
}

/** Starts an HTTPS server on 127.0.0.1 with the given certificate. */
export async function startHttps(tls: TlsIdentity, handler: RequestListener): Promise<TestServer> {
  const server = createHttpsServer({ cert: tls.cert, key: tls.key }, handler);
  // A client that rejects the certificate ends the handshake, which is what those tests expect.
  server.on('tlsClientError', () => undefined);
  return await track(server, 'https');
}

/** Starts a raw TCP server on 127.0.0.1, for responses no HTTP server would send. */
export async function startTcp(onConnection: (socket: Socket) => void): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  const port = await listen(server);
  const testServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  openServers.push(testServer);
  return testServer;
}

/** Returns a loopback port that nothing listens on, by listening and closing again. */
export async function findClosedPort(): Promise<number> {
  const server = createTcpServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
