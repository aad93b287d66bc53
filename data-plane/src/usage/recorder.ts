import { performance } from 'node:perf_hooks';
import type { Cost, UsageEvent, UsageStatus } from '@tollgate/schema';
import type { CanonicalRequest } from '../canonical/request.js';
import type { RuntimeKey, RuntimeModel } from '../config/runtime.js';
import type { FinalUsage } from '../pipeline/accounting.js';
import { countImages } from '../providers/token-estimate.js';
import { NO_COST, usageCost } from './cost.js';

const NO_METADATA: Record<string, unknown> = Object.freeze({});
const NO_TAGS: string[] = Object.freeze([]) as unknown as string[];

export interface UsageOutcome {
  status: UsageStatus;
  httpStatus: number;
  errorType?: string | null;
  errorMessage?: string | null;
  /** The subject whose budget refused the request (`HttpError.refusedBy`). */
  refusedBy?: { readonly kind: string; readonly id: string; readonly spent?: number } | undefined;
}

/**
 * Collects what one authenticated request learns as it moves through the pipeline and turns it into exactly one
 * `UsageEvent`: `finish` emits the first time and ignores later calls, so overlapping end paths (a provider error
 * racing a client abort) cannot double-count.
 */
export class UsageRecorder {
  model = '';
  stream = false;
  endUser: string | null = null;
  /** The request's own tags and spend-log metadata (`metadata.tags`, `metadata.spend_logs_metadata`). */
  tags: readonly string[] = NO_TAGS;
  metadata: Readonly<Record<string, unknown>> = NO_METADATA;
  private usage: FinalUsage | undefined;
  private request: { readonly canonical: CanonicalRequest } | undefined;
  private priced: Cost | undefined;
  private deployment: RuntimeModel | null = null;
  private readonly startedAtMs = Date.now();
  private readonly startMs = performance.now();
  private ttftMs: number | null = null;
  private emitted = false;
  private finished: UsageOutcome | undefined;

  constructor(
    private readonly base: { requestId: string; key: RuntimeKey; route: string; dataPlaneId: string },
    private readonly emit: (event: UsageEvent) => void,
  ) {}

  /**
   * The request's final token counts (reported or estimated). `request` is read only for a deployment priced per
   * input image, to count the images. A request whose tokens are never set (refused, or failed before the upstream
   * worked on it) costs nothing.
   */
  setTokens(usage: FinalUsage, request?: { readonly canonical: CanonicalRequest }): void {
    this.usage = usage;
    this.request = request;
    this.priced = undefined;
  }

  /** The id of the virtual key the request is attributed to. */
  get keyId(): string {
    return this.base.key.id;
  }

  /** Input plus output tokens so far (what rate limits settle with); 0 until tokens are set. */
  get totalTokens(): number {
    return this.usage === undefined ? 0 : this.usage.inputTokens + this.usage.outputTokens;
  }

  /** The request's exact cost so far (what the usage event carries); `nanos` is what budgets settle with. */
  get cost(): Cost {
    return (this.priced ??= this.usage === undefined || this.deployment === null ? NO_COST : usageCost(this.usage, this.deployment, () => this.images()));
  }

  private images(): number {
    try {
      return this.request === undefined ? 0 : countImages(this.request.canonical.messages);
    } catch {
      // A forwarded body is validated in full only when translated: one the provider took but the gateway's own
      // parser refuses has no images the gateway can count.
      return 0;
    }
  }

  useModel(model: RuntimeModel): void {
    this.deployment = model;
    this.priced = undefined;
  }

  /** Time to first token of a streamed answer; only the first call counts. */
  markFirstToken(): void {
    this.ttftMs ??= performance.now() - this.startMs;
  }

  /** When the first token came (`performance.now()` time), or null. */
  get firstTokenAt(): number | null {
    return this.ttftMs === null ? null : this.startMs + this.ttftMs;
  }

  /** Output tokens; 0 until tokens are set. */
  get outputTokens(): number {
    return this.usage === undefined ? 0 : this.usage.outputTokens;
  }

  get done(): boolean {
    return this.emitted;
  }

  /** How the request ended, once `finish` has been called. */
  get outcome(): UsageOutcome | undefined {
    return this.finished;
  }

  finish(outcome: UsageOutcome): void {
    if (this.emitted) return;
    this.emitted = true;
    this.finished = outcome;
    const { key, requestId, route, dataPlaneId } = this.base;
    const model = this.deployment;
    const usage = this.usage;
    const promptTokens = usage?.inputTokens ?? 0;
    const completionTokens = usage?.outputTokens ?? 0;
    const event: UsageEvent = {
      requestId,
      keyId: key.id,
      teamId: key.teamId,
      model: bounded(this.model, MAX_NAME),
      modelId: model?.id ?? null,
      provider: model?.provider ?? null,
      route: bounded(route, MAX_NAME),
      stream: this.stream,
      status: outcome.status,
      httpStatus: outcome.httpStatus,
      errorType: outcome.errorType ?? null,
      errorMessage: outcome.errorMessage == null ? null : bounded(outcome.errorMessage, MAX_ERROR_MESSAGE),
      promptTokens,
      completionTokens,
      totalTokens: promptTokens + completionTokens,
      cacheReadTokens: usage?.cacheReadTokens ?? 0,
      cacheWriteTokens: usage?.cacheWriteTokens ?? 0,
      reasoningTokens: usage?.reasoningTokens ?? 0,
      estimated: usage?.estimated ?? false,
      cost: this.cost.usd,
      metadata: this.metadata as Record<string, unknown>,
      tags: this.tags as string[],
      startedAt: isoTime(this.startedAtMs),
      durationMs: performance.now() - this.startMs,
      ttftMs: this.stream ? this.ttftMs : null,
      endUser: this.endUser === null ? null : bounded(this.endUser, MAX_NAME),
      dataPlaneId,
    };
    // Only on budget refusals, so other events carry no `"refusedBy":null`.
    if (outcome.refusedBy !== undefined) {
      const { kind, id, spent } = outcome.refusedBy;
      event.refusedBy = { kind, id: bounded(id, MAX_SUBJECT_ID), ...(spent !== undefined && { spent }) };
    }
    this.emit(event);
  }
}

let lastIsoMs = Number.NaN;
let lastIso = '';

/** `Date.prototype.toISOString` of an epoch-ms time, remembering the last one: under load many requests share a millisecond. */
function isoTime(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}

/**
 * The longest name (model, route, end user) and error message a usage event carries. They come from the client or the
 * provider, unbounded: cut, an event stays small, so a batch of them fits the control plane's body limit (a batch
 * over it would be refused, and resent, forever).
 */
const MAX_NAME = 256;
/** The schema's bound on `refusedBy.id`: an end user under `*` is `<id of *>/<the client's id>`, of any length. */
const MAX_SUBJECT_ID = 600;
const MAX_ERROR_MESSAGE = 2_000;

function bounded(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
