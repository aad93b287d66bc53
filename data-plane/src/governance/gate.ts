import { errors, type HttpError } from '../http/errors.js';
import type { AdmitInput, LimitDecision, LimitSubject, RateLimitStatus, Refusal, SettleInput, Ticket } from '../limits/types.js';
import { refusedForReservations } from '../limits/admission.js';

/** What the gate needs of the limiter: admit (or say the shared counters are out of reach), settle. */
export interface GateLimiter {
  admit(input: AdmitInput): Promise<LimitDecision>;
  settle(ticket: Ticket, actual: SettleInput): Promise<void>;
}

/**
 * Turns the limiter's answers into HTTP: a refusal becomes the 429 (or 503) in the caller's error format, naming the
 * limit; an admission puts the tightest windows in `x-ratelimit-*` headers, as OpenAI sends them, and for a client of
 * Anthropic's API (`anthropic`) also in `anthropic-ratelimit-*` ones, as Anthropic sends them.
 */
export async function admitRequest(limiter: GateLimiter, input: AdmitInput, anthropic = false): Promise<{ ticket: Ticket; headers: Record<string, string> }> {
  const result = await limiter.admit(input);
  if ('unavailable' in result) throw errors.limitsUnavailable();
  const headers = rateLimitHeaders(result.status);
  if (anthropic) addAnthropicRateLimitHeaders(headers, result.status, input.nowMs);
  if (!result.ok) {
    const error = refusalError(result.refusal, input);
    Object.assign(error.headers, headers);
    throw error;
  }
  return { ticket: result.ticket, headers };
}

/** OpenAI's rate-limit headers: limit, remaining, reset (a duration such as `1.5s`), for requests and tokens. */
export function rateLimitHeaders(status: RateLimitStatus): Record<string, string> {
  const headers: Record<string, string> = {};
  const { requests, tokens } = status;
  if (requests !== null) {
    headers['x-ratelimit-limit-requests'] = String(requests.limit);
    headers['x-ratelimit-remaining-requests'] = String(Math.max(0, requests.remaining));
    headers['x-ratelimit-reset-requests'] = duration(requests.resetMs);
  }
  if (tokens !== null) {
    headers['x-ratelimit-limit-tokens'] = String(tokens.limit);
    headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, tokens.remaining));
    headers['x-ratelimit-reset-tokens'] = duration(tokens.resetMs);
  }
  return headers;
}

/**
 * Anthropic's rate-limit headers (`anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}`), the reset as the
 * RFC 3339 time the window is full again, to the second (rounded up), as Anthropic sends it. Tollgate's token limits
 * count input and output together, so there are no `input-tokens` and `output-tokens` ones.
 * @see https://docs.anthropic.com/en/api/rate-limits#response-headers
 */
export function addAnthropicRateLimitHeaders(headers: Record<string, string>, status: RateLimitStatus, nowMs: number): void {
  const { requests, tokens } = status;
  if (requests !== null) {
    headers['anthropic-ratelimit-requests-limit'] = String(requests.limit);
    headers['anthropic-ratelimit-requests-remaining'] = String(Math.max(0, requests.remaining));
    headers['anthropic-ratelimit-requests-reset'] = instant(nowMs + requests.resetMs);
  }
  if (tokens !== null) {
    headers['anthropic-ratelimit-tokens-limit'] = String(tokens.limit);
    headers['anthropic-ratelimit-tokens-remaining'] = String(Math.max(0, tokens.remaining));
    headers['anthropic-ratelimit-tokens-reset'] = instant(nowMs + tokens.resetMs);
  }
}

/** An epoch time as RFC 3339 in UTC, to the second, rounded up (`2026-11-27T02:40:01Z`). */
function instant(ms: number): string {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Milliseconds as seconds with up to three decimals (`1.5s`), rounded up; on every admitted request, so no toFixed. */
function duration(ms: number): string {
  return `${Math.ceil(Math.max(0, ms)) / 1000}s`;
}

export function refusalError(refusal: Refusal, input: AdmitInput): HttpError {
  const { subject } = refusal;
  const retry = refusal.retryAfterSeconds;
  switch (refusal.kind) {
    case 'rpm':
      return errors.rateLimited(`Rate limit reached for ${subject.label}: ${refusal.limit} requests per minute. Retry after ${retry ?? 1}s.`, 'rate_limit_exceeded', retry ?? 1);
    case 'tpm':
      // Null: the reservation alone is more than the limit, so no wait helps (OpenAI answers "Request too large").
      return retry === null
        ? errors.rateLimited(
            `Request too large for ${subject.label}: it reserves ${input.reserveTokens} tokens (${reservedAs(input)}), more than the limit of ${refusal.limit} tokens per minute. ${smaller(input)}.`,
            'rate_limit_exceeded',
            null,
          )
        : errors.rateLimited(
            `Rate limit reached for ${subject.label}: ${refusal.limit} tokens per minute (this request reserves ${input.reserveTokens}). Retry after ${retry}s.`,
            'rate_limit_exceeded',
            retry,
          );
    case 'parallel':
      return errors.rateLimited(
        `Too many requests in flight for ${subject.label}: at most ${refusal.limit} at once. Retry when one finishes.`,
        'parallel_request_limit_exceeded',
        retry ?? 1,
      );
    case 'budget': {
      // A request whose estimate alone is more than the whole budget never fits, however long one waits; it is not
      // the budget being reached either (no alert: `refusedBy` unset).
      const max = subject.budget?.maxNanos ?? null;
      // A budget of $0 (an admin stopping a key's spending): nothing fits, however small.
      if (max === 0n) return errors.budgetExceeded(`The budget of ${subject.label} is $0: it admits no requests until an admin raises it.`, null);
      if (max !== null && input.reserveNanos > max) {
        return errors.budgetExceeded(
          `Request too large for the budget of ${subject.label}: it may cost up to $${nanosToUsd(input.reserveNanos)} (${reservedAs(input)} at the model's prices), more than the whole budget of $${refusal.limit}. ${smaller(input)}.`,
          null,
        );
      }
      // What requests that finished spent: the counter holds the reservations of those in flight too.
      const reserved = refusal.reservedNanos ?? 0n;
      const settled = refusal.spentNanos === undefined ? undefined : refusal.spentNanos - reserved;
      // Taken for now by requests in flight, not spent: a retry once they finish may fit, and nothing is alerted.
      if (max !== null && settled !== undefined && refusedForReservations(refusal.spentNanos!, reserved, input.reserveNanos, max)) {
        return errors.budgetInFlight(inFlightMessage(subject, refusal, settled, input), retry ?? 1);
      }
      const error = errors.budgetExceeded(budgetMessage(subject, refusal, settled, input), retry);
      // The budget alert (`refusedBy`) says requests are refused from here on: so for a budget spent, or all but a
      // tenth of it, or one that could not take a request of at most half of it. One large request early in a period,
      // refused while small ones still fit, files none (it would be the period's only max-budget alert, and hide the
      // real one).
      if (max === null || settled === undefined || (max - settled) * 10n < max || input.reserveNanos * 2n <= max) {
        error.refusedBy = {
          kind: subject.kind,
          id: subject.id,
          ...(settled !== undefined && settled >= 0n && { spent: Number(settled) / 1e9 }),
          ...(max !== null && { limit: Number(max) / 1e9 }),
        };
      }
      return error;
    }
  }
}

/** What a request's token reservation is made of, for refusals: its prompt estimate, and its output cap or the default. */
function reservedAs(input: AdmitInput): string {
  const output = input.reservedOutput;
  if (output?.kind === 'none') return 'prompt estimate';
  if (output?.kind === 'default') return `prompt estimate plus ${output.defaultTokens} output tokens per choice, reserved for a request that sets no ${output.param}`;
  return `prompt estimate plus ${outputParam(input)} per choice`;
}

/** The parameter a client lowers to reserve less output. */
function outputParam(input: AdmitInput): string {
  const output = input.reservedOutput;
  return output === undefined || output.kind === 'none' ? 'max_tokens' : output.param;
}

/** What the client can do about a request too large: a smaller prompt (input), and a lower output cap if it has one. */
function smaller(input: AdmitInput): string {
  if (input.reservedOutput?.kind === 'none') return 'Send a smaller input';
  const output = input.reservedOutput;
  return output?.kind === 'default' ? `Send a smaller prompt or set ${output.param}` : `Send a smaller prompt or a lower ${outputParam(input)}`;
}

/**
 * The refusal's words. A tag's or an end user's spend is left out: any key may name a tag or an end user in its
 * requests, and what another team has spent under them is not its business. `settled`: what finished requests spent.
 */
function budgetMessage(subject: LimitSubject, refusal: Refusal, settled: bigint | undefined, input: AdmitInput): string {
  const shared = subject.kind === 'tag' || subject.kind === 'end_user';
  const spent = settled !== undefined && !shared ? `spent $${nanosToUsd(settled)} of $${refusal.limit}` : `budget $${refusal.limit}`;
  const end = subject.budget?.periodEndMs;
  const when = end != null ? `; the budget resets at ${new Date(end).toISOString()}` : '';
  // Not reached yet: what is left cannot take this request's estimate (a smaller request may still fit).
  const max = subject.budget?.maxNanos ?? null;
  const left = max !== null && settled !== undefined ? max - settled : 0n;
  if (left > 0n) {
    const what = shared ? 'is left' : `the $${nanosToUsd(left)} left`;
    return `Budget nearly exhausted for ${subject.label}: ${spent}, and this request may cost up to $${nanosToUsd(input.reserveNanos)} (${reservedAs(input)}), more than ${what}. ${smaller(input)}${when}.`;
  }
  return `Budget exceeded for ${subject.label}: ${spent}${when}.`;
}

/**
 * A budget refused only for what requests in flight reserved: it is not spent, and says so, with what was spent and
 * what is reserved (left out for a tag or an end user, as in `budgetMessage`).
 */
function inFlightMessage(subject: LimitSubject, refusal: Refusal, settled: bigint, input: AdmitInput): string {
  const shared = subject.kind === 'tag' || subject.kind === 'end_user';
  const figures = shared ? '' : ` ($${nanosToUsd(settled)} spent, $${nanosToUsd(refusal.reservedNanos ?? 0n)} reserved by requests not finished yet)`;
  return `The budget of ${subject.label} ($${refusal.limit}) is taken by requests in flight${figures}, and this request may cost up to $${nanosToUsd(input.reserveNanos)} (${reservedAs(input)}). Retry when one finishes${input.reservedOutput?.kind === 'none' ? '' : `, or send a lower ${outputParam(input)}`}.`;
}

/** Nano-USD → dollars with cents (and more digits only when they matter), for messages. */
export function nanosToUsd(nanos: bigint): string {
  const negative = nanos < 0n;
  const abs = negative ? -nanos : nanos;
  const whole = abs / 1_000_000_000n;
  const fraction = (abs % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}
