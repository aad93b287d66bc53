import type { ServerResponse } from 'node:http';
import type { ScriptFault } from '../script.js';
import { sendJson } from './wire.js';

/**
 * OpenAI's and Azure OpenAI's error bodies and headers, as their APIs send them.
 * @see https://platform.openai.com/docs/guides/error-codes
 */

type HttpFault = Extract<ScriptFault, { kind: 'http' }>;

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'invalid_request_error',
  404: 'invalid_request_error',
  429: 'requests',
  500: 'server_error',
  503: 'server_error',
};

const CONTEXT_LENGTH_MESSAGE = (tokens: number) =>
  `This model's maximum context length is 128000 tokens. However, your messages resulted in ${tokens} tokens. Please reduce the length of the messages.`;

export function openAiErrorBody(message: string, type: string | null, code: string | null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

/** Renders a script's `http` fault: status, body, `retry-after` and the `x-ratelimit-*` family. */
export function sendHttpFault(res: ServerResponse, fault: HttpFault, azure: boolean, promptTokens: number): void {
  const headers: Record<string, string> = {};
  if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
  const code = fault.code ?? defaultCode(fault.status);
  if (fault.status === 429) {
    const resetSeconds = Number(fault.retryAfter ?? '1') || 1;
    Object.assign(headers, {
      'x-ratelimit-limit-requests': '500',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': `${resetSeconds}s`,
      'x-ratelimit-limit-tokens': '30000',
      'x-ratelimit-remaining-tokens': '29000',
      'x-ratelimit-reset-tokens': '2s',
    });
    if (azure && fault.retryAfter !== undefined) headers['retry-after-ms'] = String(resetSeconds * 1000);
  }
  if (azure && fault.status === 429) {
    const message = fault.message ?? `Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after ${fault.retryAfter ?? 1} seconds.`;
    sendJson(res, 429, { error: { code: '429', message } }, headers);
    return;
  }
  if (azure && code === 'content_filter') {
    sendJson(res, fault.status, azureContentFilterError(fault.message), headers);
    return;
  }
  const message =
    fault.message ??
    (code === 'context_length_exceeded'
      ? CONTEXT_LENGTH_MESSAGE(promptTokens)
      : fault.status === 429
        ? 'Rate limit reached for gpt-4o-mini in organization org-standin on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 1s. Visit https://platform.openai.com/account/rate-limits to learn more.'
        : fault.status >= 500
          ? 'The server had an error while processing your request. Sorry about that!'
          : 'Invalid request.');
  const param = code === 'context_length_exceeded' ? 'messages' : null;
  sendJson(res, fault.status, openAiErrorBody(message, TYPE_BY_STATUS[fault.status] ?? 'invalid_request_error', code, param), headers);
}

function defaultCode(status: number): string | null {
  if (status === 429) return 'rate_limit_exceeded';
  return null;
}

/** Azure's 400 for a prompt its content filter blocked. */
export function azureContentFilterError(message?: string) {
  return {
    error: {
      message:
        message ??
        "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
      type: null,
      param: 'prompt',
      code: 'content_filter',
      status: 400,
      innererror: {
        code: 'ResponsibleAIPolicyViolation',
        content_filter_result: {
          hate: { filtered: false, severity: 'safe' },
          jailbreak: { filtered: false, detected: false },
          self_harm: { filtered: false, severity: 'safe' },
          sexual: { filtered: false, severity: 'safe' },
          violence: { filtered: true, severity: 'high' },
        },
      },
    },
  };
}

/** 401s: OpenAI's (code `invalid_api_key`, key masked) and Azure's. */
export function sendUnauthorized(res: ServerResponse, azure: boolean, presented: string | undefined): void {
  if (azure) {
    sendJson(res, 401, {
      error: {
        code: '401',
        message: 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
      },
    });
    return;
  }
  if (!presented) {
    sendJson(res, 401, openAiErrorBody("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.", 'invalid_request_error', null));
    return;
  }
  const masked = presented.length > 8 ? `${presented.slice(0, 3)}*********${presented.slice(-4)}` : '********';
  sendJson(res, 401, openAiErrorBody(`Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key'));
}

export function sendNotFound(res: ServerResponse, azure: boolean, method: string, path: string): void {
  if (azure) sendJson(res, 404, { error: { code: '404', message: 'Resource not found' } });
  else sendJson(res, 404, openAiErrorBody(`Invalid URL (${method} ${path})`, 'invalid_request_error', null));
}
