import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../canonical/events.js';
import { converseStreamEvents } from './converse-stream-to-canonical.js';
import { converseResponseEvents } from './converse-to-canonical.js';

/**
 * Golden tests: recorded Bedrock answers replayed through the response mappers, compared with the canonical events
 * they must give. `*.chunks.txt` holds a ConverseStream body as received, one base64 chunk per line (chunk
 * boundaries kept: frames straddle them and several share one); `*.json` a Converse body; `*.events.json` the
 * expected events. `UPDATE_GOLDEN=1` rewrites the expectations after a deliberate change (review the diff).
 *
 * The recordings come from the Bedrock stand-in (test/stand-ins/bedrock), which the official AWS SDK accepts as
 * Bedrock: reasoning with signature, text, two tool calls for the same tool, usage with a cache read.
 */

const fixture = (name: string): URL => new URL(`./__fixtures__/${name}`, import.meta.url);

async function* replay(name: string): AsyncGenerator<Uint8Array> {
  for (const line of readFileSync(fixture(name), 'utf8').split('\n')) if (line !== '') yield Buffer.from(line, 'base64');
}

async function collect(events: AsyncIterable<StreamEvent> | Iterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

function expectGolden(events: StreamEvent[], name: string): void {
  const file = fixture(name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, `${JSON.stringify(events, null, 2)}\n`);
  expect(events).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

describe('bedrock golden replays', () => {
  it('should map a recorded ConverseStream body (reasoning, text, two tool calls, cached input) to its canonical events', async () => {
    const events = await collect(converseStreamEvents(replay('converse-stream.reasoning-tool-calls.chunks.txt')));
    expectGolden(events, 'converse-stream.reasoning-tool-calls.events.json');
  });

  it('should map the same answer from Converse to the same events, tool arguments in one delta each', async () => {
    const events = await collect(converseResponseEvents(JSON.parse(readFileSync(fixture('converse.reasoning-tool-calls.json'), 'utf8'))));
    expectGolden(events, 'converse.reasoning-tool-calls.events.json');
    // Both paths say the same thing once deltas are joined.
    const streamed = await collect(converseStreamEvents(replay('converse-stream.reasoning-tool-calls.chunks.txt')));
    expect(joined(events)).toEqual(joined(streamed));
  });
});

/** Events with consecutive deltas of one kind (and one tool call) joined. */
function joined(events: StreamEvent[]): unknown[] {
  const out: StreamEvent[] = [];
  for (const e of events) {
    const last = out.at(-1);
    if (e.type === 'text-delta' && last?.type === 'text-delta') out[out.length - 1] = { ...last, text: last.text + e.text };
    else if (e.type === 'reasoning-delta' && last?.type === 'reasoning-delta') out[out.length - 1] = { ...last, text: last.text + e.text };
    else if (e.type === 'tool-call-delta' && last?.type === 'tool-call-delta' && last.index === e.index) out[out.length - 1] = { ...last, argumentsDelta: last.argumentsDelta + e.argumentsDelta };
    else out.push(e);
  }
  return out.map((e) => (e.type === 'tool-call-delta' ? { ...e, argumentsDelta: JSON.parse(e.argumentsDelta) as unknown } : e));
}
