/**
 * A TCP echo server for `loopbackRoundTrips` (wake.ts): prints `{"port": N}` once it listens, then echoes every byte
 * back at once (no Nagle delay).
 */
import { createServer } from 'node:net';

const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('data', (data) => socket.write(data));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 }));
});
