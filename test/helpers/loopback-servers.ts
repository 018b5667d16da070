import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';

/** A server on 127.0.0.1 started by one of the functions below. */
export interface TestServer {
  url: string;
  close(): Promise<void>;
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

/** Starts an HTTP server on 127.0.0.1 that is closed after the test. */
export async function startHttp(handler: RequestListener): Promise<TestServer> {
  const server = createHttpServer(handler);
  const port = await listen(server);
  const testServer = {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  openServers.push(testServer);
  return testServer;
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
