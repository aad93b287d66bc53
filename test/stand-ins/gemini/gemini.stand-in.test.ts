import { ApiError, FinishReason, GoogleGenAI, ThinkingLevel, type GenerateContentResponse, type ThinkingConfig } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfBase64 } from '../pdf.js';
import { directive } from '../script.js';
import { GEMINI_STAND_IN_API_KEY, startGeminiStandIn, type GeminiStandIn } from './server.js';

/**
 * The Gemini stand-in is only useful if Google's own SDK cannot tell it from the real API: these tests drive it
 * with @google/genai, pointed at the stand-in through `httpOptions.baseUrl`.
 */
describe('Gemini stand-in, as seen by the official @google/genai SDK', () => {
  let standIn: GeminiStandIn;
  let ai: GoogleGenAI;
  const model = 'gemini-2.5-flash';

  beforeAll(async () => {
    standIn = await startGeminiStandIn();
    ai = new GoogleGenAI({ apiKey: GEMINI_STAND_IN_API_KEY, httpOptions: { baseUrl: standIn.url } });
  });
  afterAll(async () => {
    await standIn.close();
  });

  async function collect(stream: AsyncIterable<GenerateContentResponse>): Promise<GenerateContentResponse[]> {
    const out: GenerateContentResponse[] = [];
    for await (const chunk of stream) out.push(chunk);
    return out;
  }

  it('should answer generateContent with the echo, usage, model version and response id', async () => {
    const response = await ai.models.generateContent({ model, contents: 'hello there', config: { systemInstruction: 'be brief' } });
    expect(response.text).toBe('Echo: hello there');
    expect(response.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    expect(response.modelVersion).toBe(model);
    expect(response.responseId).toMatch(/^[\w-]{20,}$/);
    // ceil(("be brief" + "hello there").length / 4) = 5; output = 3 words.
    expect(response.usageMetadata).toMatchObject({ promptTokenCount: 5, candidatesTokenCount: 3, totalTokenCount: 8 });

    const request = standIn.requests.at(-1)!;
    expect(request.path).toBe(`/v1beta/models/${model}:generateContent`);
    expect(request.headers['x-goog-api-key']).toBe(GEMINI_STAND_IN_API_KEY);
    expect(request.body).toMatchObject({ contents: [{ role: 'user', parts: [{ text: 'hello there' }] }], systemInstruction: { parts: [{ text: 'be brief' }] } });
  });

  it('should stream text over server-sent events, usage and finish reason on the last record', async () => {
    const chunks = await collect(await ai.models.generateContentStream({ model, contents: `${directive({ text: 'one two three' })}` }));
    expect(chunks.map((c) => c.text)).toEqual(['one', ' two', ' three']);
    expect(chunks.slice(0, -1).every((c) => c.candidates?.[0]?.finishReason === undefined)).toBe(true);
    expect(chunks.at(-1)!.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    expect(chunks.at(-1)!.usageMetadata?.candidatesTokenCount).toBe(3);
    expect(new Set(chunks.map((c) => c.responseId)).size).toBe(1);
    expect(standIn.requests.at(-1)!.path).toBe(`/v1beta/models/${model}:streamGenerateContent`);
    expect(standIn.requests.at(-1)!.query.get('alt')).toBe('sse');
  });

  it('should stream thought summaries when includeThoughts is set, with thoughts token count', async () => {
    const chunks = await collect(
      await ai.models.generateContentStream({
        model,
        contents: directive({ reasoning: 'let me think', text: 'answer' }),
        config: { thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 } },
      }),
    );
    const parts = chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []);
    expect(parts.filter((p) => p.thought).map((p) => p.text)).toEqual(['let', ' me', ' think']);
    expect(parts.filter((p) => !p.thought).map((p) => p.text)).toEqual(['answer']);
    expect(parts.at(-1)!.thoughtSignature).toEqual(expect.any(String));
    expect(chunks.at(-1)!.usageMetadata).toMatchObject({ thoughtsTokenCount: 3, candidatesTokenCount: 1 });
  });

  it('should keep thoughts out of the answer when includeThoughts is not set', async () => {
    const response = await ai.models.generateContent({ model, contents: directive({ reasoning: 'hidden', text: 'visible' }) });
    expect(response.candidates?.[0]?.content?.parts?.some((p) => p.thought)).toBe(false);
    expect(response.text).toBe('visible');
    expect(response.usageMetadata?.thoughtsTokenCount).toBe(1);
  });

  it('should return whole function calls, in parallel, streamed and not', async () => {
    const contents = directive({
      toolCalls: [
        { name: 'get_weather', arguments: '{"city":"Paris"}' },
        { name: 'get_time', arguments: '{"zone":"CET"}', id: 'fc-1' },
      ],
    });
    const tools = [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: { type: 'object' } }, { name: 'get_time', parametersJsonSchema: { type: 'object' } }] }];
    const response = await ai.models.generateContent({ model, contents, config: { tools } });
    expect(response.functionCalls).toEqual([
      { name: 'get_weather', args: { city: 'Paris' } },
      { name: 'get_time', args: { zone: 'CET' }, id: 'fc-1' },
    ]);
    expect(response.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);

    const chunks = await collect(await ai.models.generateContentStream({ model, contents, config: { tools } }));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.functionCalls?.map((c) => c.name)).toEqual(['get_weather', 'get_time']);
  });

  it('should answer a call whose arguments are not JSON with MALFORMED_FUNCTION_CALL, a finishMessage and no content', async () => {
    const contents = directive({ text: 'Let me check.', toolCalls: [{ name: 'get_weather', arguments: '{"city": ' }] });
    const response = await ai.models.generateContent({ model, contents });
    expect(response.candidates?.[0]?.finishReason).toBe(FinishReason.MALFORMED_FUNCTION_CALL);
    expect(response.candidates?.[0]?.content).toBeUndefined();
    expect(response.usageMetadata?.promptTokenCount).toEqual(expect.any(Number));
    // The SDK leaves Gemini API candidates' finishMessage out; it is on the wire.
    const raw = await fetch(`${standIn.url}/v1beta/models/${model}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': GEMINI_STAND_IN_API_KEY },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: contents }] }] }),
    });
    expect(((await raw.json()) as GenerateContentResponse).candidates?.[0]?.finishMessage).toBe('Malformed function call: get_weather({"city": )');

    const chunks = await collect(await ai.models.generateContentStream({ model, contents }));
    expect(chunks.map((c) => c.text).filter(Boolean)).toEqual(['Let', ' me', ' check.']);
    expect(chunks.at(-1)!.candidates?.[0]?.finishReason).toBe(FinishReason.MALFORMED_FUNCTION_CALL);
    expect(chunks.at(-1)!.candidates?.[0]?.content).toBeUndefined();
  });

  it('should take function call and response ids, and refuse a response id that no call of the turn before has', async () => {
    const history = (responseId: string) => [
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' }, id: 'fc-1' } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: 'sunny' }, id: responseId } }, { text: directive({ text: 'Sunny.' }) }] },
    ];
    const response = await ai.models.generateContent({ model, contents: history('fc-1') });
    expect(response.text).toBe('Sunny.');
    expect(standIn.requests.at(-1)!.body.contents[2].parts[0].functionResponse.id).toBe('fc-1');

    const error = await ai.models.generateContent({ model, contents: history('fc-2') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect(JSON.parse((error as ApiError).message).error).toMatchObject({ status: 'INVALID_ARGUMENT', message: expect.stringContaining('(fc-2)') });
  });

  it("should refuse a thinking budget outside a Gemini 2.5 model's range with Google's message, and take the budgets each model allows", async () => {
    const send = (budget: number, onModel = model) => ai.models.generateContent({ model: onModel, contents: 'hi', config: { thinkingConfig: { thinkingBudget: budget } } });
    const refusal = async (budget: number, onModel: string) => {
      const error = await send(budget, onModel).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(400);
      return JSON.parse((error as ApiError).message).error as { status: string; message: string };
    };
    expect(await refusal(31999, 'gemini-2.5-flash')).toEqual({ code: 400, status: 'INVALID_ARGUMENT', message: 'The thinking budget 31999 is invalid. Please choose a value between 0 and 24576.' });
    expect((await refusal(0, 'gemini-2.5-pro')).message).toBe('The thinking budget 0 is invalid. Please choose a value between 128 and 32768.');
    expect((await refusal(64000, 'gemini-2.5-pro-preview-06-05')).message).toBe('The thinking budget 64000 is invalid. Please choose a value between 128 and 32768.');
    expect((await refusal(256, 'gemini-2.5-flash-lite')).message).toBe('The thinking budget 256 is invalid. Please choose a value between 512 and 24576.');

    for (const [budget, onModel] of [
      [24576, 'gemini-2.5-flash'],
      [0, 'gemini-2.5-flash-lite'],
      [-1, 'gemini-2.5-pro'],
      [64000, 'gemini-3-pro-preview'],
    ] as const) {
      expect((await send(budget, onModel)).text).toBe('Echo: hi');
    }
  });

  it('should refuse more output tokens than the model writes, with the range in Google\'s words', async () => {
    const error = await ai.models.generateContent({ model: 'gemini-2.0-flash', contents: 'hi', config: { maxOutputTokens: 32_000 } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, message: expect.stringContaining('maxOutputTokens value of 32000 but the supported range is from 1 (inclusive) to 8193 (exclusive)') });
    const answer = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi', config: { maxOutputTokens: 32_000 } });
    expect(answer.text).toBeTruthy();
  });

  it("should take a thinking level on Gemini 3 only, each model's own levels, and never beside a budget", async () => {
    const send = (thinkingConfig: ThinkingConfig, onModel: string) => ai.models.generateContent({ model: onModel, contents: 'hi', config: { thinkingConfig } });
    const refusal = async (thinkingConfig: ThinkingConfig, onModel: string) => {
      const error = await send(thinkingConfig, onModel).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      return JSON.parse((error as ApiError).message).error as { status: string; message: string };
    };
    expect(await refusal({ thinkingLevel: ThinkingLevel.LOW }, 'gemini-2.5-flash')).toEqual({ code: 400, status: 'INVALID_ARGUMENT', message: 'Thinking level is not supported for this model.' });
    expect((await refusal({ thinkingLevel: ThinkingLevel.MINIMAL }, 'gemini-3-pro-preview')).message).toBe('Thinking level MINIMAL is not supported for this model.');
    expect((await refusal({ thinkingLevel: ThinkingLevel.MINIMAL }, 'gemini-3.1-pro-preview')).message).toBe('Thinking level MINIMAL is not supported for this model.');
    expect((await refusal({ thinkingLevel: ThinkingLevel.LOW, thinkingBudget: 1024 }, 'gemini-3-flash-preview')).message).toBe('You can only set only one of thinking budget and thinking level.');

    expect((await send({ thinkingLevel: ThinkingLevel.MINIMAL }, 'gemini-3-flash-preview')).text).toBe('Echo: hi');
    expect((await send({ thinkingLevel: ThinkingLevel.LOW }, 'gemini-3-pro-preview')).text).toBe('Echo: hi');
  });

  it("should take back Gemini 3's own thought signatures and the documented sentinel, and refuse another's as corrupted", async () => {
    const gemini3 = 'gemini-3-flash-preview';
    const ask = { role: 'user', parts: [{ text: directive({ reasoning: 'Use the tool.', toolCalls: [{ name: 'get_weather', arguments: '{}' }] }) }] };
    const first = await ai.models.generateContent({ model: gemini3, contents: [ask], config: { thinkingConfig: { includeThoughts: true } } });
    const call = first.candidates![0]!.content!.parts!.find((p) => p.functionCall)!;
    const replay = (thoughtSignature: string) =>
      ai.models.generateContent({
        model: gemini3,
        contents: [ask, { role: 'model', parts: [{ ...call, thoughtSignature }] }, { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: 'sunny' } } }] }],
      });
    expect(call.thoughtSignature).toEqual(expect.any(String));
    expect((await replay(call.thoughtSignature!)).functionCalls).toHaveLength(1);
    expect((await replay('skip_thought_signature_validator')).functionCalls).toHaveLength(1);
    const error = await replay(Buffer.from('a Claude thinking signature').toString('base64')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(JSON.parse((error as ApiError).message)).toEqual({ error: { code: 400, message: 'Corrupted thought signature.', status: 'INVALID_ARGUMENT' } });
  });

  it('should report MAX_TOKENS for a truncated answer', async () => {
    const response = await ai.models.generateContent({ model, contents: directive({ text: 'cut short', truncated: true }) });
    expect(response.candidates?.[0]?.finishReason).toBe(FinishReason.MAX_TOKENS);
  });

  it('should report cached tokens from the script usage', async () => {
    const response = await ai.models.generateContent({ model, contents: directive({ text: 'x', usage: { inputTokens: 100, cacheReadTokens: 60 } }) });
    expect(response.usageMetadata).toMatchObject({ promptTokenCount: 100, cachedContentTokenCount: 60 });
  });

  it('should block a prompt with promptFeedback.blockReason for a content filter without text', async () => {
    const response = await ai.models.generateContent({ model, contents: directive({ fault: { kind: 'content-filter' } }) });
    expect(response.promptFeedback?.blockReason).toBe('SAFETY');
    expect(response.candidates).toBeUndefined();
    expect(response.text).toBeUndefined();
  });

  it('should cut a streamed answer with finishReason SAFETY for a content filter with text', async () => {
    const chunks = await collect(await ai.models.generateContentStream({ model, contents: directive({ text: 'partial answer', fault: { kind: 'content-filter' } }) }));
    expect(chunks.map((c) => c.text).filter(Boolean)).toEqual(['partial', ' answer']);
    expect(chunks.at(-1)!.candidates?.[0]?.finishReason).toBe(FinishReason.SAFETY);
    expect(chunks.at(-1)!.candidates?.[0]?.safetyRatings?.some((r) => r.blocked)).toBe(true);
  });

  it('should take the inline PDF and file URI parts the SDK sends', async () => {
    const contents = [
      {
        role: 'user',
        parts: [
          { inlineData: { mimeType: 'application/pdf', data: pdfBase64() } },
          { fileData: { mimeType: 'application/pdf', fileUri: 'https://example.com/paper.pdf' } },
          { text: 'Summarise these.' },
        ],
      },
    ];
    const response = await ai.models.generateContent({ model, contents });
    expect(response.text).toBe('Echo: Summarise these.');
    expect(standIn.requests.at(-1)!.body.contents).toEqual(contents);
  });

  it('should reject parts Gemini rejects: unknown fields, two kinds of data in one part, MIME types it cannot read, bad base64', async () => {
    const send = async (part: object): Promise<string> => {
      const error = await ai.models.generateContent({ model, contents: [{ role: 'user', parts: [{ text: 'x' }, part] }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(400);
      return JSON.parse((error as ApiError).message).error.message as string;
    };
    // The SDK drops fields it does not know, so such a part arrives empty; sent by hand, the field is named.
    expect(await send({ document: { data: 'x' } })).toBe("* GenerateContentRequest.contents[0].parts[1].data: required oneof field 'data' must have one initialized field\n");
    const raw = await fetch(`${standIn.url}/v1beta/models/${model}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': GEMINI_STAND_IN_API_KEY },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ document: { data: 'x' } }] }] }),
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: { message: string } }).error.message).toBe(`Invalid JSON payload received. Unknown name "document" at 'contents[0].parts[0]': Cannot find field.`);
    // Which field is named depends on the order the SDK writes them in.
    expect(await send({ text: 'y', inlineData: { mimeType: 'application/pdf', data: 'JVBE' } })).toMatch(/^Invalid value at 'contents\[0\]\.parts\[1\]\.data' \(oneof\), oneof field 'data' is already set\. Cannot set '(text|inlineData)'$/);
    expect(await send({ inlineData: { mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', data: 'UEsDB' } })).toBe('Unsupported MIME type: application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(await send({ inlineData: { mimeType: 'application/pdf', data: 'data:application/pdf;base64,JVBE' } })).toMatch(/Base64 decoding failed/);
  });

  it('should answer an HTTP fault with an ApiError carrying the status and Google error body', async () => {
    const error = await ai.models.generateContent({ model, contents: directive({ fault: { kind: 'http', status: 429, retryAfter: '7' } }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(429);
    const body = JSON.parse((error as ApiError).message);
    expect(body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(body.error.details).toContainEqual({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' });
  });

  it('should fail a stream with the in-stream error record after some chunks on a midstream fault', async () => {
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of await ai.models.generateContentStream({ model, contents: directive({ text: 'a b c d', fault: { kind: 'midstream', afterChunks: 2 } }) })) seen.push(chunk.text ?? '');
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['a', ' b']);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(500);
  });

  it('should cut the connection after some chunks on a drop fault', async () => {
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of await ai.models.generateContentStream({ model, contents: directive({ text: 'a b c d', fault: { kind: 'drop', afterChunks: 1 } }) })) seen.push(chunk.text ?? '');
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['a']);
    expect(error).toBeInstanceOf(Error);
  });

  it('should reject a wrong API key with 400 API_KEY_INVALID and a missing one with 403', async () => {
    const wrong = new GoogleGenAI({ apiKey: 'not-the-key', httpOptions: { baseUrl: standIn.url } });
    const error = await wrong.models.generateContent({ model, contents: 'hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect(JSON.parse((error as ApiError).message).error.details[0]).toMatchObject({ reason: 'API_KEY_INVALID' });

    const missing = await fetch(`${standIn.url}/v1beta/models/${model}:generateContent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }) });
    expect(missing.status).toBe(403);
    expect(((await missing.json()) as { error: { status: string } }).error.status).toBe('PERMISSION_DENIED');
  });

  it('should refuse the whole request for a function name Gemini does not take, naming each with 400 INVALID_ARGUMENT', async () => {
    const declare = (...names: string[]) =>
      ai.models.generateContent({ model, contents: 'hi', config: { tools: [{ functionDeclarations: names.map((name) => ({ name, parametersJsonSchema: { type: 'object' } })) }] } });
    const error = await declare('Read', '1password_lookup', `mcp__${'x'.repeat(60)}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    const { message, status } = JSON.parse((error as ApiError).message).error;
    expect(status).toBe('INVALID_ARGUMENT');
    expect(message.match(/function_declarations\[(\d)\]\.name: Invalid function name/g)).toEqual([
      'function_declarations[1].name: Invalid function name',
      'function_declarations[2].name: Invalid function name',
    ]);
    expect((await declare('_1password_lookup', 'mcp.server:tool-1', 'x'.repeat(64))).text).toBe('Echo: hi');
  });

  it('should stop before a stop sequence, leaving it out, with finishReason STOP, streamed and not', async () => {
    const contents = directive({ text: 'one two END three' });
    const response = await ai.models.generateContent({ model, contents, config: { stopSequences: ['END'] } });
    expect(response.text).toBe('one two ');
    expect(response.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    expect(response.usageMetadata?.candidatesTokenCount).toBe(2);
    const chunks = await collect(await ai.models.generateContentStream({ model, contents, config: { stopSequences: ['END'] } }));
    expect(chunks.map((c) => c.text ?? '').join('')).toBe('one two ');
  });

  it('should count tokens', async () => {
    const response = await ai.models.countTokens({ model, contents: 'twelve chars' });
    expect(response.totalTokens).toBe(3);
  });

  it('should stream a JSON array without alt=sse', async () => {
    const response = await fetch(`${standIn.url}/v1beta/models/${model}:streamGenerateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': GEMINI_STAND_IN_API_KEY },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: directive({ text: 'x y' }) }] }] }),
    });
    const records = (await response.json()) as GenerateContentResponse[];
    expect(records.map((r) => r.candidates?.[0]?.content?.parts?.[0]?.text)).toEqual(['x', ' y']);
  });

  it('should leave a hanging request open until the client aborts', async () => {
    const controller = new AbortController();
    const pending = ai.models.generateContent({ model, contents: directive({ fault: { kind: 'hang' } }), config: { abortSignal: controller.signal } }).catch((e: unknown) => e);
    await expect.poll(() => standIn.requests.some((r) => JSON.stringify(r.body).includes('hang'))).toBe(true);
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    await standIn.requests.at(-1)!.closed;
  });
});
