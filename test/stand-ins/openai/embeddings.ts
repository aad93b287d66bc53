import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { withPlan, type FaultPlan } from '../faults.js';
import { resolveScript } from '../script.js';
import { openAiErrorBody, sendHttpFault } from './errors.js';
import { dropConnection, sendJson } from './wire.js';

/**
 * `POST /v1/embeddings`: deterministic unit vectors derived from each input's text (sha-256 stretched), so a
 * test can recompute them with `standInEmbedding`. Values are float32, so `encoding_format: "base64"` (the
 * little-endian float32 bytes OpenAI sends) decodes to exactly the `float` numbers. An input carrying a script
 * directive (or an injected plan) may fault: `http` is the error, `hang` no answer, `drop` a cut connection and
 * `midstream` a 500, as for a chat completion that is not streamed; a content filter does not apply.
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 */
export const DEFAULT_DIMENSIONS = 8;

export interface EmbeddingsBody {
  model?: string;
  input?: string | string[] | number[] | number[][];
  dimensions?: number;
  encoding_format?: 'float' | 'base64';
}

export function standInEmbedding(text: string, dimensions = DEFAULT_DIMENSIONS): number[] {
  const raw: number[] = [];
  for (let block = 0; raw.length < dimensions; block++) {
    const digest = createHash('sha256').update(`${block}:${text}`).digest();
    for (let i = 0; i + 1 < digest.length && raw.length < dimensions; i += 2) raw.push(digest.readUInt16BE(i) / 32767.5 - 1);
  }
  const norm = Math.sqrt(raw.reduce((n, v) => n + v * v, 0)) || 1;
  return raw.map((v) => Math.fround(v / norm));
}

export function handleEmbeddings(res: ServerResponse, body: EmbeddingsBody, plan: FaultPlan | undefined, azure: boolean): void {
  const inputs = toTexts(body.input);
  if (inputs === undefined || inputs.length === 0) {
    return sendJson(res, 400, openAiErrorBody("'input' is a required property", 'invalid_request_error', null, 'input'));
  }
  const fault = withPlan(resolveScript(inputs[0]!, inputs[0]!.length), plan).fault;
  if (fault?.kind === 'http') return sendHttpFault(res, fault, azure, 1);
  if (fault?.kind === 'hang') return;
  if (fault?.kind === 'drop') return dropConnection(res);
  if (fault?.kind === 'midstream') return sendJson(res, 500, openAiErrorBody(fault.message ?? 'The server had an error while processing your request. Sorry about that!', 'server_error', null));
  const dimensions = body.dimensions ?? DEFAULT_DIMENSIONS;
  const tokens = inputs.reduce((n, t) => n + Math.max(1, Math.ceil(t.length / 4)), 0);
  sendJson(res, 200, {
    object: 'list',
    data: inputs.map((text, index) => {
      const vector = standInEmbedding(text, dimensions);
      const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return { object: 'embedding', index, embedding };
    }),
    model: body.model ?? 'text-embedding-3-small',
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

/** Strings as they are; token arrays as their JSON text (the stand-in has no tokenizer). */
function toTexts(input: EmbeddingsBody['input']): string[] | undefined {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input)) return undefined;
  if (input.every((i) => typeof i === 'number')) return [JSON.stringify(input)];
  return (input as (string | number[])[]).map((i) => (typeof i === 'string' ? i : JSON.stringify(i)));
}
