import type { UsageEvent } from '@tollgate/schema';

/**
 * What an operator graphs and alerts on per model: requests by HTTP status and outcome, tokens, spend, and how long
 * requests and first tokens take, counted from each request's usage event as it is emitted (a few map lookups per
 * request, nothing on the way to the client). Prometheus text, rendered by `GET /metrics`.
 *
 * The `model` label is the configured model (or alias) the client named; a request naming none the config knows is
 * counted under `model=""`, so clients cannot grow the series without bound by inventing names.
 */
export class RequestMetrics {
  private readonly requests = new Map<string, RequestSeries>();
  private readonly perModel = new Map<string, ModelSeries>();

  observe(event: UsageEvent): void {
    const model = event.modelId === null ? '' : event.model;
    const requestKey = `${model}\u0000${event.httpStatus}\u0000${event.status}`;
    let requests = this.requests.get(requestKey);
    if (requests === undefined) {
      requests = { model, code: event.httpStatus, outcome: event.status, count: 0 };
      this.requests.set(requestKey, requests);
    }
    requests.count++;
    let series = this.perModel.get(model);
    if (series === undefined) {
      series = newModelSeries();
      this.perModel.set(model, series);
    }
    series.input += event.promptTokens;
    series.output += event.completionTokens;
    series.cacheRead += event.cacheReadTokens;
    series.cacheWrite += event.cacheWriteTokens;
    series.reasoning += event.reasoningTokens;
    const cost = typeof event.cost === 'number' ? event.cost : Number(event.cost);
    if (cost > 0) series.spendUsd += cost;
    observeSeconds(series.duration, event.durationMs / 1000);
    if (event.ttftMs !== null) observeSeconds(series.ttft, event.ttftMs / 1000);
  }

  /** The Prometheus text lines of every series seen since start. */
  render(): string[] {
    const lines = [
      '# HELP tollgate_requests_total Requests with a key, by model, HTTP status and outcome (success, error, aborted).',
      '# TYPE tollgate_requests_total counter',
    ];
    for (const r of this.requests.values()) {
      lines.push(`tollgate_requests_total{model="${escapeLabel(r.model)}",code="${r.code}",outcome="${r.outcome}"} ${r.count}`);
    }
    const models = [...this.perModel.entries()];
    lines.push('# HELP tollgate_tokens_total Tokens by model and kind: input counts all input tokens (cache_read and cache_write are parts of it), output all output tokens (reasoning is a part of it).');
    lines.push('# TYPE tollgate_tokens_total counter');
    for (const [model, s] of models) {
      const m = escapeLabel(model);
      lines.push(
        `tollgate_tokens_total{model="${m}",kind="input"} ${s.input}`,
        `tollgate_tokens_total{model="${m}",kind="output"} ${s.output}`,
        `tollgate_tokens_total{model="${m}",kind="cache_read"} ${s.cacheRead}`,
        `tollgate_tokens_total{model="${m}",kind="cache_write"} ${s.cacheWrite}`,
        `tollgate_tokens_total{model="${m}",kind="reasoning"} ${s.reasoning}`,
      );
    }
    lines.push('# HELP tollgate_spend_usd_total Cost in USD by model, as recorded in the usage events (the ledger is exact; this is a float).');
    lines.push('# TYPE tollgate_spend_usd_total counter');
    for (const [model, s] of models) lines.push(`tollgate_spend_usd_total{model="${escapeLabel(model)}"} ${s.spendUsd}`);
    histogram(lines, 'tollgate_request_duration_seconds', 'Time from request to its last byte, by model.', models, (s) => s.duration);
    histogram(lines, 'tollgate_time_to_first_token_seconds', 'Time from request to the first token of a stream, by model.', models, (s) => s.ttft);
    return lines;
  }
}

/** Upper bounds in seconds: from a cached answer's milliseconds to a long generation's minutes. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

interface RequestSeries {
  readonly model: string;
  readonly code: number;
  readonly outcome: string;
  count: number;
}

interface Histogram {
  /** Per bucket, the observations at most its bound and above the previous one (cumulated when rendered). */
  readonly counts: number[];
  count: number;
  sum: number;
}

interface ModelSeries {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
  spendUsd: number;
  readonly duration: Histogram;
  readonly ttft: Histogram;
}

function newModelSeries(): ModelSeries {
  const empty = (): Histogram => ({ counts: new Array<number>(BUCKETS.length).fill(0), count: 0, sum: 0 });
  return { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, spendUsd: 0, duration: empty(), ttft: empty() };
}

function observeSeconds(h: Histogram, seconds: number): void {
  h.count++;
  h.sum += seconds;
  for (let i = 0; i < BUCKETS.length; i++) {
    if (seconds <= BUCKETS[i]!) {
      h.counts[i]!++;
      return;
    }
  }
}

function histogram(lines: string[], name: string, help: string, models: [string, ModelSeries][], pick: (s: ModelSeries) => Histogram): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
  for (const [model, s] of models) {
    const h = pick(s);
    if (h.count === 0) continue;
    const m = escapeLabel(model);
    let cumulative = 0;
    for (let i = 0; i < BUCKETS.length; i++) {
      cumulative += h.counts[i]!;
      lines.push(`${name}_bucket{model="${m}",le="${BUCKETS[i]}"} ${cumulative}`);
    }
    lines.push(`${name}_bucket{model="${m}",le="+Inf"} ${h.count}`, `${name}_sum{model="${m}"} ${h.sum}`, `${name}_count{model="${m}"} ${h.count}`);
  }
}

/** A Prometheus label value: backslash, double quote and newline escaped. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
