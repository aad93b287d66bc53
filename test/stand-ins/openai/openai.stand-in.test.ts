import OpenAI, { APIError, AzureOpenAI } from 'openai';
import { startEntraStandIn, type EntraStandIn } from '../entra/server.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfBase64 } from '../pdf.js';
import { argumentChunks, directive } from '../script.js';
import { standInEmbedding } from './embeddings.js';
import { STAND_IN_API_KEY, startOpenAiStandIn, type OpenAiStandIn } from './server.js';

// The stand-in is only useful if it is OpenAI as far as clients can tell: the official SDK (its stream assembly,
// error classes, base64 embedding decoding, Azure client) is the judge.

const parallelCalls = directive({
  text: '',
  toolCalls: [
    { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
    { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' },
  ],
});

describe('OpenAI stand-in, judged by the openai SDK', () => {
  let standIn: OpenAiStandIn;
  let client: OpenAI;

  beforeAll(async () => {
    standIn = await startOpenAiStandIn();
    client = new OpenAI({ baseURL: standIn.url, apiKey: STAND_IN_API_KEY, maxRetries: 0 });
  });
  afterAll(() => standIn.close());

  it('answers a plain chat completion with an echo, finish reason and usage details', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }] });
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.choices[0]!.message.content).toBe('Echo: hello there');
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } });
    expect(standIn.requests.at(-1)!.headers.authorization).toBe(`Bearer ${STAND_IN_API_KEY}`);
  });

  it('streams parallel tool calls in argument pieces, then the include_usage chunk with empty choices', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: parallelCalls }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    // The script counts each argument piece and each call as an output token.
    const outputTokens = argumentChunks('{"city":"Paris","unit":"celsius"}').length + 1 + argumentChunks('{"timezone":"Europe/Paris"}').length + 1;
    expect(last.usage).toMatchObject({ completion_tokens: outputTokens, completion_tokens_details: { reasoning_tokens: 0 } });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    const deltas = chunks.flatMap((c) => c.choices.flatMap((choice) => choice.delta.tool_calls ?? []));
    expect(deltas.filter((d) => d.id !== undefined).map((d) => [d.index, d.id, d.function?.name])).toEqual([
      [0, 'call_00standin', 'get_weather'],
      [1, 'call_01standin', 'get_time'],
    ]);
    expect(deltas.filter((d) => d.index === 0).map((d) => d.function?.arguments ?? '').join('')).toBe('{"city":"Paris","unit":"celsius"}');
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('streams chunks that the SDK stream helper assembles into the same completion', async () => {
    const runner = client.chat.completions.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: parallelCalls }], stream_options: { include_usage: true } });
    const final = await runner.finalChatCompletion();
    const message = final.choices[0]!.message;
    expect(message.tool_calls?.map((c) => (c.type === 'function' ? [c.id, c.function.name, JSON.parse(c.function.arguments)] : []))).toEqual([
      ['call_00standin', 'get_weather', { city: 'Paris', unit: 'celsius' }],
      ['call_01standin', 'get_time', { timezone: 'Europe/Paris' }],
    ]);
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');

    const text = await client.chat.completions
      .stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `${directive({ text: 'Several words of text.', reasoning: 'Think first.' })}` }] })
      .finalChatCompletion();
    expect(text.choices[0]!.message.content).toBe('Several words of text.');
  });

  it('sends reasoning as reasoning_content deltas and counts it in reasoning_tokens', async () => {
    const stream = await client.chat.completions.create({
      model: 'o4-mini',
      messages: [{ role: 'user', content: directive({ text: 'Answer.', reasoning: 'Let me think.' }) }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let reasoning = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      reasoning += (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(reasoning).toBe('Let me think.');
    expect(usage?.completion_tokens_details?.reasoning_tokens).toBe(3);
  });

  it('returns float embeddings, and base64 ones the SDK decodes to the same numbers', async () => {
    const float = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'], encoding_format: 'float' });
    expect(float.data.map((d) => d.embedding)).toEqual([standInEmbedding('alpha'), standInEmbedding('beta')]);
    expect(float.usage).toEqual({ prompt_tokens: 2 + 1, total_tokens: 3 }); // ceil(chars / 4) per input
    const decoded = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'alpha', dimensions: 12 });
    expect(standIn.requests.at(-1)!.body).toMatchObject({ encoding_format: 'base64', dimensions: 12 });
    expect(decoded.data[0]!.embedding).toEqual(standInEmbedding('alpha', 12));
  });

  it('serves legacy completions, plain and streamed', async () => {
    const completion = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'say hi' });
    expect(completion.object).toBe('text_completion');
    expect(completion.choices[0]).toMatchObject({ text: 'Echo: say hi', finish_reason: 'stop' });
    const stream = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'say hi', stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('Echo: say hi');
    expect(usage).toMatchObject({ completion_tokens: 3 });
  });

  it('takes a PDF file part in a user message, and rejects file data that is not a base64 PDF data URL, or a file in a tool message', async () => {
    const file = { type: 'file' as const, file: { file_data: `data:application/pdf;base64,${pdfBase64()}`, filename: 'report.pdf' } };
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: [file, { type: 'text', text: 'Summarise.' }] }] });
    expect(completion.choices[0]!.message.content).toBe('Echo: Summarise.');
    expect((standIn.requests.at(-1)!.body as { messages: Array<{ content: unknown[] }> }).messages[0]!.content[0]).toEqual(file);

    const reject = (messages: OpenAI.ChatCompletionMessageParam[]) =>
      client.chat.completions.create({ model: 'gpt-4o-mini', messages }).then(() => { throw new Error('expected a 400'); }, (e: unknown) => e as InstanceType<typeof OpenAI.BadRequestError>);
    const markdown = await reject([{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'file', file: { file_data: 'data:text/markdown;base64,IyBoaQ==', filename: 'a.md' } }] }]);
    expect(markdown).toBeInstanceOf(OpenAI.BadRequestError);
    expect(markdown).toMatchObject({ code: 'invalid_value', param: 'messages[0].content[1].file.file_data', message: expect.stringContaining("but got unsupported MIME type 'text/markdown'.") });
    const bare = await reject([{ role: 'user', content: [{ type: 'file', file: { file_data: pdfBase64(), filename: 'a.pdf' } }] }]);
    expect(bare.message).toContain('but got an invalid base64-encoded value.');
    const inTool = await reject([
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'read', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: [file as unknown as OpenAI.ChatCompletionContentPartText] },
    ]);
    expect(inTool).toMatchObject({ param: 'messages[1].content[0].type', message: expect.stringContaining("Invalid value: 'file'. Supported values are: 'text'.") });
  });

  it('lists models', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('gpt-4o-mini');
  });

  it('answers a 429 fault that the SDK raises as RateLimitError with retry-after and x-ratelimit headers', async () => {
    const error = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: directive({ fault: { kind: 'http', status: 429, retryAfter: '7' } }) }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.code).toBe('rate_limit_exceeded');
    expect(rateLimit.headers.get('retry-after')).toBe('7');
    expect(rateLimit.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(rateLimit.headers.get('x-ratelimit-reset-requests')).toBe('7s');
  });

  it('answers a context-length fault as BadRequestError with code context_length_exceeded', async () => {
    const error = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: directive({ fault: { kind: 'http', status: 400, code: 'context_length_exceeded' } }) }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as APIError).code).toBe('context_length_exceeded');
    expect((error as APIError).param).toBe('messages');
    expect((error as APIError).message).toMatch(/maximum context length/);
  });

  it('rejects a wrong key with invalid_api_key', async () => {
    const wrong = new OpenAI({ baseURL: standIn.url, apiKey: 'sk-wrong-key-1234', maxRetries: 0 });
    const error = await wrong.models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as APIError).code).toBe('invalid_api_key');
  });

  it('sends a mid-stream error event that the SDK raises as APIError during iteration', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: directive({ text: 'one two three four', fault: { kind: 'midstream', afterChunks: 2, message: 'boom' } }) }],
      stream: true,
    });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(seen.join('')).toBe('one two');
    expect(error).toBeInstanceOf(APIError);
    expect((error as Error).message).toContain('boom');
  });

  it('ends a content-filter script with finish_reason content_filter', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: directive({ text: 'partial', fault: { kind: 'content-filter' } }) }] });
    expect(completion.choices[0]!.finish_reason).toBe('content_filter');
  });
});

describe('Azure OpenAI stand-in, judged by the AzureOpenAI client', () => {
  let standIn: OpenAiStandIn;
  let client: AzureOpenAI;

  beforeAll(async () => {
    standIn = await startOpenAiStandIn({ azure: true });
    client = new AzureOpenAI({ endpoint: standIn.url, apiKey: STAND_IN_API_KEY, apiVersion: '2024-10-21', deployment: 'my-gpt4o', maxRetries: 0 });
  });
  afterAll(() => standIn.close());

  it('serves chat completions at the deployment URL with api-version and the api-key header', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]!.message.content).toBe('Echo: hi');
    const request = standIn.requests.at(-1)!;
    expect(request.path).toBe('/openai/deployments/my-gpt4o/chat/completions');
    expect(request.query['api-version']).toBe('2024-10-21');
    expect(request.headers['api-key']).toBe(STAND_IN_API_KEY);
    expect(request.headers.authorization).toBeUndefined();
  });

  it('streams with the prompt_filter_results chunk first, which the SDK stream helper tolerates', async () => {
    const final = await client.chat.completions
      .stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello azure' }], stream_options: { include_usage: true } })
      .finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('Echo: hello azure');
    expect(final.usage?.prompt_tokens).toBe(3);
  });

  it('serves embeddings under the deployment', async () => {
    const result = await client.embeddings.create({ model: 'emb', input: 'alpha', encoding_format: 'float' });
    expect(result.data[0]!.embedding).toEqual(standInEmbedding('alpha'));
    expect(standIn.requests.at(-1)!.path).toBe('/openai/deployments/my-gpt4o/embeddings');
  });

  it("answers a prompt the content filter blocks with Azure's 400 content_filter body", async () => {
    const error = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: directive({ fault: { kind: 'http', status: 400, code: 'content_filter' } }) }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as APIError).code).toBe('content_filter');
  });

  it('refuses stream_options on an api-version older than 2024-09-01-preview, as Azure does, and streams without them', async () => {
    const old = new AzureOpenAI({ endpoint: standIn.url, apiKey: STAND_IN_API_KEY, apiVersion: '2024-06-01', deployment: 'my-gpt4o', maxRetries: 0 });
    const messages = [{ role: 'user' as const, content: 'old version' }];
    const error = await old.chat.completions.create({ model: 'gpt-4o', messages, stream: true, stream_options: { include_usage: true } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as APIError).message).toContain('Unrecognized request argument supplied: stream_options');
    const final = await old.chat.completions.stream({ model: 'gpt-4o', messages }).finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('Echo: old version');
    expect(final.usage).toBeUndefined();
    // A newer one takes them.
    const usage = await client.chat.completions.stream({ model: 'gpt-4o', messages, stream_options: { include_usage: true } }).finalChatCompletion();
    expect(usage.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('refuses max_completion_tokens on an api-version older than 2024-09-01-preview, as Azure does, and takes max_tokens', async () => {
    const old = new AzureOpenAI({ endpoint: standIn.url, apiKey: STAND_IN_API_KEY, apiVersion: '2024-06-01', deployment: 'my-gpt4o', maxRetries: 0 });
    const messages = [{ role: 'user' as const, content: 'old version' }];
    const error = await old.chat.completions.create({ model: 'gpt-4o', messages, max_completion_tokens: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as APIError).message).toContain('Unrecognized request argument supplied: max_completion_tokens');
    expect((await old.chat.completions.create({ model: 'gpt-4o', messages, max_tokens: 50 })).choices[0]!.message.content).toBe('Echo: old version');
    expect((await client.chat.completions.create({ model: 'gpt-4o', messages, max_completion_tokens: 50 })).choices[0]!.message.content).toBe('Echo: old version');
  });

  it('rejects a wrong api-key with 401', async () => {
    const wrong = new AzureOpenAI({ endpoint: standIn.url, apiKey: 'nope', apiVersion: '2024-10-21', deployment: 'd', maxRetries: 0 });
    const error = await wrong.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe('a strict compatible stand-in (Mistral-like), judged by the openai SDK', () => {
  let standIn: OpenAiStandIn;
  let client: OpenAI;

  beforeAll(async () => {
    standIn = await startOpenAiStandIn({ apiKey: null, strictBody: true });
    client = new OpenAI({ apiKey: 'unused', baseURL: standIn.url, maxRetries: 0 });
  });
  afterAll(() => standIn.close());

  it('refuses stream_options with a 422 naming them, and puts the usage on the last chunk of every stream unasked', async () => {
    const messages = [{ role: 'user' as const, content: 'strict' }];
    const error = await client.chat.completions.create({ model: 'm', messages, stream: true, stream_options: { include_usage: true } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.UnprocessableEntityError);
    // The body is pydantic's, not OpenAI's error object (so the SDK's message says nothing more).
    const res = await fetch(`${standIn.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages, stream: true, stream_options: { include_usage: true } }) });
    expect(await res.json()).toMatchObject({ object: 'error', message: { detail: [{ type: 'extra_forbidden', loc: ['body', 'stream_options'] }] }, type: 'invalid_request_error' });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of await client.chat.completions.create({ model: 'm', messages, stream: true })) chunks.push(chunk);
    expect(chunks.at(-1)).toMatchObject({ choices: [{ finish_reason: 'stop' }], usage: { completion_tokens: 2 } });
  });

  it('refuses every chat field it does not know, one entry per field, and takes its own', async () => {
    const messages = [{ role: 'user' as const, content: 'strict' }];
    const body = { model: 'm', messages, metadata: { a: 'b' }, user: 'u', random_seed: 1, safe_prompt: false, n: 1 };
    const res = await fetch(`${standIn.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { message: { detail: Array<{ loc: string[] }> } }).message.detail.map((d) => d.loc)).toEqual([
      ['body', 'metadata'],
      ['body', 'user'],
    ]);
    const error = await client.chat.completions.create({ model: 'm', messages, user: 'u' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.UnprocessableEntityError);
    const answer = await client.chat.completions.create({ model: 'm', messages, temperature: 0.1, max_tokens: 10, parallel_tool_calls: false });
    expect(answer.choices[0]!.message.content).toBe('Echo: strict');
  });
});

describe('Azure OpenAI stand-in with key access disabled, judged by the AzureOpenAI client with an Entra ID token provider', () => {
  const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const CLIENT = '0b4e7c4a-1f2d-4c3b-9a8e-5d6f7a8b9c0d';
  let entra: EntraStandIn;
  let standIn: OpenAiStandIn;

  beforeAll(async () => {
    entra = await startEntraStandIn([{ tenant: TENANT, clientId: CLIENT, clientSecret: 'client-secret-value' }]);
    standIn = await startOpenAiStandIn({ azure: true, entra, keyAuthDisabled: true });
  });
  afterAll(async () => {
    await standIn.close();
    await entra.close();
  });

  /** What `@azure/identity`'s ClientSecretCredential does: the client credentials grant at the tenant's token endpoint. */
  async function entraToken(secret = 'client-secret-value'): Promise<string> {
    const res = await fetch(`${entra.url}/${TENANT}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: CLIENT, client_secret: secret, scope: 'https://cognitiveservices.azure.com/.default', grant_type: 'client_credentials' }),
    });
    const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
    if (!res.ok) throw new Error(`${res.status} ${body.error}: ${body.error_description}`);
    return body.access_token!;
  }

  it('serves a client that authenticates with its Entra ID token, sent as a bearer', async () => {
    const client = new AzureOpenAI({ endpoint: standIn.url, azureADTokenProvider: () => entraToken(), apiVersion: '2024-10-21', deployment: 'my-gpt4o', maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]!.message.content).toBe('Echo: hi');
    const request = standIn.requests.at(-1)!;
    expect(request.headers['api-key']).toBeUndefined();
    expect(entra.verify(String(request.headers.authorization).replace(/^Bearer /, ''))).toBe(true);
  });

  it("answers an expired token with Azure's 401 and an api-key with its 403 AuthenticationTypeDisabled", async () => {
    const token = await entraToken();
    entra.expireAll();
    const expired = new AzureOpenAI({ endpoint: standIn.url, azureADTokenProvider: async () => token, apiVersion: '2024-10-21', deployment: 'my-gpt4o', maxRetries: 0 });
    const unauthorized = await expired.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(OpenAI.AuthenticationError);
    // Azure's body has no `error` object (the SDK says "no body"); its words are in `message`.
    const raw = await fetch(`${standIn.url}/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect([raw.status, await raw.json()]).toEqual([401, { statusCode: 401, message: 'Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.' }]);
    const keyed = new AzureOpenAI({ endpoint: standIn.url, apiKey: STAND_IN_API_KEY, apiVersion: '2024-10-21', deployment: 'my-gpt4o', maxRetries: 0 });
    const forbidden = await keyed.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(forbidden).toMatchObject({ code: 'AuthenticationTypeDisabled', message: expect.stringContaining('Key based authentication is disabled for this resource.') });
  });

  it("refuses a wrong client secret with Entra ID's invalid_client and AADSTS7000215", async () => {
    await expect(entraToken('wrong')).rejects.toThrow(/^401 invalid_client: AADSTS7000215: Invalid client secret provided\./);
  });
});

