import { BlockList, isIP } from 'node:net';
import { parseIpRange } from '@tollgate/schema';
import { errors } from '../http/errors.js';

/**
 * Checks a request must pass before it costs anything, each refusal saying exactly what is wrong: the client's
 * address against IP allow lists, the route against a key's allowed routes, and parameters the key or the gateway
 * requires on every request (`user`, `metadata.generation_name`, …).
 */

/** An IP allow list: addresses and CIDR ranges, IPv4 and IPv6. Null: empty, any address. */
export class IpAllowList {
  private static readonly cache = new Map<string, IpAllowList | null>();

  /** Compiled once per distinct list (keys share a few lists; a list is text, so a string key finds it). */
  static of(entries: readonly string[]): IpAllowList | null {
    if (entries.length === 0) return null;
    const id = entries.join(',');
    let found = IpAllowList.cache.get(id);
    if (found === undefined) {
      if (IpAllowList.cache.size > 10_000) IpAllowList.cache.clear();
      found = new IpAllowList(entries);
      IpAllowList.cache.set(id, found);
    }
    return found;
  }

  private readonly list = new BlockList();

  private constructor(entries: readonly string[]) {
    for (const entry of entries) {
      // Invalid entries are refused where they are set (the admin API, the data plane's environment); one that got
      // here anyway matches nothing, never everything.
      const range = parseIpRange(entry);
      if (range === null) continue;
      const type = range.family === 4 ? 'ipv4' : 'ipv6';
      if (range.bits === undefined) this.list.addAddress(range.address, type);
      else this.list.addSubnet(range.address, range.bits, type);
    }
  }

  allows(ip: string): boolean {
    const address = normaliseIp(ip);
    const family = isIP(address);
    if (family === 0) return false;
    return this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/**
 * An IPv4 client on a dual-stack socket is its IPv4 address: `::ffff:10.0.0.1`, and the full hexadecimal form uWS
 * reports (`0000:0000:0000:0000:0000:ffff:7f00:0001`), are 10.0.0.1 and 127.0.0.1.
 */
export function normaliseIp(ip: string): string {
  const lower = ip.toLowerCase();
  if (lower.startsWith('::ffff:') && lower.includes('.')) return lower.slice(7);
  const mapped = V4_MAPPED_HEX.exec(lower);
  if (mapped === null) return lower;
  const high = parseInt(mapped[1]!, 16);
  const low = parseInt(mapped[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

const V4_MAPPED_HEX = /^(?:(?:0{1,4}:){5}|::)ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

export function checkIp(ip: string, keyList: IpAllowList | null, gatewayList: IpAllowList | null): void {
  if (gatewayList !== null && !gatewayList.allows(ip)) throw errors.ipNotAllowed(normaliseIp(ip), 'gateway');
  if (keyList !== null && !keyList.allows(ip)) throw errors.ipNotAllowed(normaliseIp(ip), 'key');
}

/**
 * A key's allowed routes: paths (`/v1/chat/completions`) or prefixes ending in `*` (`/v1/*`). OpenAI clients call
 * the same routes with and without `/v1`, so `/chat/completions` and `/v1/chat/completions` are one route here.
 */
export function checkRoute(allowed: readonly string[], path: string): void {
  if (allowed.length === 0) return;
  const route = withoutV1(path);
  // Counting a Messages request's tokens is part of the Messages API (Claude Code calls both): `/v1/messages` allows it;
  // compacting a conversation is part of the Responses API (Codex calls both): `/v1/responses` allows it.
  const parent = route === '/messages/count_tokens' ? '/messages' : route === '/responses/compact' ? '/responses' : null;
  for (const entry of allowed) {
    const rule = withoutV1(entry.trim());
    if (rule.endsWith('*') ? route.startsWith(rule.slice(0, -1)) : route === rule || parent === rule) return;
  }
  throw errors.routeNotAllowed(path);
}

/** The route without its `/v1` or Azure v1 (`/openai/v1`) prefix: rules name routes either way. */
function withoutV1(path: string): string {
  if (path.startsWith('/v1/')) return path.slice(3);
  return path.startsWith('/openai/v1/') ? path.slice(10) : path;
}

/**
 * Parameters that must be present on every request: a top-level field (`user`) or a dotted path into the body
 * (`metadata.generation_name`). Present means not null and not an empty string. `user` stands for the end user,
 * which each protocol names its own way (OpenAI's `safety_identifier`, Anthropic's `metadata.user_id`): `endUser`
 * is the one the request names, if any.
 */
export function checkEnforcedParams(body: Record<string, unknown>, keyParams: readonly string[], gatewayParams: readonly string[], endUser: string | null = null): void {
  const has = (param: string) => (param === 'user' && endUser !== null && endUser !== '') || present(body, param);
  for (const param of gatewayParams) if (!has(param)) throw errors.enforcedParamMissing(param, 'gateway');
  for (const param of keyParams) if (!has(param)) throw errors.enforcedParamMissing(param, 'key');
}

function present(body: Record<string, unknown>, path: string): boolean {
  let value: unknown = body;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return false;
    value = (value as Record<string, unknown>)[part];
  }
  return value !== undefined && value !== null && value !== '';
}
