import { z } from 'zod';

/**
 * One usage event per request that authenticated with a virtual key, successful or not. The data plane batches
 * them to the control plane (`ingestUsage`), which writes them idempotently by `requestId` and acknowledges.
 */
export const UsageStatus = z.enum(['success', 'error', 'aborted']);
export type UsageStatus = z.infer<typeof UsageStatus>;

/** The ledger's token columns are 32-bit integers: a count past them is no real request's. */
const TokenCount = z.number().int().nonnegative().max(2_147_483_647);

export const UsageEvent = z.object({
  requestId: z.string().min(1).max(128),
  keyId: z.string().min(1),
  teamId: z.string().nullable(),
  /** Public model name the client asked for (may be unknown to the gateway on a 404). */
  model: z.string(),
  /** Deployment actually used, when one was chosen. */
  modelId: z.string().nullable(),
  provider: z.string().nullable(),
  route: z.string(),
  stream: z.boolean(),
  status: UsageStatus,
  httpStatus: z.number().int().min(0).max(999),
  errorType: z.string().nullable().default(null),
  errorMessage: z.string().nullable().default(null),
  /** All input tokens, cache reads and writes included. */
  promptTokens: TokenCount,
  /** All output tokens, reasoning included. */
  completionTokens: TokenCount,
  totalTokens: TokenCount,
  /** The parts of `promptTokens` read from and written to the provider's prompt cache. */
  cacheReadTokens: TokenCount.default(0),
  cacheWriteTokens: TokenCount.default(0),
  /** The part of `completionTokens` spent reasoning. */
  reasoningTokens: TokenCount.default(0),
  /** True when the provider reported no usage and the counts were made locally. */
  estimated: z.boolean().default(false),
  /**
   * USD, exact: a decimal string (`"0.000123450000"`) from current data planes, a number from older ones. Stored in a
   * numeric column, so it is never rounded through a float on the way (below $10^12, the column's range).
   */
  cost: z.union([z.number().nonnegative().lt(1e12), z.string().regex(/^\d{1,12}(\.\d+)?$/, 'a non-negative decimal below 10^12')]),
  startedAt: z.string().datetime({ offset: true }),
  durationMs: z.number().nonnegative(),
  /** Time to first byte of a streamed answer; null for non-streamed requests and failures before any byte. */
  ttftMs: z.number().nonnegative().nullable().default(null),
  endUser: z.string().nullable().default(null),
  /** Request metadata worth reporting on (`metadata` of the request); merged over the key's own on ingest. */
  metadata: z.record(z.string(), z.unknown()).default({}),
  /** Request tags (`metadata.tags`), added to the key's and team's. */
  tags: z.array(z.string()).default([]),
  dataPlaneId: z.string(),
  /**
   * The subject whose budget refused the request (`errorType` `budget_exceeded`): its kind (`key`, `team`, `user`,
   * `org`, `end_user`, `tag`, `key_model`) and id. A refusal comes before spend reaches the budget (the data plane
   * refuses what the request would take past it), so the control plane's hard-budget alert fires on it. `spent`: what
   * the data plane counted the subject as having spent in the period when it refused (USD, settled requests only), for
   * the alert's figure: the requests that spent it may reach the ledger in a later batch, from another data plane.
   * `limit`: the budget (USD) it refused under, so a refusal made before an admin raised the budget files no alert of
   * the new one.
   */
  refusedBy: z
    .object({ kind: z.string().max(32), id: z.string().max(600), spent: z.number().nonnegative().optional(), limit: z.number().nonnegative().optional() })
    .optional(),
});
export type UsageEvent = z.infer<typeof UsageEvent>;
export type UsageEventInput = z.input<typeof UsageEvent>;

export const UsageAck = z.object({
  /** Request ids now durable in the spend log (newly written or already there). */
  acknowledged: z.array(z.string()),
  /** Events the control plane refused as malformed; resending them cannot help. */
  rejected: z.array(z.object({ requestId: z.string().nullable(), reason: z.string() })),
});
export type UsageAck = z.infer<typeof UsageAck>;
