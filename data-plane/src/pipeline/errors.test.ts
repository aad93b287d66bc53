import { request } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockProvider } from '../providers/mock/index.js';
import { ProviderRegistry } from '../providers/registry.js';
import { startTestDataPlane, type TestDataPlane } from '../test-support/data-plane.js';
import { KEYS } from '../test-support/fixtures.js';
import { postChat } from '../test-support/sse.js';
import { waitFor } from '../test-support/wait.js';

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };
const chat = { model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] };
const MAX_BODY = 64 * 1024;

async function expectError(res: Response, status: number, code: string | null, type = status >= 500 ? 'api_error' : 'invalid_request_error'): Promise<ErrorBody> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/json');
  expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  expect(res.headers.get('x-tollgate-config-version')).toBeTruthy();
  const body = (await res.json()) as ErrorBody;
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error).toMatchObject({ type, code });
  expect(body.error.message.length).toBeGreaterThan(0);
  return body;
}

describe('errors, as OpenAI error objects', () => {
  let t: TestDataPlane;

  beforeAll(async () => {
    t = await startTestDataPlane({ maxBodyBytes: MAX_BODY });
  });
  afterAll(() => t.close());

  describe('authentication (401)', () => {
    it('refuses a request without a key, saying an API key is missing', async () => {
      const body = await expectError(await postChat(t.baseUrl, null, chat), 401, 'missing_api_key');
      expect(body.error.message).toMatch(/api key/i);
    });

    it('refuses a non-Bearer Authorization header as a missing key', async () => {
      const res = await fetch(`${t.baseUrl}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Basic ${KEYS.full}` }, body: JSON.stringify(chat) });
      await expectError(res, 401, 'missing_api_key');
    });

    it('refuses an unknown key with invalid_api_key, which the SDK raises as AuthenticationError', async () => {
      await expectError(await postChat(t.baseUrl, 'sk-tg-not-a-real-key', chat), 401, 'invalid_api_key');
      const sdk = new OpenAI({ apiKey: 'sk-tg-not-a-real-key', baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
      const err = await sdk.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
    });

    it('refuses blocked and expired keys', async () => {
      await expectError(await postChat(t.baseUrl, KEYS.blocked, chat), 401, 'api_key_blocked');
      await expectError(await postChat(t.baseUrl, KEYS.expired, chat), 401, 'api_key_expired');
    });

    it("refuses keys whose owner or organization is blocked, saying which", async () => {
      const owner = await expectError(await postChat(t.baseUrl, KEYS.blockedOwner, chat), 401, 'user_blocked');
      expect(owner.error.message).toBe("This API key's owner has been blocked.");
      const org = await expectError(await postChat(t.baseUrl, KEYS.blockedOrg, chat), 401, 'organization_blocked');
      expect(org.error.message).toBe("This API key's organization has been blocked.");
    });
  });

  describe('request validation (400)', () => {
    it('rejects malformed JSON, saying so', async () => {
      const body = await expectError(await postChat(t.baseUrl, KEYS.full, '{"model": "mock-gpt", "messages": ['), 400, 'invalid_json');
      expect(body.error.message).toMatch(/json/i);
    });

    it('rejects a JSON body that is not an object', async () => {
      await expectError(await postChat(t.baseUrl, KEYS.full, '[1,2]'), 400, 'invalid_value');
    });

    it('names a missing model or messages parameter', async () => {
      const noModel = await expectError(await postChat(t.baseUrl, KEYS.full, { messages: chat.messages }), 400, 'missing_required_parameter');
      expect(noModel.error.param).toBe('model');
      const noMessages = await expectError(await postChat(t.baseUrl, KEYS.full, { model: 'mock-gpt' }), 400, 'missing_required_parameter');
      expect(noMessages.error.param).toBe('messages');
    });

    it('names the parameter of an invalid value', async () => {
      const empty = await expectError(await postChat(t.baseUrl, KEYS.full, { model: 'mock-gpt', messages: [] }), 400, 'invalid_value');
      expect(empty.error.param).toBe('messages');
      const badRole = await expectError(await postChat(t.baseUrl, KEYS.full, { model: 'mock-gpt', messages: [{ role: 'robot', content: 'x' }] }), 400, 'invalid_value');
      expect(badRole.error.param).toBe('messages[0].role');
    });

    // Checked element by element, stopping at the first wrong one: a body of thousands of wrong content parts costs
    // one part's check (zod reported each, against each branch of a union: 32 MB of them took the heap).
    it('names the content of a message with wrong parts, however many', async () => {
      const parts = Array.from({ length: 20_000 }, () => []);
      const res = await expectError(await postChat(t.baseUrl, KEYS.full, { model: 'mock-gpt', messages: [{ role: 'user', content: parts }] }), 400, 'invalid_value');
      expect(res.error.param).toBe('messages[0].content');
    });

    // JSON.parse reads any depth; sending the body on (the same-protocol path serialises it) overflowed the stack: a
    // 500 SDKs retry. A client's 400 now.
    it('refuses a body nested too deeply to handle with a 400, not a 500', async () => {
      const body = `${JSON.stringify({ ...chat, model: 'openai-model' }).slice(0, -1)},"x_deep":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
      const had = process.env.OPENAI_API_KEY;
      process.env.OPENAI_API_KEY = 'sk-never-used';
      try {
        const res = await expectError(await postChat(t.baseUrl, KEYS.full, body), 400, 'invalid_value');
        expect(res.error.message).toContain('nested too deeply');
      } finally {
        if (had === undefined) delete process.env.OPENAI_API_KEY;
        else process.env.OPENAI_API_KEY = had;
      }
    });
    it('refuses a count_tokens body nested too deeply to handle with a 400 in Anthropic\'s shape, not a 500', async () => {
      const body = `${JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] }).slice(0, -1)},"tools":[{"name":"t","input_schema":{"type":"object","a":${'['.repeat(20_000)}${']'.repeat(20_000)}}}]}`;
      const res = await fetch(`${t.baseUrl}/v1/messages/count_tokens`, { method: 'POST', headers: { 'x-api-key': KEYS.full, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('nested too deeply') } });
    });
  });

  describe('models', () => {
    it('answers 404 model_not_found for an unknown model (SDK NotFoundError)', async () => {
      await expectError(await postChat(t.baseUrl, KEYS.full, { ...chat, model: 'gpt-nonexistent' }), 404, 'model_not_found');
      const sdk = new OpenAI({ apiKey: KEYS.full, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
      const err = await sdk.chat.completions.create({ model: 'gpt-nonexistent', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
      expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    });

    it("answers 403 model_not_allowed for a model outside the key's list (SDK PermissionDeniedError)", async () => {
      const body = await expectError(await postChat(t.baseUrl, KEYS.mockOnly, { ...chat, model: 'other-model' }), 403, 'model_not_allowed');
      expect(body.error.message).toContain('other-model');
      const sdk = new OpenAI({ apiKey: KEYS.mockOnly, baseURL: `${t.baseUrl}/v1`, maxRetries: 0 });
      const err = await sdk.chat.completions.create({ model: 'other-model', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    });

    it("answers 403 for a model outside the key's team list", async () => {
      await expectError(await postChat(t.baseUrl, KEYS.restrictedTeam, chat), 403, 'model_not_allowed');
      const ok = await postChat(t.baseUrl, KEYS.restrictedTeam, { ...chat, model: 'other-model' });
      expect(ok.status).toBe(200);
    });

    it('answers 501 for a model whose provider has no adapter in this build', async () => {
      const mockOnly = await startTestDataPlane({ providers: new ProviderRegistry([mockProvider()]) });
      try {
        await expectError(await postChat(mockOnly.baseUrl, KEYS.full, { ...chat, model: 'openai-model' }), 501, 'provider_not_supported');
      } finally {
        await mockOnly.close();
      }
    });
  });

  describe('body size cap (413)', () => {
    it('refuses a declared Content-Length over the cap at once', async () => {
      const huge = JSON.stringify({ ...chat, messages: [{ role: 'user', content: 'x'.repeat(11 * 1024 * 1024) }] });
      await expectError(await postChat(t.baseUrl, KEYS.full, huge), 413, 'request_too_large');
    });

    it('refuses a chunked body while it is still being read', async () => {
      const { status, body, sentWhenAnswered } = await new Promise<{ status: number; body: string; sentWhenAnswered: number }>((resolve, reject) => {
        const req = request(`${t.baseUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEYS.full}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        });
        let sent = 0;
        let answered = false;
        req.on('response', (res) => {
          answered = true;
          const sentWhenAnswered = sent;
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body, sentWhenAnswered }));
        });
        req.on('error', (err) => { if (!answered) reject(err); });
        // Trickle 8 KiB chunks; the server must answer before we are done sending 1 MiB.
        const piece = Buffer.alloc(8 * 1024, 'x');
        const pump = () => {
          if (answered || sent >= 1024 * 1024) return req.end();
          sent += piece.length;
          req.write(piece, () => setTimeout(pump, 1));
        };
        pump();
      });
      expect(status).toBe(413);
      expect(sentWhenAnswered).toBeLessThan(1024 * 1024);
      expect((JSON.parse(body) as ErrorBody).error.code).toBe('request_too_large');
    });

    it('accepts a body just under the cap', async () => {
      const filler = 'x'.repeat(MAX_BODY - 200);
      const res = await postChat(t.baseUrl, KEYS.full, { ...chat, messages: [{ role: 'user', content: filler }] });
      expect(res.status).toBe(200);
    });
  });

  describe('routing', () => {
    it('answers unknown routes with a 404 OpenAI error', async () => {
      const body = await expectError(await fetch(`${t.baseUrl}/v1/nope`), 404, 'not_found');
      expect(body.error.message).toContain('GET /v1/nope');
      await expectError(await fetch(`${t.baseUrl}/v1/chat/completions`), 404, 'not_found');
    });
  });

  describe('usage of refused requests', () => {
    it('records authenticated failures as error events with zero cost, and nothing for unauthenticated ones', async () => {
      const res = await postChat(t.baseUrl, KEYS.full, { ...chat, model: 'gpt-nonexistent' });
      await res.text();
      const event = await waitFor(() => t.cp.acknowledged.get(res.headers.get('x-request-id')!), 'error usage event');
      expect(event).toMatchObject({ status: 'error', httpStatus: 404, errorType: 'model_not_found', model: 'gpt-nonexistent', modelId: null, cost: '0.000000000000', keyId: 'k-full' });

      const tooBig = await postChat(t.baseUrl, KEYS.full, 'x'.repeat(MAX_BODY + 1));
      await tooBig.text();
      const bigEvent = await waitFor(() => t.cp.acknowledged.get(tooBig.headers.get('x-request-id')!), '413 usage event');
      expect(bigEvent).toMatchObject({ status: 'error', httpStatus: 413, model: '' });

      const anonymous = await postChat(t.baseUrl, 'sk-tg-nobody', chat);
      await anonymous.text();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(t.cp.received.some((e) => e.requestId === anonymous.headers.get('x-request-id'))).toBe(false);
    });
  });
});
