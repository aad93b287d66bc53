import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directive } from '../../../../test/stand-ins/script.js';
import { KEYS } from '../../test-support/fixtures.js';
import { startTranslatedRig, type TranslatedRig } from '../../test-support/translated-rig.js';
import { parseEvents, postResponses } from '../../test-support/sse-events.js';

/**
 * `POST /v1/responses` on TRANSLATED models (`startTranslatedRig`: a-anthropic, a-gemini, a-bedrock, a-compat, all
 * provider stand-ins) behaves as OpenAI's own Responses API does, or refuses clearly what it cannot do.
 * @see https://platform.openai.com/docs/api-reference/responses
 */

type Body = Record<string, unknown>;

describe('POST /v1/responses on translated models, as OpenAI answers it', () => {
  let rig: TranslatedRig;
  let client: OpenAI;

  beforeAll(async () => {
    rig = await startTranslatedRig('a');
    client = new OpenAI({ apiKey: KEYS.full, baseURL: `${rig.t.baseUrl}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await rig?.close();
  });

  // OpenAI's stream always begins with response.created then response.in_progress, a failure after them; the SDK's
  // ResponseStream takes any other first event for a broken stream (a bare OpenAIError that loses the real error).
  // (Gemini and Bedrock streams open only at their first content: a drop before it is a 502 the router may retry.)
  it('starts a stream that fails before its first token with response.created, so the SDK raises an APIError', async () => {
    for (const model of ['a-anthropic', 'a-compat']) {
      const input = `x ${directive({ text: 'a b c', fault: { kind: 'drop', afterChunks: 0 } })}`;
      const res = await postResponses(rig.t.baseUrl, KEYS.full, { model, input, stream: true });
      expect(res.status, model).toBe(200);
      const events = parseEvents(await res.text());
      expect(events.map((e) => e.event), model).toEqual(['response.created', 'response.in_progress', 'response.failed', 'error']);
      expect(events.map((e) => e.data.sequence_number)).toEqual([0, 1, 2, 3]);
      expect(events[2]!.data.response).toMatchObject({ status: 'failed', output: [], completed_at: null });

      const err = await client.responses.stream({ model, input }).finalResponse().catch((e: unknown) => e);
      expect(err, model).toBeInstanceOf(OpenAI.APIError);
    }
  });

  // `prompt` (a reusable prompt stored by OpenAI) supplies instructions and messages; no translated provider has it.
  it('refuses a reusable prompt with a 400 naming `prompt` instead of answering without it', async () => {
    const res = await postResponses(rig.t.baseUrl, KEYS.full, { model: 'a-anthropic', input: 'fill in the prompt', prompt: { id: 'pmpt_123', version: '2', variables: { city: 'Paris' } } });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { type: string; param: string; message: string } };
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'prompt', message: expect.stringMatching(/reusable prompts/) });
    expect(rig.anthropic.requests.some((r) => JSON.stringify(r.body).includes('fill in the prompt'))).toBe(false);
  });

  // A translated answer carries no log probabilities: asking for them is a 400, not `logprobs: []`.
  it('refuses log probabilities with a 400 naming the parameter instead of answering empty ones', async () => {
    const include = await postResponses(rig.t.baseUrl, KEYS.full, { model: 'a-compat', input: 'hello', include: ['message.output_text.logprobs'], top_logprobs: 3 });
    expect(include.status).toBe(400);
    expect(((await include.json()) as { error: { param: string } }).error.param).toBe('include');
    const top = await postResponses(rig.t.baseUrl, KEYS.full, { model: 'a-gemini', input: 'hello', top_logprobs: 3 });
    expect(top.status).toBe(400);
    expect(((await top.json()) as { error: { param: string } }).error.param).toBe('top_logprobs');
  });

  // Reasoning items carry `encrypted_content` that only the model family that wrote it can read. A Codex session that
  // switches from an OpenAI model to a translated one replays OpenAI's (a Fernet token, "gAAAAA…"); the real
  // Anthropic, Gemini and Bedrock verify signatures and reject a foreign one with a 400. (Stand-ins do not: asserted
  // on the wire.)
  it("never sends OpenAI's encrypted reasoning to Anthropic, Gemini or Bedrock as a signature", async () => {
    const foreign = 'gAAAAABpFakeOpenAiFernetToken==';
    const input = [
      { role: 'user' as const, content: 'hi' },
      { type: 'reasoning' as const, id: 'rs_1', summary: [], encrypted_content: foreign },
      { role: 'assistant' as const, content: 'hello' },
      { role: 'user' as const, content: 'again' },
    ];
    for (const [model, requests] of [['a-anthropic', rig.anthropic.requests], ['a-gemini', rig.gemini.requests], ['a-bedrock', rig.bedrock.requests]] as const) {
      const response = await client.responses.create({ model, input });
      expect(response.status, model).toBe('completed');
      expect(JSON.stringify(requests.at(-1)!.body), model).not.toContain(foreign);
    }
  });

  it("sends a provider's own reasoning signature back to it (Claude's to Claude on either platform), and to no other provider", async () => {
    const first = await client.responses.create({ model: 'a-anthropic', input: `weather? ${directive({ reasoning: 'Two cities.', text: 'Checking.' })}`, reasoning: { effort: 'low', summary: 'auto' } });
    const reasoning = first.output.find((item) => item.type === 'reasoning')!;
    expect(reasoning.summary).toEqual([{ type: 'summary_text', text: 'Two cities.' }]);
    expect(reasoning.encrypted_content).toMatch(/^tollgate:anthropic:[A-Za-z0-9+/]+=*$/);
    const signature = reasoning.encrypted_content!.slice('tollgate:anthropic:'.length);

    const input = [{ role: 'user' as const, content: 'weather?' }, ...(first.output as OpenAI.Responses.ResponseInputItem[]), { role: 'user' as const, content: 'and now?' }];
    await client.responses.create({ model: 'a-anthropic', input });
    const replayed = (rig.anthropic.requests.at(-1)!.body as { messages: { content: unknown }[] }).messages[1]!.content;
    expect(replayed).toEqual(expect.arrayContaining([{ type: 'thinking', thinking: 'Two cities.', signature }]));

    const gemini = await client.responses.create({ model: 'a-gemini', input });
    expect(gemini.status).toBe('completed');
    expect(JSON.stringify(rig.gemini.requests.at(-1)!.body)).not.toContain(signature);
    // Claude on Bedrock verifies Claude's signatures wherever they were written.
    const bedrock = await client.responses.create({ model: 'a-bedrock', input });
    expect(bedrock.status).toBe('completed');
    expect(JSON.stringify(rig.bedrock.requests.at(-1)!.body)).toContain(signature);
  });

  // OpenAI shows reasoning summaries only when `reasoning.summary` asks for them (Codex asks, `auto`, unless its
  // summaries are set to none); its reasoning items are `summary: []` otherwise, with the reasoning still carried.
  it('shows no reasoning summary unless asked, and still hands Claude its thinking and signature back next turn', async () => {
    const ask = `weather? ${directive({ reasoning: 'Two cities.', text: 'Checking.' })}`;
    const first = await client.responses.create({ model: 'a-anthropic', input: ask, reasoning: { effort: 'high' } });
    const reasoning = first.output.find((item) => item.type === 'reasoning')!;
    expect(reasoning).toMatchObject({ type: 'reasoning', summary: [], encrypted_content: expect.any(String) });

    const events = parseEvents(await (await postResponses(rig.t.baseUrl, KEYS.full, { model: 'a-anthropic', input: ask, stream: true, reasoning: { effort: 'high' } })).text());
    expect(events.filter((e) => e.event.startsWith('response.reasoning_summary'))).toEqual([]);
    const streamed = events.find((e) => e.event === 'response.output_item.done')!.data.item;
    expect(streamed).toMatchObject({ type: 'reasoning', summary: [], encrypted_content: expect.any(String) });

    const input = [{ role: 'user' as const, content: 'weather?' }, ...(first.output as OpenAI.Responses.ResponseInputItem[]), { role: 'user' as const, content: 'and now?' }];
    await client.responses.create({ model: 'a-anthropic', input });
    const replayed = (rig.anthropic.requests.at(-1)!.body as { messages: { content: unknown }[] }).messages[1]!.content;
    // The signature Claude wrote (the same for the same thinking: shown with a summary, it is carried alone).
    const summarised = await client.responses.create({ model: 'a-anthropic', input: ask, reasoning: { effort: 'high', summary: 'auto' } });
    const signature = summarised.output.find((item) => item.type === 'reasoning')!.encrypted_content!.slice('tollgate:anthropic:'.length);
    expect(replayed).toEqual(expect.arrayContaining([{ type: 'thinking', thinking: 'Two cities.', signature }]));
  });

  // `reasoning.effort: "none"` means no reasoning at all; Gemini 2.5 Flash thinks unless told thinkingBudget 0.
  it('turns Gemini thinking off for reasoning.effort "none"', async () => {
    await client.responses.create({ model: 'a-gemini', input: 'hi', reasoning: { effort: 'none' } });
    const body = rig.gemini.requests.at(-1)!.body as { generationConfig?: { thinkingConfig?: unknown } };
    expect(body.generationConfig?.thinkingConfig).toEqual({ thinkingBudget: 0 });
  });

  // The Response object has `completed_at` (Unix seconds) when its status is `completed`.
  it('sends completed_at on a completed response, plain and streamed', async () => {
    const plain = (await (await postResponses(rig.t.baseUrl, KEYS.full, { model: 'a-anthropic', input: 'hi' })).json()) as Body;
    expect(plain.completed_at).toEqual(expect.any(Number));
    expect(plain.completed_at as number).toBeGreaterThanOrEqual(plain.created_at as number);
    const events = parseEvents(await (await postResponses(rig.t.baseUrl, KEYS.full, { model: 'a-anthropic', input: 'hi', stream: true })).text());
    expect((events[0]!.data.response as Body).completed_at).toBeNull();
    expect((events.at(-1)!.data.response as Body).completed_at).toEqual(expect.any(Number));
  });

  // OpenAI refuses an output cap below 16 tokens: "Invalid 'max_output_tokens': integer below minimum value. Expected a
  // value >= 16, but got 10 instead." (code integer_below_min_value).
  it("refuses max_output_tokens below 16 with OpenAI's 400, and takes 16", async () => {
    const before = rig.anthropic.requests.length;
    const err = await client.responses.create({ model: 'a-anthropic', input: 'hi', max_output_tokens: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({
      status: 400,
      code: 'integer_below_min_value',
      param: 'max_output_tokens',
      message: "400 Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got 10 instead.",
    });
    expect(rig.anthropic.requests.length).toBe(before);
    expect((await client.responses.create({ model: 'a-anthropic', input: 'hi', max_output_tokens: 16 })).status).toBe('completed');
  });

  // OpenAI refuses a tool_choice that forces a function missing from `tools`, or `required` without tools.
  it('refuses a tool_choice naming a function missing from tools, or required without tools, with a 400 naming tool_choice', async () => {
    const tools = [{ type: 'function', name: 'a', parameters: { type: 'object', properties: {} } }];
    const before = rig.compat.requests.length;
    for (const body of [
      { model: 'a-compat', input: 'x', tools, tool_choice: { type: 'function', name: 'missing' } },
      { model: 'a-compat', input: 'x', tool_choice: 'required' },
    ]) {
      const res = await postResponses(rig.t.baseUrl, KEYS.full, body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { param: string } }).error.param).toBe('tool_choice');
    }
    expect(rig.compat.requests.length).toBe(before);
  });

  // Codex offers `{type: "web_search", external_web_access: false}` on every turn by default, whatever the model.
  // A translated model cannot search: refusing it failed every turn of Codex on any non-OpenAI model.
  it('serves a Codex-shaped request, leaving out the web search no translated model can run', async () => {
    const body = {
      instructions: 'You are a coding agent.',
      input: [
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Sandbox: workspace-write.' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: `say ok ${directive({ text: 'ok' })}` }] },
      ],
      tools: [
        { type: 'function', name: 'shell', description: 'Run a command.', strict: false, parameters: { type: 'object', properties: { command: { type: 'array', items: { type: 'string' } } }, required: ['command'] } },
        { type: 'web_search', external_web_access: false },
      ],
      tool_choice: 'auto',
      parallel_tool_calls: false,
      reasoning: { effort: 'medium', summary: 'auto' },
      store: false,
      stream: true,
      include: ['reasoning.encrypted_content'],
      prompt_cache_key: '019a-session',
    };
    for (const [model, requests] of [['a-anthropic', rig.anthropic.requests], ['a-compat', rig.compat.requests]] as const) {
      const res = await postResponses(rig.t.baseUrl, KEYS.full, { ...body, model });
      expect(res.status, model).toBe(200);
      const events = parseEvents(await res.text());
      const completed = events.find((e) => e.event === 'response.completed')?.data.response as Body | undefined;
      expect(completed?.output, model).toEqual([expect.objectContaining({ type: 'message', content: [expect.objectContaining({ text: 'ok' })] })]);
      expect(completed?.tools, model).toEqual([expect.objectContaining({ type: 'function', name: 'shell' }), { type: 'web_search', external_web_access: false }]);
      const sent = JSON.stringify(requests.at(-1)!.body);
      expect(sent, model).toContain('"shell"');
      expect(sent, model).not.toContain('web_search');
    }
  });

  // Codex keeps the web searches and local shell calls an OpenAI model made in its history, and sends them back on
  // every turn (a local shell call's output as a function_call_output): refusing them failed every later turn of a
  // session that switched to a translated model.
  describe('a Codex session that switches from an OpenAI model', () => {
    const history = (last: string) => [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: "What's new in Rust 1.90? Then look around." }] },
      { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAAABpFakeOpenAiFernetToken==' },
      {
        type: 'web_search_call', id: 'ws_1', status: 'completed',
        action: { type: 'search', query: 'Rust 1.90 release notes', sources: [{ type: 'url', url: 'https://blog.rust-lang.org/2025/09/18/Rust-1.90.0/' }] },
      },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Rust 1.90 links with LLD on Linux.' }] },
      { type: 'local_shell_call', id: 'lsh_1', call_id: 'call_ls', status: 'completed', action: { type: 'exec', command: ['bash', '-lc', 'ls'], env: {}, working_directory: '/repo' } },
      { type: 'function_call_output', call_id: 'call_ls', output: 'Cargo.toml\nsrc' },
      { type: 'local_shell_call', id: 'lsh_2', call_id: 'call_pwd', status: 'completed', action: { type: 'exec', command: ['pwd'], env: {} } },
      { type: 'local_shell_call_output', id: 'call_pwd', output: '/repo/crates' },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: last }] },
    ];
    const tools = [{ type: 'function', name: 'shell', parameters: { type: 'object', properties: { command: { type: 'array', items: { type: 'string' } } } } }, { type: 'web_search' }];
    const targets = () => [['a-anthropic', rig.anthropic.requests], ['a-gemini', rig.gemini.requests], ['a-bedrock', rig.bedrock.requests], ['a-compat', rig.compat.requests]] as const;

    it('answers the next turn on every translated model, plain and streamed, instead of a 400', async () => {
      for (const [model] of targets()) {
        const input = history(`and now? ${directive({ text: 'ok' })}`) as OpenAI.Responses.ResponseInputItem[];
        const plain = await client.responses.create({ model, input, tools: tools as OpenAI.Responses.Tool[] });
        expect(plain.output_text, model).toBe('ok');
        const streamed = await client.responses.stream({ model, input, tools: tools as OpenAI.Responses.Tool[] }).finalResponse();
        expect(streamed.output_text, model).toBe('ok');
      }
    });

    it('gives the model the search and the shell commands with their outputs as text, never as calls of tools it lacks', async () => {
      for (const [model, requests] of targets()) {
        const res = await postResponses(rig.t.baseUrl, KEYS.full, { model, input: history('and now?'), tools });
        expect(res.status, model).toBe(200);
        const sent = JSON.stringify(requests.at(-1)!.body);
        for (const said of ['Rust 1.90 release notes', 'https://blog.rust-lang.org/2025/09/18/Rust-1.90.0/', '[\\"bash\\",\\"-lc\\",\\"ls\\"]', 'Cargo.toml\\nsrc', '/repo/crates']) {
          expect(sent, `${model}: ${said}`).toContain(said);
        }
        // No tool call or result for the shell: the target was never offered a local_shell tool to have called.
        expect(sent, model).not.toContain('call_ls');
        expect(sent, model).not.toContain('call_pwd');
        expect(sent, model).not.toContain('gAAAAAB');
      }
      // Each output joins its call's note, in the assistant's turn, in order.
      const messages = (rig.anthropic.requests.at(-1)!.body as { messages: Array<{ role: string; content: Array<{ type: string; text?: string }> }> }).messages;
      expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
      expect(messages[1]!.content.map((c) => c.text)).toEqual([
        'Searched the web (web_search): "Rust 1.90 release notes". Sources: https://blog.rust-lang.org/2025/09/18/Rust-1.90.0/.',
        'Rust 1.90 links with LLD on Linux.',
        'Ran a shell command (local_shell): ["bash","-lc","ls"] in /repo.\nOutput:\nCargo.toml\nsrc',
        'Ran a shell command (local_shell): ["pwd"].\nOutput:\n/repo/crates',
      ]);
    });

    it('still refuses a malformed item, or one it cannot honour, with a 400 naming it', async () => {
      const cases = [
        [{ type: 'local_shell_call', call_id: 'call_1', action: { type: 'exec', command: 'ls' } }, 'input[1].action.command'],
        [{ type: 'web_search_call', id: 'ws_1', status: 'completed', action: 'search' }, 'input[1].action'],
        [{ type: 'computer_call', call_id: 'call_1', action: { type: 'screenshot' } }, 'input[1].type'],
        [{ type: 'item_reference', id: 'msg_1' }, 'input[1]'],
      ] as const;
      for (const [item, param] of cases) {
        const res = await postResponses(rig.t.baseUrl, KEYS.full, { model: 'a-anthropic', input: [{ role: 'user', content: 'hi' }, item] });
        expect(res.status, param).toBe(400);
        expect(((await res.json()) as { error: { param: string } }).error.param).toBe(param);
      }
    });
  });

  // Codex sends `prompt_cache_key` on every turn and marks nothing: OpenAI caches prompt prefixes by itself, Claude
  // only at marks. Without them a Codex session on Claude paid its whole prompt at full price every turn.
  it('marks the prompt for caching on Claude when the client caches by prompt_cache_key', async () => {
    const tools = [{ type: 'function' as const, name: 'shell', parameters: { type: 'object', properties: {} }, strict: false }];
    const turn = { instructions: 'You are a coding agent.', input: `hello ${directive({ text: 'ok' })}`, tools, prompt_cache_key: 'session-1' };
    await client.responses.create({ model: 'a-anthropic', ...turn });
    const anthropic = rig.anthropic.requests.at(-1)!.body as { system: Body[]; tools: Body[]; messages: Array<{ content: Body[] }> };
    expect(anthropic.system.at(-1)).toMatchObject({ cache_control: { type: 'ephemeral' } });
    expect(anthropic.tools.at(-1)).toMatchObject({ name: 'shell', cache_control: { type: 'ephemeral' } });
    expect(anthropic.messages.at(-1)!.content.at(-1)).toMatchObject({ cache_control: { type: 'ephemeral' } });

    await client.responses.create({ model: 'a-bedrock', ...turn });
    const bedrock = rig.bedrock.requests.at(-1)!.body as { system: Body[]; messages: Array<{ content: Body[] }>; toolConfig: { tools: Body[] } };
    expect(bedrock.system.at(-1)).toEqual({ cachePoint: { type: 'default' } });
    expect(bedrock.toolConfig.tools.at(-1)).toEqual({ cachePoint: { type: 'default' } });
    expect(bedrock.messages.at(-1)!.content.at(-1)).toEqual({ cachePoint: { type: 'default' } });

    // Without a key, nothing is marked: a cache write costs more than a plain prompt.
    const { prompt_cache_key: _, ...once } = turn;
    await client.responses.create({ model: 'a-anthropic', ...once });
    expect(JSON.stringify(rig.anthropic.requests.at(-1)!.body)).not.toContain('cache_control');
  });

  // Custom (freeform) tools take raw text, not JSON arguments: Codex's apply_patch is one. No other provider has
  // them, so each goes as a function tool with one string argument, and the call comes back as OpenAI's
  // custom_tool_call with that string as its input, streamed as custom_tool_call_input deltas.
  describe('custom tools', () => {
    const patch = '*** Begin Patch\n*** Add File: hello.txt\n+Hello "world" \\ é 🚀\n*** End Patch';
    const format = { type: 'grammar' as const, syntax: 'lark' as const, definition: 'start: begin_patch hunk+ end_patch\nbegin_patch: "*** Begin Patch" LF' };
    const tools = [{ type: 'custom' as const, name: 'apply_patch', description: 'Edit files with a patch.', format }];
    const input = `add hello.txt ${directive({ toolCalls: [{ name: 'apply_patch', id: 'call_patch', arguments: JSON.stringify({ input: patch }) }] })}`;
    const targets = () => [['a-anthropic', rig.anthropic.requests], ['a-gemini', rig.gemini.requests], ['a-bedrock', rig.bedrock.requests], ['a-compat', rig.compat.requests]] as const;

    it('sends the model a function tool with one string argument that carries the grammar', async () => {
      await client.responses.create({ model: 'a-anthropic', input, tools, tool_choice: { type: 'custom', name: 'apply_patch' } });
      const body = rig.anthropic.requests.at(-1)!.body as { tools: unknown[]; tool_choice: unknown };
      expect(body.tools).toEqual([
        {
          name: 'apply_patch',
          description: 'Edit files with a patch.',
          input_schema: {
            type: 'object',
            properties: { input: { type: 'string', description: expect.stringContaining(`Lark grammar:\n${format.definition}`) } },
            required: ['input'],
            additionalProperties: false,
          },
        },
      ]);
      expect(body.tool_choice).toMatchObject({ type: 'tool', name: 'apply_patch' });
    });

    it('answers the call as a custom_tool_call whose input is the raw text, plain and streamed, for every provider', async () => {
      for (const [model] of targets()) {
        const plain = await client.responses.create({ model, input, tools });
        expect(plain.output, model).toEqual([{ id: expect.stringMatching(/^ctc_/), type: 'custom_tool_call', status: 'completed', call_id: expect.any(String), name: 'apply_patch', input: patch }]);
        expect(plain.tools, model).toEqual([{ type: 'custom', name: 'apply_patch', description: 'Edit files with a patch.', format }]);

        const res = await postResponses(rig.t.baseUrl, KEYS.full, { model, input, tools, stream: true });
        const events = parseEvents(await res.text());
        const item = events.find((e) => e.event === 'response.output_item.added')!.data;
        expect(item, model).toMatchObject({ output_index: 0, item: { type: 'custom_tool_call', status: 'in_progress', name: 'apply_patch', input: '' } });
        const deltas = events.filter((e) => e.event === 'response.custom_tool_call_input.delta');
        expect(deltas.map((e) => e.data.delta).join(''), model).toBe(patch);
        // As the model writes it: the stand-ins stream the arguments in pieces (Gemini sends a call whole).
        if (model !== 'a-gemini') expect(deltas.length, model).toBeGreaterThan(3);
        expect(events.find((e) => e.event === 'response.custom_tool_call_input.done')!.data, model).toMatchObject({ item_id: (item.item as Body).id, output_index: 0, input: patch });
        expect(events.find((e) => e.event === 'response.output_item.done')!.data.item, model).toMatchObject({ type: 'custom_tool_call', status: 'completed', input: patch });

        const streamed = await client.responses.stream({ model, input, tools }).finalResponse();
        expect(streamed.output, model).toMatchObject([{ type: 'custom_tool_call', name: 'apply_patch', input: patch }]);
      }
    });

    it("hands the call and its output back to the model as a tool call with the input and the tool's result", async () => {
      const turn = [
        { role: 'user' as const, content: 'add hello.txt' },
        { type: 'custom_tool_call' as const, call_id: 'call_patch', name: 'apply_patch', input: patch },
        { type: 'custom_tool_call_output' as const, call_id: 'call_patch', output: 'Done!' },
      ];
      await client.responses.create({ model: 'a-anthropic', input: turn, tools });
      const messages = (rig.anthropic.requests.at(-1)!.body as { messages: { role: string; content: unknown[] }[] }).messages;
      expect(messages[1]).toEqual({ role: 'assistant', content: [{ type: 'tool_use', id: 'call_patch', name: 'apply_patch', input: { input: patch } }] });
      expect(messages[2]).toMatchObject({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_patch' }] });
      expect(JSON.stringify(messages[2])).toContain('Done!');

      await client.responses.create({ model: 'a-compat', input: turn, tools });
      const chat = (rig.compat.requests.at(-1)!.body as { messages: Record<string, unknown>[] }).messages;
      expect(chat[1]).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_patch', type: 'function', function: { name: 'apply_patch', arguments: JSON.stringify({ input: patch }) } }] });
      expect(chat[2]).toMatchObject({ role: 'tool', tool_call_id: 'call_patch', content: 'Done!' });
    });
  });
});
