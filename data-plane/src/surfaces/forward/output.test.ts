import { beforeAll, describe, expect, it } from 'vitest';
import { countTextTokens, tokenizerReady, type OutputText } from '../../providers/token-estimate.js';
import { countAnswer, SAMPLE_BYTES, StreamSample } from './output.js';

/** Events of a toy protocol: `data: {"t":"<text>"}`, the text in `t`. */
const event = (text: string) => `data: ${JSON.stringify({ t: text })}\n\n`;
const outputOf = (json: unknown, out: OutputText) => out.add((json as { t?: unknown }).t);

describe('StreamSample', () => {
  beforeAll(() => tokenizerReady());

  it('counts the text of every event it was given, with the tokenizer, skipping what is not JSON', () => {
    const sample = new StreamSample();
    const texts = ['Hello', ', world', '! This is counted as one text.'];
    const data = Buffer.from(texts.map(event).join('') + ': a comment\n\ndata: [DONE]\n\n');
    sample.add(data, data.length);
    expect(sample.count(outputOf)).toEqual({ outputTokens: countTextTokens(texts.join('')), reasoningTokens: 0 });
  });

  it('copies what it keeps: the caller may reuse its buffer', () => {
    const sample = new StreamSample();
    const scratch = Buffer.from(event('first words'));
    sample.add(scratch, scratch.length);
    scratch.fill(0x20);
    expect(sample.count(outputOf).outputTokens).toBe(countTextTokens('first words'));
  });

  it('keeps whole events up to its size, and scales the count to all the bytes that passed', () => {
    const sample = new StreamSample();
    const one = event(' word'); // one token
    let events = 0;
    // Reads of 37 events each: the sample fills in the middle of one.
    for (let read = 0; read < 60; read++) {
      const data = Buffer.from(one.repeat(37));
      sample.add(data, data.length);
      events += 37;
    }
    expect(sample.keptSize).toBeLessThanOrEqual(SAMPLE_BYTES);
    expect(sample.keptSize % one.length).toBe(0);
    expect(sample.keptSize).toBeGreaterThan(SAMPLE_BYTES - one.length);
    expect(sample.count(outputOf).outputTokens).toBe(events);
  });

  it('keeps a first event larger than its size whole, and only that', () => {
    const sample = new StreamSample();
    const big = event('x'.repeat(SAMPLE_BYTES * 2));
    const data = Buffer.from(big + event('more'));
    sample.add(data, data.length);
    expect(sample.keptSize).toBe(big.length);
  });

  it('counts only the complete events it is given (data[0, end))', () => {
    const sample = new StreamSample();
    const data = Buffer.from(event('kept') + 'data: {"t":"not yet compl');
    sample.add(data, event('kept').length);
    expect(sample.count(outputOf).outputTokens).toBe(countTextTokens('kept'));
  });
});

describe('countAnswer', () => {
  it('counts a whole JSON answer, and nothing of a body that is not JSON', () => {
    expect(countAnswer(Buffer.from(JSON.stringify({ t: 'a whole answer' })), outputOf).outputTokens).toBe(countTextTokens('a whole answer'));
    expect(countAnswer(Buffer.from('<html>bad gateway</html>'), outputOf)).toEqual({ outputTokens: 0, reasoningTokens: 0 });
  });
});
