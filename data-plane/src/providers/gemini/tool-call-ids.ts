import { randomBytes } from 'node:crypto';

/**
 * Tool-call ids for Gemini function calls: the gateway's own for calls Gemini sent without an id, and telling those
 * apart from Gemini's when the calls come back in the history.
 *
 * - Gemini 2.5 mostly sends calls without `id`; the gateway then mints `call_<n>_<suffix>`, the suffix made of the
 *   response id (random when there is none), so ids stay unique across the turns of a conversation (Anthropic rejects
 *   repeated tool-use ids; clients key results by id) while a replayed response still gets the same ids.
 * - Gemini 3 gives every call an `id` and asks for it back on the call and on its `functionResponse` ("Include this
 *   exact id in your functionResponse so the model can accurately map your result back"). An id in the gateway's
 *   format was never Gemini's and is not sent; every other id is, on the call and on its response alike (an id another
 *   provider issued, in a conversation that changed provider, pairs them just as well). Only to Gemini 3 and later:
 *   earlier models' endpoints have answered an `id` there with 400 "Unknown name \"id\"", and match by name.
 * @see https://ai.google.dev/gemini-api/docs/function-calling
 * @see https://ai.google.dev/api/caching#FunctionResponse
 */

const MINTED = /^call_\d+_[A-Za-z0-9_-]{1,24}$/;

/** The suffix shared by the ids minted for one response. */
export function toolCallIdSuffix(responseId: string | undefined): string {
  return responseId?.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 24) || randomBytes(9).toString('base64url');
}

export function mintToolCallId(index: number, suffix: string): string {
  return `call_${index}_${suffix}`;
}

/** Whether `id` is one to send back to Gemini: not one the gateway minted. */
export function isGeminiToolCallId(id: string): boolean {
  return id !== '' && !MINTED.test(id);
}
