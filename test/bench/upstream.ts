import uws from 'uWebSockets.js';

/**
 * The benchmark's upstream: a minimal OpenAI-compatible chat endpoint on uWS, so the upstream is never the
 * bottleneck and the baseline ("direct") and the gateway path hit exactly the same server. Streams send 50 content
 * chunks, `bench_gap_ms` apart (a field of the request body: the gateway forwards unknown fields), then usage and
 * `[DONE]`.
 */
export const STREAM_CHUNKS = 50;
/** The usage the upstream reports: prompt tokens always, completion tokens of the plain answer. */
export const UPSTREAM_USAGE = { prompt: 12, completion: 7 };

/**
 * When the upstream got each marked stream request and wrote its first content chunk, by the request's `bench_id`,
 * on `monotonicMs()`: the system's monotonic clock, the same in every process of the machine, so the load client can
 * compare them with its own marks whether the upstream runs in its process or in one of its own
 * (`upstream-process.ts`, which serves them at `GET /bench/marks`). The client takes its entry when the stream ends, so
 * time to first token splits into the request's way in and the first chunk's way out.
 */
export const upstreamMarks = new Map<string, { received: number; firstContent: number }>();

/** Milliseconds on CLOCK_MONOTONIC (`process.hrtime`), comparable across the processes of one machine. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'bench-upstream',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the bench upstream.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: UPSTREAM_USAGE.prompt, completion_tokens: UPSTREAM_USAGE.completion, total_tokens: UPSTREAM_USAGE.prompt + UPSTREAM_USAGE.completion },
});

const chunk = (delta: string, finish: string | null) =>
  `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench-upstream","choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}],"usage":null}\n\n`;
const ROLE = chunk('{"role":"assistant","content":""}', 'null');
const CONTENT = Array.from({ length: STREAM_CHUNKS }, (_, i) => chunk(`{"content":"tok${i} "}`, 'null'));
const FINISH = chunk('{}', '"stop"');
const USAGE = `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench-upstream","choices":[],"usage":{"prompt_tokens":${UPSTREAM_USAGE.prompt},"completion_tokens":${STREAM_CHUNKS},"total_tokens":${UPSTREAM_USAGE.prompt + STREAM_CHUNKS}}}\n\n`;
const DONE = 'data: [DONE]\n\n';

export function startBenchUpstream(port = 0): Promise<{ port: number; close(): void }> {
  const app = uws.App();
  app.post('/v1/chat/completions', (res) => {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const parts: Buffer[] = [];
    res.onData((ab, last) => {
      parts.push(Buffer.from(ab.slice(0)));
      if (!last || aborted) return;
      const body = Buffer.concat(parts).toString('utf8');
      if (!body.includes('"stream":true')) {
        res.cork(() => {
          res.writeHeader('content-type', 'application/json');
          res.end(COMPLETION);
        });
        return;
      }
      const gap = Number(/"bench_gap_ms":(\d+)/.exec(body)?.[1] ?? 0);
      const id = /^\{"bench_id":"(\w+)"/.exec(body)?.[1];
      const mark = id === undefined ? undefined : { received: monotonicMs(), firstContent: Number.NaN };
      if (mark) upstreamMarks.set(id!, mark);
      res.cork(() => {
        res.writeHeader('content-type', 'text/event-stream');
        res.write(ROLE);
      });
      let i = 0;
      const next = (): void => {
        if (aborted) return;
        if (i === 0 && mark) mark.firstContent = monotonicMs();
        if (gap === 0) {
          res.cork(() => {
            for (const c of CONTENT) res.write(c);
            res.end(FINISH + USAGE + DONE);
          });
          return;
        }
        if (i < STREAM_CHUNKS) {
          res.cork(() => res.write(CONTENT[i++]!));
          setTimeout(next, gap);
        } else {
          res.cork(() => res.end(FINISH + USAGE + DONE));
        }
      };
      if (gap === 0) next();
      else setTimeout(next, gap);
    });
  });
  // The marks, for a load client in another process: all of them, and forgotten once served.
  app.get('/bench/marks', (res) => {
    const marks = Object.fromEntries(upstreamMarks);
    upstreamMarks.clear();
    res.cork(() => res.writeHeader('content-type', 'application/json').end(JSON.stringify(marks)));
  });
  return new Promise((resolve, reject) => {
    app.listen('127.0.0.1', port, (socket) => {
      if (!socket) return reject(new Error('bench upstream could not listen'));
      resolve({ port: uws.us_socket_local_port(socket), close: () => uws.us_listen_socket_close(socket) });
    });
  });
}
