import { connect, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy on 127.0.0.1 that a test can cut and restore, as a network failure would. */
export interface TcpProxy {
  port: number;
  /** Stops accepting connections and resets the open ones. */
  cut(): Promise<void>;
  /** Accepts connections again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port that forwards each connection to `targetPort`. */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  let server = createServer();
  const listen = async (target: Server, port: number) => {
    target.on('connection', (client) => {
      const upstream = connect({ host: targetHost, port: targetPort });
      track(client);
      track(upstream);
      client.pipe(upstream).pipe(client);
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => target.listen(port, '127.0.0.1', resolve));
    return (target.address() as { port: number }).port;
  };
  const port = await listen(server, 0);

  const cut = async () => {
    const closed = new Promise((resolve) => server.close(resolve));
    for (const socket of sockets) socket.resetAndDestroy();
    await closed;
  };
  return {
    port,
    cut,
    restore: async () => {
      server = createServer();
      await listen(server, port);
    },
    close: async () => {
      if (server.listening) await cut();
    },
  };
}
