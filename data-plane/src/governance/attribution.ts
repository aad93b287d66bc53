/**
 * Spend attribution a request carries, in the convention LiteLLM clients already use: `metadata.tags` (strings)
 * and `metadata.spend_logs_metadata` (an object), both in the request body's `metadata`. They are recorded with the
 * usage event (tags count against tag budgets; metadata can be reported on) and taken out of the body before it goes
 * upstream: providers reject metadata fields they do not know (Anthropic accepts only `user_id`).
 */
export interface Attribution {
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, unknown>>;
}

export const NO_ATTRIBUTION: Attribution = Object.freeze({ tags: Object.freeze([]) as readonly string[], metadata: Object.freeze({}) });

const MAX_TAGS = 32;
const MAX_TAG_LENGTH = 128;
/** Recorded metadata larger than this (as JSON) is replaced by a marker: the ledger is not a blob store. */
const MAX_METADATA_JSON = 8_192;
const GATEWAY_FIELDS = ['tags', 'spend_logs_metadata'] as const;

/**
 * Reads the attribution of `body` and removes the gateway's own fields from its `metadata` (the whole `metadata`
 * when nothing else is left), and, when `upstream` names the fields the protocol's providers accept, every other
 * field too (recorded all the same): Anthropic answers 400 for any `metadata` field but `user_id`, so a
 * `generation_name` a LiteLLM client (or a key's enforced parameter) puts there must not reach it. Requests without
 * `metadata` cost one property read.
 */
export function takeAttribution(body: Record<string, unknown>, upstream?: ReadonlySet<string>): Attribution {
  const metadata = body.metadata;
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return NO_ATTRIBUTION;
  const fields = metadata as Record<string, unknown>;
  const tags = readTags(fields.tags);
  const extra = fields.spend_logs_metadata;
  const recorded: Record<string, unknown> = {};
  const kept: Record<string, unknown> = {};
  let forwarded = 0;
  for (const [name, value] of Object.entries(fields)) {
    if ((GATEWAY_FIELDS as readonly string[]).includes(name)) continue;
    if (upstream === undefined || upstream.has(name)) {
      kept[name] = value;
      forwarded++;
    }
    // Other metadata (OpenAI's stored-completion metadata, Anthropic's user_id, LiteLLM's generation_name) is also
    // worth reporting on.
    recorded[name] = value;
  }
  if (extra !== null && typeof extra === 'object' && !Array.isArray(extra)) Object.assign(recorded, extra);
  if (forwarded !== Object.keys(fields).length) {
    if (forwarded === 0) delete body.metadata;
    else body.metadata = kept;
  }
  const json = JSON.stringify(recorded);
  return {
    tags,
    metadata: json.length > MAX_METADATA_JSON ? { metadata_truncated: true, size: json.length } : recorded,
  };
}

/**
 * The body's tags and those of the `x-tollgate-tags` header (comma-separated), once each, under the same caps: a
 * client that cannot tag its body (Claude Code, Codex) tags its requests through its configured headers.
 */
export function withHeaderTags(own: readonly string[], header: string): readonly string[] {
  return readTags([...own, ...header.split(',').map((tag) => tag.trim())]);
}

/** Longer session ids than this are not recorded (every agent's is a UUID or close to one). */
const MAX_SESSION_ID_LENGTH = 256;

/**
 * `metadata` with the session id of the request's headers as `session_id`, unless the request's own metadata names
 * one: Claude Code and Codex send theirs only as a header, and one session's cost is what their users ask about.
 */
export function withSessionId(metadata: Readonly<Record<string, unknown>>, sessionId: string): Readonly<Record<string, unknown>> {
  if (sessionId.length > MAX_SESSION_ID_LENGTH || 'session_id' in metadata || 'metadata_truncated' in metadata) return metadata;
  return { ...metadata, session_id: sessionId };
}

/**
 * Tags as a list of strings, or one string of comma-separated tags: metadata values on OpenAI's APIs (the Responses
 * API, stored completions) must be strings, so a typed SDK client can only send `"tags": "team-a,ci"`.
 */
function readTags(raw: unknown): readonly string[] {
  if (typeof raw === 'string') return readTags(raw.split(',').map((tag) => tag.trim()));
  if (!Array.isArray(raw)) return [];
  const tags: string[] = [];
  for (const tag of raw) {
    if (typeof tag !== 'string' || tag === '' || tag.length > MAX_TAG_LENGTH || tags.includes(tag)) continue;
    tags.push(tag);
    if (tags.length === MAX_TAGS) break;
  }
  return tags;
}
