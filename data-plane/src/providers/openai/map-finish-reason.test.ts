import { describe, expect, it } from 'vitest';
import { mapFinishReason } from './map-finish-reason.js';

describe('mapFinishReason', () => {
  it("maps OpenAI's finish reasons, keeping the raw one and vLLM's stop string", () => {
    expect(mapFinishReason('stop', 'END')).toEqual({ unified: 'stop', raw: 'stop', stopSequence: 'END' });
    expect(mapFinishReason('length')).toEqual({ unified: 'length', raw: 'length' });
    expect(mapFinishReason('tool_calls')).toEqual({ unified: 'tool-calls', raw: 'tool_calls' });
    expect(mapFinishReason('content_filter')).toEqual({ unified: 'content-filter', raw: 'content_filter' });
    expect(mapFinishReason(null)).toEqual({ unified: 'other', raw: undefined });
  });

  it("takes compatible servers' names: mlx-lm's tool_call, Mistral's model_length", () => {
    expect(mapFinishReason('tool_call')).toEqual({ unified: 'tool-calls', raw: 'tool_call' });
    expect(mapFinishReason('model_length')).toEqual({ unified: 'length', raw: 'model_length' });
  });

  it('makes any finish of a turn that called tools a tool-calls one, but a cut-off, a filtered one or a failure', () => {
    for (const raw of ['stop', 'eos', 'end_turn', null]) expect(mapFinishReason(raw, null, true)).toEqual({ unified: 'tool-calls', raw: raw ?? undefined });
    expect(mapFinishReason('length', null, true).unified).toBe('length');
    expect(mapFinishReason('content_filter', null, true).unified).toBe('content-filter');
    expect(mapFinishReason('error', null, true).unified).toBe('error');
  });

  it("reads vLLM's abort and OpenRouter's and Mistral's error as a failure, not a finish", () => {
    expect(mapFinishReason('abort')).toEqual({ unified: 'error', raw: 'abort' });
    expect(mapFinishReason('error')).toEqual({ unified: 'error', raw: 'error' });
  });
});
