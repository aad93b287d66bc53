/**
 * The benchmark's floor for a gateway on this stack: a bare uWebSockets.js + undici pass-through that reads the
 * request body, sends it to the upstream over a keep-alive pool and writes the upstream's answer back (a stream
 * chunk by chunk, as it arrives). No auth, no
 * parsing, no accounting. The throughput target (15,000 requests/s where this reaches about 22,000) is a
 * share of it, so `npm run bench` measures it in the same run, on the same core as the gateway, to tell a slow
 * machine from a slow gateway. Run as a helper process (`helper-process.ts`): argv[2] is the upstream's URL; prints
 * `{"url": …}` once listening.
 */
import uws from 'uWebSockets.js';
import { Agent, request } from 'undici';

const upstream = process.argv[2]!;
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });

const app = uws.App().post('/*', (res, req) => {
  const contentType = req.getHeader('content-type');
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  const chunks: Buffer[] = [];
  res.onData((chunk, last) => {
    chunks.push(Buffer.from(chunk.slice(0)));
    if (!last) return;
    request(upstream, { method: 'POST', headers: { 'content-type': contentType }, body: Buffer.concat(chunks), dispatcher: agent })
      .then(async (answer) => {
        const type = String(answer.headers['content-type'] ?? 'application/json');
        if (type.startsWith('text/event-stream')) {
          // A stream: each upstream read is written on as it arrives, the floor for time to first token.
          if (aborted) return answer.body.destroy();
          res.cork(() => res.writeStatus(String(answer.statusCode)).writeHeader('content-type', type));
          for await (const chunk of answer.body) {
            if (aborted) return answer.body.destroy();
            res.cork(() => res.write(chunk as Buffer));
          }
          if (!aborted) res.cork(() => res.end());
          return;
        }
        const body = Buffer.from(await answer.body.arrayBuffer());
        if (aborted) return;
        res.cork(() => {
          res.writeStatus(String(answer.statusCode)).writeHeader('content-type', type).end(body);
        });
      })
      .catch(() => {
        if (!aborted) res.cork(() => res.writeStatus('502').end());
      });
  });
});

app.listen('127.0.0.1', 0, (socket) => {
  if (!socket) throw new Error('bare proxy could not listen');
  console.log(JSON.stringify({ url: `http://127.0.0.1:${uws.us_socket_local_port(socket)}/v1/chat/completions` }));
});
