import { createHash } from 'node:crypto';

/** The longest end-user id OpenAI takes in `user` and `safety_identifier`. */
export const MAX_END_USER_LENGTH = 64;

/**
 * The end-user id as it goes upstream (`user`, `safety_identifier`). OpenAI and Azure refuse one longer than 64
 * characters (400 "Invalid 'user': string too long. Expected a string with maximum length 64"), and Claude Code's
 * `metadata.user_id` is a JSON object of about 150, so every one of its requests to an OpenAI model failed. A longer id
 * goes as its SHA-256 in hex, exactly 64 characters: the same id always gives the same digest, so OpenAI's abuse
 * monitoring still sees one stable user (and the id itself, which may name an account, does not leave). Ids that fit
 * go as they are. Compatible servers get the same: a stable id is all the field is for.
 *
 * Only the upstream field changes: the gateway's own end-user attribution (spend, budgets, usage events) reads the
 * request, so it keeps the client's value.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-safety_identifier
 */
export function upstreamEndUser(id: string): string {
  // `length` counts UTF-16 units, never fewer than OpenAI's characters: an id that passes here fits there.
  if (id.length <= MAX_END_USER_LENGTH) return id;
  return createHash('sha256').update(id).digest('hex');
}
