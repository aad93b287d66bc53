import { performance } from 'node:perf_hooks';
import type { UsageEvent, UsageStatus } from '@tollgate/schema';
import type { RuntimeKey, RuntimeModel } from '../config/runtime.js';
import { usageCost } from './cost.js';

const NO_METADATA: Record<string, unknown> = Object.freeze({});
const NO_TAGS: string[] = Object.freeze([]) as unknown as string[];

export interface UsageOutcome {
  status: UsageStatus;
  httpStatus: number;
  errorType?: string | null;
  errorMessage?: string | null;
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
  promptTokens = 0;
  completionTokens = 0;
  private deployment: RuntimeModel | null = null;
  private readonly startedAtMs = Date.now();
  private readonly startMs = performance.now();
  private ttftMs: number | null = null;
  private emitted = false;

  constructor(
    private readonly base: { requestId: string; key: RuntimeKey; route: string; dataPlaneId: string },
    private readonly emit: (event: UsageEvent) => void,
  ) {}

  /** The request's final token counts (reported or estimated). */
  setTokens(usage: { inputTokens: number; outputTokens: number }): void {
    this.promptTokens = usage.inputTokens;
    this.completionTokens = usage.outputTokens;
  }

  useModel(model: RuntimeModel): void {
    this.deployment = model;
  }

  /** Time to first token of a streamed answer; only the first call counts. */
  markFirstToken(): void {
    this.ttftMs ??= performance.now() - this.startMs;
  }

  get done(): boolean {
    return this.emitted;
  }

  finish(outcome: UsageOutcome): void {
    if (this.emitted) return;
    this.emitted = true;
    const { key, requestId, route, dataPlaneId } = this.base;
    const model = this.deployment;
    this.emit({
      requestId,
      keyId: key.id,
      teamId: key.teamId,
      model: this.model,
      modelId: model?.id ?? null,
      provider: model?.provider ?? null,
      route,
      stream: this.stream,
      status: outcome.status,
      httpStatus: outcome.httpStatus,
      errorType: outcome.errorType ?? null,
      errorMessage: outcome.errorMessage ?? null,
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
      totalTokens: this.promptTokens + this.completionTokens,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      estimated: false,
      cost: usageCost(this.promptTokens, this.completionTokens, model),
      // Request metadata and tags are not read yet; shared empty values cost no allocation per request.
      metadata: NO_METADATA,
      tags: NO_TAGS,
      startedAt: isoTime(this.startedAtMs),
      durationMs: performance.now() - this.startMs,
      ttftMs: this.stream ? this.ttftMs : null,
      endUser: this.endUser,
      dataPlaneId,
    });
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
