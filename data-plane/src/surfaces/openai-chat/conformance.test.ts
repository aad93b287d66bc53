import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { directive, type Script } from '../../../../test/stand-ins/script.js';
import { KEYS } from '../../test-support/fixtures.js';
import { startTranslatedRig, type TranslatedRig } from '../../test-support/translated-rig.js';

/**
 * `POST /v1/chat/completions` with a TRANSLATED model behind Tollgate (Anthropic, Gemini, Bedrock stand-ins), as a
 * client of OpenAI's real API (the `openai` SDK, LangChain, Open WebUI) expects it: each test's comment says what
 * OpenAI (or the provider behind) does and where that is documented.
 *
 * Deployments (`startTranslatedRig`): c-anthropic (Claude on Anthropic), c-gemini (Gemini 2.5 Flash), c-bedrock (Claude on
 * Bedrock Converse).
 */

let rig: TranslatedRig;
let openai: OpenAI;
beforeAll(async () => {
  rig = await startTranslatedRig('c');
  openai = new OpenAI({ apiKey: KEYS.full, baseURL: `${rig.t.baseUrl}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await rig?.close();
});
beforeEach(() => {
  rig.anthropic.requests.length = 0;
  rig.gemini.requests.length = 0;
  rig.bedrock.requests.length = 0;
});

/** A chat completions request as raw JSON (so fields the SDK types lack, or bad values, can be sent). */
async function post(body: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const res = await fetch(`${rig.t.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.full}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
}

const ask = (script: Script) => [{ role: 'user' as const, content: `go ${directive(script)}` }];
const lastAnthropicBody = () => rig.anthropic.inferenceRequests().at(-1)?.body as Record<string, any>;
const lastGeminiBody = () => rig.gemini.requests.at(-1)?.body as Record<string, any>;
const lastBedrockBody = () => rig.bedrock.requests.at(-1)?.body as Record<string, any>;

const weather = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

/** The second request of an agent loop (`runTools`, LangChain's AgentExecutor): the model called a tool, here is the result. */
const toolLoop = [
  { role: 'user' as const, content: 'What is the weather in Paris?' },
  { role: 'assistant' as const, content: null, tool_calls: [{ id: 'toolu_01', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
  { role: 'tool' as const, tool_call_id: 'toolu_01', content: '21°C and sunny' },
];

describe('reasoning_effort with tools on Claude', () => {
  // Anthropic: "When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding
  // the lastmost set of `tool_use` and `tool_result` blocks) ... To avoid this requirement, disable `thinking`" (the
  // 400 Anthropic answers; https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#preserving-thinking-blocks).
  // An OpenAI chat client can never send signed thinking back (the surface exposes only `reasoning_content` text, no
  // signature), so with `reasoning_effort` every second turn of a tool loop (runTools, LangChain agents, Open WebUI
  // native tools) is a request Anthropic refuses. OpenAI itself takes reasoning_effort + tools on every turn.
  it('anthropic: the request after a tool call is one Anthropic accepts (thinking off, or the last assistant turn led by thinking)', async () => {
    const { status } = await post({ model: 'c-anthropic', messages: toolLoop, tools: [weather], reasoning_effort: 'low' });
    expect(status).toBe(200);
    const body = lastAnthropicBody();
    const lastAssistant = (body.messages as { role: string; content: { type: string }[] }[]).filter((m) => m.role === 'assistant').at(-1)!;
    const accepted = body.thinking === undefined || ['thinking', 'redacted_thinking'].includes(lastAssistant.content[0]!.type);
    expect(accepted, `thinking ${JSON.stringify(body.thinking)} with a final assistant turn starting ${lastAssistant.content[0]!.type}`).toBe(true);
    // The first turn of the loop still thinks.
    await post({ model: 'c-anthropic', messages: toolLoop.slice(0, 1), tools: [weather], reasoning_effort: 'low' });
    expect(lastAnthropicBody().thinking).toMatchObject({ type: 'enabled' });
  });

  // The same rule holds for Claude on Bedrock (Bedrock relays Anthropic's 400: "The model returned the following
  // errors: messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`...").
  it('bedrock (Claude): the request after a tool call is one Claude accepts', async () => {
    const { status } = await post({ model: 'c-bedrock', messages: toolLoop, tools: [weather], reasoning_effort: 'low' });
    expect(status).toBe(200);
    const body = lastBedrockBody();
    const thinking = body.additionalModelRequestFields?.thinking;
    const lastAssistant = (body.messages as { role: string; content: Record<string, unknown>[] }[]).filter((m) => m.role === 'assistant').at(-1)!;
    const accepted = thinking === undefined || 'reasoningContent' in lastAssistant.content[0]!;
    expect(accepted, `thinking ${JSON.stringify(thinking)} with a final assistant turn starting ${Object.keys(lastAssistant.content[0]!)[0]}`).toBe(true);
  });

  // Anthropic: "Tool use with thinking only supports tool_choice: {"type": "auto"} (the default) or {"type": "none"}.
  // Using {"type": "any"} or {"type": "tool", ...} will result in an error" (400 "Thinking may not be enabled when
  // tool_choice forces tool use"; https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#extended-thinking-with-tool-use).
  // OpenAI takes reasoning_effort with tool_choice `required` or a named function (structured extraction, LangChain's
  // with_structured_output(method="function_calling"), `.parse()` with forced tools).
  it('anthropic: reasoning_effort with tool_choice "required" never sends thinking together with forced tool use', async () => {
    const { status } = await post({ model: 'c-anthropic', messages: [{ role: 'user', content: 'Paris?' }], tools: [weather], tool_choice: 'required', reasoning_effort: 'low' });
    expect(status).toBe(200);
    const body = lastAnthropicBody();
    const forced = ['any', 'tool'].includes(body.tool_choice?.type);
    expect(forced && body.thinking !== undefined, `thinking ${JSON.stringify(body.thinking)} with tool_choice ${JSON.stringify(body.tool_choice)}`).toBe(false);
  });
});

describe('parameters a translated model cannot honour', () => {
  // OpenAI: `logprobs: true` "returns the log probabilities of each output token returned in the content of message"
  // (https://platform.openai.com/docs/api-reference/chat/create#chat-create-logprobs) in choices[].logprobs.content.
  // Behind a translation the field is dropped (it goes to `passthrough`, which only an OpenAI-protocol adapter reads) and the
  // answer says `logprobs: null`, as if the client had not asked: classifiers/confidence scoring silently get nothing.
  // Tollgate's own Responses surface (refuseLogprobs) and legacy completions answer a 400 naming the parameter instead.
  it('logprobs: true is either honoured or refused with a 400 naming logprobs, never answered with logprobs: null', async () => {
    for (const name of ['c-anthropic', 'c-gemini', 'c-bedrock']) {
      const { status, json } = await post({ model: name, messages: [{ role: 'user', content: 'hi' }], logprobs: true, top_logprobs: 3 });
      expect({ status, param: json.error?.param }, name).toEqual({ status: 400, param: 'logprobs' });
    }
  });

  // OpenAI: `web_search_options` makes a search model (gpt-4o-search-preview) search the web before answering, with
  // `url_citation` annotations (https://platform.openai.com/docs/guides/tools-web-search?api-mode=chat); `audio` with
  // `modalities: ["text", "audio"]` asks for a spoken answer in `message.audio` (gpt-4o-audio-preview). Behind a
  // translation both were dropped: the model answered from memory as if it had searched, and an audio client found no
  // `message.audio`. Nothing reaches the provider.
  it('web search, audio output and logit_bias are refused with a 400 naming the parameter', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ web_search_options: { search_context_size: 'low' } }, 'web_search_options'],
      [{ modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } }, 'audio'],
      [{ modalities: ['text', 'audio'] }, 'modalities'],
      // Token ids of OpenAI's tokenizer ("the bias is added to the logits generated by the model"): meaningless elsewhere.
      [{ logit_bias: { '50256': -100 } }, 'logit_bias'],
    ];
    for (const name of ['c-anthropic', 'c-gemini', 'c-bedrock']) {
      for (const [extra, param] of cases) {
        const { status, json } = await post({ model: name, messages: [{ role: 'user', content: 'news today?' }], ...extra });
        expect({ status, param: json.error?.param, type: json.error?.type }, `${name} ${param}`).toEqual({ status: 400, param, type: 'invalid_request_error' });
      }
    }
    // Custom (freeform) tools: translated on the Responses surface only; here a 400 that says so, not "expected function".
    const custom = { type: 'custom', custom: { name: 'apply_patch', description: 'Edit files.' } };
    for (const body of [{ tools: [custom] }, { tools: [{ type: 'function', function: { name: 'f' } }, custom], tool_choice: { type: 'custom', custom: { name: 'apply_patch' } } }]) {
      const { status, json } = await post({ model: 'c-anthropic', messages: [{ role: 'user', content: 'patch it' }], ...body });
      expect({ status, param: json.error?.param }).toEqual({ status: 400, param: body.tools.length === 1 ? 'tools[0].type' : 'tools[1].type' });
      expect(json.error?.message).toMatch(/custom tools are not available in chat completions for this model: send the request to \/v1\/responses/);
    }
    expect(rig.anthropic.inferenceRequests().length + rig.gemini.requests.length + rig.bedrock.requests.length).toBe(0);
    // Text only, as every client that does not ask for audio sends it, and an empty bias (LangChain's default) are answered.
    expect((await post({ model: 'c-gemini', messages: [{ role: 'user', content: 'hi' }], modalities: ['text'], logit_bias: {} })).status).toBe(200);
  });

  // OpenAI: `tool_choice: "required"` "means the model must call one or more tools"; without `tools` OpenAI answers a 400
  // naming tool_choice (Tollgate's Responses surface does the same: checkToolChoice). Here the choice is dropped and the
  // client that relies on a forced call gets plain text with finish_reason "stop".
  it('tool_choice "required" without tools is a 400 naming tool_choice', async () => {
    const { status, json } = await post({ model: 'c-anthropic', messages: [{ role: 'user', content: 'hi' }], tool_choice: 'required' });
    expect({ status, param: json.error?.param }).toEqual({ status: 400, param: 'tool_choice' });
  });

  // OpenAI: `parallel_tool_calls: false` makes the model call at most one tool per turn
  // (https://platform.openai.com/docs/guides/function-calling#parallel-function-calling). The Anthropic adapter maps it
  // (disable_parallel_tool_use); the Gemini adapter drops it, so a Gemini answer with two calls reaches a client that
  // asked for one at a time (sequential agents execute both, or fail on the second).
  it('gemini: parallel_tool_calls false never yields more than one tool call', async () => {
    const completion = await openai.chat.completions.create({
      model: 'c-gemini',
      messages: ask({ toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }, { name: 'get_weather', arguments: '{"city":"Rome"}' }] }),
      tools: [weather],
      parallel_tool_calls: false,
    });
    expect(completion.choices[0]!.message.tool_calls?.length ?? 0).toBeLessThanOrEqual(1);
  });
});

describe('the deprecated functions / function_call', () => {
  // OpenAI still serves the deprecated `functions` / `function_call` parameters (the request's tools in their legacy
  // form, answered with message.function_call and finish_reason "function_call", one call per turn, streamed as
  // delta.function_call; https://platform.openai.com/docs/api-reference/chat/create#chat-create-functions), and older
  // LangChain / LlamaIndex code sends them. Behind a translation they are tools, and the answer is in the legacy form.
  const call = { name: 'get_weather', arguments: '{"city":"Paris"}' };
  const twoCalls: Script = { toolCalls: [call, { name: 'get_weather', arguments: '{"city":"Rome"}' }] };

  it('reach the model as a tool, forced by function_call {name}, one call at a time; answered as message.function_call', async () => {
    for (const name of ['c-anthropic', 'c-gemini', 'c-bedrock']) {
      const completion = await openai.chat.completions.create({
        model: name,
        messages: ask(twoCalls),
        functions: [weather.function],
        function_call: { name: 'get_weather' },
      });
      const choice = completion.choices[0]!;
      expect({ finish: choice.finish_reason, call: choice.message.function_call, toolCalls: choice.message.tool_calls }, name).toEqual({
        finish: 'function_call',
        call,
        toolCalls: undefined,
      });
    }
    // What each provider was asked: the function as a tool, that tool forced, no parallel calls where there is a switch.
    expect(lastAnthropicBody().tools.map((t: { name: string }) => t.name)).toEqual(['get_weather']);
    expect(lastAnthropicBody().tool_choice).toEqual({ type: 'tool', name: 'get_weather', disable_parallel_tool_use: true });
    expect(lastGeminiBody().toolConfig.functionCallingConfig).toEqual({ mode: 'ANY', allowedFunctionNames: ['get_weather'] });
    expect(lastBedrockBody().toolConfig.toolChoice).toEqual({ tool: { name: 'get_weather' } });
  });

  it('stream as delta.function_call, the SDK assembling the call', async () => {
    for (const name of ['c-anthropic', 'c-gemini', 'c-bedrock']) {
      const stream = openai.chat.completions.stream({ model: name, messages: ask(twoCalls), functions: [weather.function] });
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      stream.on('chunk', (chunk) => chunks.push(chunk));
      const final = await stream.finalChatCompletion();
      expect({ finish: final.choices[0]!.finish_reason, call: final.choices[0]!.message.function_call }, name).toEqual({ finish: 'function_call', call });
      expect(chunks.some((c) => c.choices[0]?.delta.tool_calls), name).toBe(false);
      expect(chunks.filter((c) => c.choices[0]?.delta.function_call?.name).map((c) => c.choices[0]!.delta.function_call!.name), name).toEqual(['get_weather']);
    }
  });

  it('function_call "none" lets the model answer in text; "auto" lets it call', async () => {
    const text = await openai.chat.completions.create({ model: 'c-anthropic', messages: ask({ text: 'No call.' }), functions: [weather.function], function_call: 'none' });
    expect({ finish: text.choices[0]!.finish_reason, content: text.choices[0]!.message.content }).toEqual({ finish: 'stop', content: 'No call.' });
    expect(lastAnthropicBody().tool_choice).toMatchObject({ type: 'none' });
    const called = await openai.chat.completions.create({ model: 'c-gemini', messages: ask({ toolCalls: [call] }), functions: [weather.function], function_call: 'auto' });
    expect(called.choices[0]!.message.function_call).toEqual(call);
  });

  // A legacy history names calls and results by function, not by id; Anthropic and Bedrock pair tool_use and
  // tool_result by id, and Anthropic refuses a history with two tool_use blocks of one id.
  it('a history calling one function twice reaches Claude with each call and its result paired by a distinct id', async () => {
    const messages = [
      { role: 'user' as const, content: 'Weather in Paris, then Rome?' },
      { role: 'assistant' as const, content: null, function_call: call },
      { role: 'function' as const, name: 'get_weather', content: '21°C' },
      { role: 'assistant' as const, content: null, function_call: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
      { role: 'function' as const, name: 'get_weather', content: '25°C' },
    ];
    const completion = await openai.chat.completions.create({ model: 'c-anthropic', messages, functions: [weather.function] });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    const blocks = (lastAnthropicBody().messages as { content: { type: string; id?: string; tool_use_id?: string; content?: unknown }[] }[]).flatMap((m) => m.content);
    const uses = blocks.filter((b) => b.type === 'tool_use').map((b) => b.id);
    const results = blocks.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id);
    expect(new Set(uses).size).toBe(2);
    expect(results).toEqual(uses);
  });

  it('refused with a 400 naming the parameter: both tools and functions, function_call without functions or naming another', async () => {
    const base = { model: 'c-anthropic', messages: [{ role: 'user', content: 'Weather in Paris?' }] };
    const cases: [Record<string, unknown>, string, string][] = [
      [{ functions: [weather.function], tools: [weather] }, 'functions', "not both"],
      [{ function_call: 'auto' }, 'function_call', "only allowed when 'functions'"],
      [{ functions: [weather.function], function_call: { name: 'get_time' } }, 'function_call', "function 'get_time' is not in 'functions'"],
    ];
    for (const [extra, param, message] of cases) {
      const { status, json } = await post({ ...base, ...extra });
      expect({ status, param: json.error?.param, message: json.error?.message }, JSON.stringify(extra)).toEqual({ status: 400, param, message: expect.stringContaining(message) });
    }
  });
});

describe('values OpenAI accepts that the chat surface refuses', () => {
  // OpenAI's chat `reasoning_effort` takes none | minimal | low | medium | high | xhigh ("gpt-5.1 defaults to none, which
  // does not perform reasoning"; https://platform.openai.com/docs/api-reference/chat/create#chat-create-reasoning_effort).
  // The chat schema knows only minimal..high, so `none` (how a client turns Gemini 2.5's default thinking off) is a 400,
  // while Tollgate's Responses surface already maps it to ReasoningConfig.off (thinkingBudget 0 on 2.5 Flash).
  it('reasoning_effort "none" is accepted and turns Gemini thinking off', async () => {
    const { status, json } = await post({ model: 'c-gemini', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'none' });
    expect(status, JSON.stringify(json)).toBe(200);
    expect(lastGeminiBody().generationConfig?.thinkingConfig).toEqual({ thinkingBudget: 0 });
  });

  it('reasoning_effort "xhigh" is accepted', async () => {
    const { status, json } = await post({ model: 'c-anthropic', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'xhigh' });
    expect(status, JSON.stringify(json)).toBe(200);
    expect(lastAnthropicBody().thinking).toMatchObject({ type: 'enabled' });
  });

  // OpenAI: an assistant message's content may hold `{"type":"refusal","refusal":…}` parts
  // (ChatCompletionContentPartRefusal; https://platform.openai.com/docs/api-reference/chat/create#chat-create-messages),
  // which is what a client replays after a refusal. The chat surface answers a 400 for such a history.
  it('an assistant refusal content part in the history is accepted', async () => {
    const { status, json } = await post({
      model: 'c-anthropic',
      messages: [
        { role: 'user', content: 'something' },
        { role: 'assistant', content: [{ type: 'refusal', refusal: "I can't help with that." }] },
        { role: 'user', content: 'something else' },
      ],
    });
    expect(status, JSON.stringify(json)).toBe(200);
  });
});

describe('the response object', () => {
  // OpenAI's documented chat completion object always carries the usage breakdowns, zeros included:
  // "prompt_tokens_details": {"cached_tokens": 0}, "completion_tokens_details": {"reasoning_tokens": 0, ...}
  // (https://platform.openai.com/docs/api-reference/chat/object). Here they are left out unless non-zero, so code
  // written against OpenAI's answers (`usage.prompt_tokens_details.cached_tokens` in cost dashboards) reads undefined.
  it('usage always has prompt_tokens_details.cached_tokens and completion_tokens_details.reasoning_tokens', async () => {
    const completion = await openai.chat.completions.create({ model: 'c-anthropic', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.usage).toMatchObject({ prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of await openai.chat.completions.create({ model: 'c-anthropic', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } })) chunks.push(chunk);
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } });
  });
});

describe('prompt caching marks for Claude', () => {
  // Clients of OpenAI-compatible gateways mark Claude's prompt caching with Anthropic's `cache_control` on content
  // parts, tools and messages (LiteLLM's and OpenRouter's convention; Cline, Roo Code and LangChain send it). Anthropic
  // caches only what is marked (https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching): a long agent
  // session's prompt, sent whole on every turn, is billed at a tenth of the price when read from the cache. The
  // chat surface dropped the marks, so nothing was cached.
  const system = 'You are a coding agent. '.repeat(20);
  const cached = {
    messages: [
      { role: 'system', content: [{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }] },
      { role: 'user', content: 'Read the repo.', cache_control: { type: 'ephemeral', ttl: '1h' } },
      { role: 'assistant', content: 'Done.' },
      { role: 'user', content: [{ type: 'text', text: 'Now fix the bug.' }] },
    ],
    tools: [{ ...weather, cache_control: { type: 'ephemeral' } }],
  };

  it('reach Anthropic on the system prompt, the tools and a whole message, and Bedrock as cache points', async () => {
    expect((await post({ model: 'c-anthropic', ...cached })).status).toBe(200);
    const body = lastAnthropicBody();
    expect(body.system).toEqual([{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }]);
    expect(body.tools[0]).toMatchObject({ name: 'get_weather', cache_control: { type: 'ephemeral' } });
    expect(body.messages[0].content).toEqual([{ type: 'text', text: 'Read the repo.', cache_control: { type: 'ephemeral', ttl: '1h' } }]);
    expect(JSON.stringify(body.messages.slice(1))).not.toContain('cache_control');

    expect((await post({ model: 'c-bedrock', ...cached })).status).toBe(200);
    const converse = lastBedrockBody();
    expect(converse.system.at(-1)).toEqual({ cachePoint: { type: 'default' } });
    expect(converse.toolConfig.tools.at(-1)).toEqual({ cachePoint: { type: 'default' } });
    expect(converse.messages[0].content.at(-1)).toEqual({ cachePoint: { type: 'default', ttl: '1h' } });
  });

  // Clients of OpenAI itself mark nothing (OpenAI caches prompt prefixes by itself) but may ask for caching by key.
  it('are set for a client that asks by prompt_cache_key and marks nothing, and left as the client made them otherwise', async () => {
    const plain = { messages: [{ role: 'system', content: system }, { role: 'user', content: 'Now fix the bug.' }], tools: [weather] };
    expect((await post({ model: 'c-anthropic', ...plain, prompt_cache_key: 'repo-1' })).status).toBe(200);
    const body = lastAnthropicBody();
    expect(body.system).toEqual([{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }]);
    expect(body.tools[0]).toMatchObject({ name: 'get_weather', cache_control: { type: 'ephemeral' } });
    expect(body.messages.at(-1).content.at(-1)).toMatchObject({ cache_control: { type: 'ephemeral' } });

    expect((await post({ model: 'c-anthropic', ...cached, prompt_cache_key: 'repo-1' })).status).toBe(200);
    expect(JSON.stringify(lastAnthropicBody().messages.slice(1))).not.toContain('cache_control');
  });

  it('a mark other than ephemeral is a 400 naming where it is', async () => {
    const { status, json } = await post({ model: 'c-anthropic', messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'persistent' } }] }] });
    expect({ status, param: json.error?.param }).toEqual({ status: 400, param: 'messages[0].content[0].cache_control' });
  });
});
