import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedScript, ScriptFault } from './script.js';

/**
 * Faults injected into a whole stand-in server rather than carried by a request's script: routing tests need one
 * deployment dead (or slow) and another healthy for the same request body. A plan applies to the server's
 * inference requests (chat, completions, responses, messages, embeddings), and its `fault` replaces the script's
 * own, so it is rendered by the same per-provider code in the provider's exact wire format:
 *
 *   { kind: 'http', status: 429, retryAfter: '1' }                       rate limited, with `retry-after`
 *   { kind: 'http', status: 500 }                                        the provider's 500 body
 *   { kind: 'http', status: 400, code: 'context_length_exceeded' }       the provider's context-length 400
 *   { kind: 'hang' } / { kind: 'drop', afterChunks: 2 } / { kind: 'midstream', afterChunks: 2 } / { kind: 'content-filter' }
 *
 * A connection refused needs nothing here: close the stand-in.
 */
export interface FaultPlan {
  /** Replaces the script's fault on every request the plan covers. */
  readonly fault?: ScriptFault;
  /** Delay before the response headers (the error's too), milliseconds: a slow deployment. */
  readonly latencyMs?: number;
  /** Pause between streamed chunks, replacing the script's `chunkDelayMs`. */
  readonly chunkDelayMs?: number;
  /** How many inference requests the plan covers; all of them until `clearFaults()` when absent. */
  readonly times?: number;
}

/**
 * A stand-in's injected plans, in order: each inference request takes the first plan with requests left, so
 * `inject({ fault: 429, times: 1 })` then `inject({ fault: 500, times: 1 })` answers 429, then 500, then normally.
 */
export class FaultQueue {
  private readonly plans: { readonly plan: FaultPlan; left: number }[] = [];

  inject(plan: FaultPlan): void {
    if (plan.times !== undefined && !(Number.isInteger(plan.times) && plan.times > 0)) throw new Error(`FaultPlan.times must be a positive integer, got ${plan.times}`);
    this.plans.push({ plan, left: plan.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.plans.length = 0;
  }

  /** The plan for the inference request that just arrived, counted against its `times`; undefined when none is left. */
  take(): FaultPlan | undefined {
    const head = this.plans[0];
    if (head === undefined) return undefined;
    head.left -= 1;
    if (head.left <= 0) this.plans.shift();
    return head.plan;
  }
}

/** Waits out the plan's latency; false when the client went away meanwhile (nothing is left to answer). */
export async function awaitLatency(plan: FaultPlan | undefined, res: { readonly destroyed: boolean }): Promise<boolean> {
  if (plan?.latencyMs !== undefined && plan.latencyMs > 0) await sleep(plan.latencyMs);
  return !res.destroyed;
}

/** The script as the plan changes it: its fault (and the finish a content filter implies) and chunk delay. */
export function withPlan(script: ResolvedScript, plan: FaultPlan | undefined): ResolvedScript {
  if (plan === undefined) return script;
  const fault = plan.fault;
  return {
    ...script,
    // Only a content filter changes how an answer finishes; every other fault ends the answer before its finish.
    ...(fault !== undefined && { fault, finish: fault.kind === 'content-filter' ? 'content_filter' : script.finish }),
    ...(plan.chunkDelayMs !== undefined && { chunkDelayMs: plan.chunkDelayMs }),
  };
}
