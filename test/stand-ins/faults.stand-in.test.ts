import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STAND_IN_API_KEY as ANTHROPIC_KEY, startAnthropicStandIn } from './anthropic/server.js';
import type { FaultPlan } from './faults.js';
import { STAND_IN_API_KEY as OPENAI_KEY, startOpenAiStandIn } from './openai/server.js';
import { directive } from './script.js';

/**
 * Server-level faults, judged by each provider's official SDK: one contract, run against every stand-in that takes
 * `inject`, so a routing test can make one deployment fail or lag and trust that the failure looks like the
 * provider's own.
 */

/** What the contract needs of a stand-in; both stand-ins' own types have more. */
interface FaultableStandIn {
  readonly url: string;
  inferenceRequests(): readonly { readonly receivedAt: number }[];
  inject(plan: FaultPlan): void;
  clearFaults(): void;
  dropConnections(): void;
  close(): Promise<void>;
}

interface Answer {
  readonly text: string;
  /** The provider's own finish / stop reason. */
  readonly finish: string | null;
}

/** One provider's SDK reduced to what the contract asks of it. */
interface Client {
  ask(prompt: string): Promise<Answer>;
  /** Streams the answer: the text deltas seen and the error that ended the stream, if one did. */
  stream(prompt: string): Promise<{ readonly deltas: string[]; readonly error: unknown }>;
  /** A streamed request's raw response, resolved as soon as its headers arrive. */
  headers(prompt: string): Promise<Response>;
  /** A request to a route that is not inference (model list, token count). */
  other(): Promise<unknown>;
}

type ErrorClass = abstract new (...args: never[]) => Error;

interface Provider {
  readonly name: string;
  start(): Promise<FaultableStandIn>;
  client(standIn: FaultableStandIn, options?: { maxRetries?: number; timeout?: number }): Client;
  readonly errors: { readonly RateLimit: ErrorClass; readonly InternalServer: ErrorClass; readonly BadRequest: ErrorClass; readonly API: ErrorClass; readonly Connection: ErrorClass; readonly Timeout: ErrorClass };
  /** The provider's words for a prompt longer than the context window. */
  readonly contextLength: RegExp;
  /** The finish reason of an answer the provider's content filter stopped. */
  readonly filtered: string;
}

function openAiClient(sdk: OpenAI, model: string): Client {
  const create = (prompt: string) => ({ model, messages: [{ role: 'user' as const, content: prompt }] });
  return {
    ask: async (prompt) => {
      const completion = await sdk.chat.completions.create(create(prompt));
      return { text: completion.choices[0]!.message.content ?? '', finish: completion.choices[0]!.finish_reason };
    },
    stream: async (prompt) => {
      const deltas: string[] = [];
      try {
        for await (const chunk of await sdk.chat.completions.create({ ...create(prompt), stream: true })) {
          const content = chunk.choices[0]?.delta.content;
          if (content) deltas.push(content);
        }
        return { deltas, error: undefined };
      } catch (error) {
        return { deltas, error };
      }
    },
    headers: (prompt) => sdk.chat.completions.create({ ...create(prompt), stream: true }).asResponse(),
    other: () => sdk.models.list().catch((e: unknown) => e),
  };
}

const OPENAI_ERRORS = {
  RateLimit: OpenAI.RateLimitError,
  InternalServer: OpenAI.InternalServerError,
  BadRequest: OpenAI.BadRequestError,
  API: OpenAI.APIError,
  Connection: OpenAI.APIConnectionError,
  Timeout: OpenAI.APIConnectionTimeoutError,
};

const PROVIDERS: Provider[] = [
  {
    name: 'OpenAI (openai SDK)',
    start: () => startOpenAiStandIn(),
    client: (standIn, options) => openAiClient(new OpenAI({ baseURL: standIn.url, apiKey: OPENAI_KEY, maxRetries: 0, ...options }), 'gpt-4o-mini'),
    errors: OPENAI_ERRORS,
    contextLength: /This model's maximum context length is 128000 tokens\. However, your messages resulted in \d+ tokens/,
    filtered: 'content_filter',
  },
  {
    name: 'Azure OpenAI (AzureOpenAI client)',
    start: () => startOpenAiStandIn({ azure: true }),
    client: (standIn, options) =>
      openAiClient(new AzureOpenAI({ endpoint: standIn.url, apiKey: OPENAI_KEY, apiVersion: '2024-10-21', deployment: 'my-gpt4o', maxRetries: 0, ...options }), 'gpt-4o'),
    errors: OPENAI_ERRORS,
    contextLength: /This model's maximum context length is 128000 tokens/,
    filtered: 'content_filter',
  },
  {
    name: 'Anthropic (@anthropic-ai/sdk)',
    start: () => startAnthropicStandIn(),
    client: (standIn, options) => {
      const sdk = new Anthropic({ baseURL: standIn.url, apiKey: ANTHROPIC_KEY, maxRetries: 0, ...options });
      const create = (prompt: string) => ({ model: 'claude-sonnet-4-6', max_tokens: 256, messages: [{ role: 'user' as const, content: prompt }] });
      return {
        ask: async (prompt) => {
          const message = await sdk.messages.create(create(prompt));
          return { text: message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join(''), finish: message.stop_reason };
        },
        stream: async (prompt) => {
          const deltas: string[] = [];
          const stream = sdk.messages.stream(create(prompt));
          stream.on('text', (delta) => deltas.push(delta));
          const error = await stream.finalMessage().then(() => undefined, (e: unknown) => e);
          return { deltas, error };
        },
        headers: (prompt) => sdk.messages.create({ ...create(prompt), stream: true }).asResponse(),
        other: () => sdk.messages.countTokens({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hi' }] }),
      };
    },
    errors: {
      RateLimit: Anthropic.RateLimitError,
      InternalServer: Anthropic.InternalServerError,
      BadRequest: Anthropic.BadRequestError,
      API: Anthropic.APIError,
      Connection: Anthropic.APIConnectionError,
      Timeout: Anthropic.APIConnectionTimeoutError,
    },
    contextLength: /prompt is too long: \d+ tokens > 200000 maximum/,
    filtered: 'refusal',
  },
];

const failure = <T>(promise: Promise<T>): Promise<unknown> => promise.then(() => { throw new Error('expected the request to fail'); }, (e: unknown) => e);

describe.each(PROVIDERS)('Server-level faults: $name', (provider) => {
  let standIn: FaultableStandIn;
  let client: Client;

  beforeAll(async () => {
    standIn = await provider.start();
    client = provider.client(standIn);
  });
  afterEach(() => standIn.clearFaults());
  afterAll(() => standIn.close());

  it("should answer an injected 429 with the SDK's RateLimitError carrying retry-after, over the script's own fault", async () => {
    standIn.inject({ fault: { kind: 'http', status: 429, retryAfter: '7' } });
    for (const prompt of ['hello', directive({ fault: { kind: 'http', status: 500 } })]) {
      const error = await failure(client.ask(prompt));
      expect(error).toBeInstanceOf(provider.errors.RateLimit);
      expect((error as { headers: Headers }).headers.get('retry-after')).toBe('7');
    }
  });

  it('should fault exactly `times` requests, taking queued plans in order, then answer normally', async () => {
    const before = standIn.inferenceRequests().length;
    standIn.inject({ fault: { kind: 'http', status: 500 }, times: 1 });
    standIn.inject({ fault: { kind: 'http', status: 429 }, times: 2 });
    expect(await failure(client.ask('hello'))).toBeInstanceOf(provider.errors.InternalServer);
    expect(await failure(client.ask('hello'))).toBeInstanceOf(provider.errors.RateLimit);
    expect(await failure(client.ask('hello'))).toBeInstanceOf(provider.errors.RateLimit);
    expect(await client.ask('hello')).toMatchObject({ text: 'Echo: hello' });
    expect(standIn.inferenceRequests().length - before).toBe(4);
  });

  it('should keep faulting until clearFaults, then answer normally', async () => {
    standIn.inject({ fault: { kind: 'http', status: 503 } });
    for (let i = 0; i < 3; i++) expect(await failure(client.ask('hello'))).toBeInstanceOf(provider.errors.InternalServer);
    standIn.clearFaults();
    expect(await client.ask('hello')).toMatchObject({ text: 'Echo: hello' });
  });

  it('should let a retry wait out retry-after, as the arrival times of the two requests show', async () => {
    standIn.inject({ fault: { kind: 'http', status: 429, retryAfter: '1' }, times: 1 });
    const retrying = provider.client(standIn, { maxRetries: 1 });
    expect(await retrying.ask('hello')).toMatchObject({ text: 'Echo: hello' });
    const [first, second] = standIn.inferenceRequests().slice(-2);
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(1000);
  });

  it('should count only inference requests', async () => {
    const before = standIn.inferenceRequests().length;
    standIn.inject({ fault: { kind: 'http', status: 500 } });
    await client.other();
    await failure(client.ask('hello'));
    expect(standIn.inferenceRequests().length - before).toBe(1);
  });

  it('should delay the response headers by latencyMs, and only on the requests the plan covers', async () => {
    standIn.inject({ latencyMs: 300, times: 1 });
    let start = Date.now();
    let response = await client.headers('hello');
    expect(Date.now() - start).toBeGreaterThanOrEqual(300);
    expect(response.status).toBe(200);
    await response.text();
    start = Date.now();
    response = await client.headers('hello');
    expect(Date.now() - start).toBeLessThan(300);
    await response.text();
  });

  it('should pause chunkDelayMs between streamed chunks', async () => {
    standIn.inject({ chunkDelayMs: 100, times: 1 });
    const start = Date.now();
    const { deltas, error } = await client.stream(directive({ text: 'one two three' }));
    expect(Date.now() - start).toBeGreaterThanOrEqual(300);
    expect({ deltas, error }).toEqual({ deltas: ['one', ' two', ' three'], error: undefined });
  });

  it('should cut a stream off after afterChunks chunks on an injected drop, which the SDK raises', async () => {
    standIn.inject({ fault: { kind: 'drop', afterChunks: 2 }, times: 1 });
    const { deltas, error } = await client.stream(directive({ text: 'one two three four' }));
    expect(deltas).toEqual(['one', ' two']);
    expect(error).toBeInstanceOf(Error);
  });

  it("should end a stream with the provider's error event on an injected midstream fault", async () => {
    standIn.inject({ fault: { kind: 'midstream', afterChunks: 1 }, times: 1 });
    const { deltas, error } = await client.stream('one two three');
    expect(deltas).toEqual(['Echo:']);
    expect(error).toBeInstanceOf(provider.errors.API);
  });

  it("should answer an injected context_length_exceeded with the provider's 400 and wording", async () => {
    standIn.inject({ fault: { kind: 'http', status: 400, code: 'context_length_exceeded' }, times: 1 });
    const error = await failure(client.ask('hello'));
    expect(error).toBeInstanceOf(provider.errors.BadRequest);
    expect((error as Error).message).toMatch(provider.contextLength);
  });

  it("should stop an answer with the provider's content-filter finish", async () => {
    standIn.inject({ fault: { kind: 'content-filter' }, times: 1 });
    expect((await client.ask('hello')).finish).toBe(provider.filtered);
  });

  it('should hang on an injected hang until the client times out, or until dropConnections cuts it', async () => {
    standIn.inject({ fault: { kind: 'hang' }, times: 2 });
    expect(await failure(provider.client(standIn, { timeout: 200 }).ask('hello'))).toBeInstanceOf(provider.errors.Timeout);
    const before = standIn.inferenceRequests().length;
    const hanging = failure(client.ask('hello'));
    await expect.poll(() => standIn.inferenceRequests().length).toBe(before + 1);
    standIn.dropConnections();
    expect(await hanging).toBeInstanceOf(provider.errors.Connection);
    expect(await client.ask('hello')).toMatchObject({ text: 'Echo: hello' });
  });
});

describe('Server-level faults on every OpenAI inference route', () => {
  let standIn: Awaited<ReturnType<typeof startOpenAiStandIn>>;
  let sdk: OpenAI;

  beforeAll(async () => {
    standIn = await startOpenAiStandIn();
    sdk = new OpenAI({ baseURL: standIn.url, apiKey: OPENAI_KEY, maxRetries: 0 });
  });
  afterAll(() => standIn.close());

  it('should fault chat, completions, responses and embeddings, but not the model list', async () => {
    standIn.inject({ fault: { kind: 'http', status: 500 } });
    const calls: (() => Promise<unknown>)[] = [
      () => sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      () => sdk.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'hi' }),
      () => sdk.responses.create({ model: 'gpt-4o-mini', input: 'hi' }),
      () => sdk.embeddings.create({ model: 'text-embedding-3-small', input: 'hi' }),
    ];
    for (const call of calls) expect(await failure(call())).toBeInstanceOf(OpenAI.InternalServerError);
    expect((await sdk.models.list()).data.length).toBeGreaterThan(0);
    expect(standIn.inferenceRequests().map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/completions', '/v1/responses', '/v1/embeddings']);
  });

  it('should cut a streamed Responses answer off on an injected drop', async () => {
    standIn.clearFaults();
    standIn.inject({ fault: { kind: 'drop', afterChunks: 1 }, times: 1 });
    const deltas: string[] = [];
    const error = await (async () => {
      for await (const event of await sdk.responses.create({ model: 'gpt-4o-mini', input: 'one two three', stream: true })) {
        if (event.type === 'response.output_text.delta') deltas.push(event.delta);
      }
    })().catch((e: unknown) => e);
    expect(deltas).toEqual(['Echo:']);
    expect(error).toBeInstanceOf(Error);
  });
});
