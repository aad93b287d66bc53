import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder that holds connections until opened: the config benchmark starts a data plane behind it, measures
 * the process before any config arrives, then lets the connection through to the control plane.
 */
export async function startTcpGate(targetPort: number): Promise<{ port: number; open(): void; close(): Promise<void> }> {
  let opened = false;
  const held: Socket[] = [];
  const sockets = new Set<Socket>();
  const forward = (client: Socket) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  };
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (opened) forward(client);
    else {
      client.pause();
      held.push(client);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    open() {
      opened = true;
      for (const client of held.splice(0)) {
        client.resume();
        forward(client);
      }
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
