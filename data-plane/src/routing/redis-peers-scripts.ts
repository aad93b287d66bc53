import { luaScript as script } from '../redis/connection.js';

/**
 * The Lua scripts behind `RedisRouterPeers`. A script runs atomically, so data planes failing at the same moment
 * never both see "one below the threshold". Time is Redis's own clock (`TIME`), the same for every data plane; what
 * leaves Redis is a remaining duration, never a deadline, so no data plane's clock is compared with Redis's (see
 * `RedisRouterPeers`).
 *
 * Cooldowns live in one sorted set (deployment id → deadline, Redis clock) rather than a key per deployment: a data
 * plane that (re)connects reads them all with one command, where finding per-deployment keys would SCAN a keyspace it
 * shares with the limiter's counters, millions of keys on a busy gateway.
 */
const NOW = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local function int(x) return string.format('%d', x) end
`;

/** Values of ARGV per failure in `FAIL`. */
export const FAIL_ARGS = 7;

/**
 * Counts a batch of failures, each in the window of its deployment and kind (a sorted set of failure times), with the
 * rules of `Router.failed`: `allowed` failures within `window` ms cool the deployment down for the longer of the
 * cooldown and the failure's retry-after (and empty the window); a retry-after longer than the router waits for
 * cools it down for that long at once. A longer cooldown already in place stands. Each cooldown set is published.
 *
 * KEYS: the cooldowns (sorted set), then one window per failure.
 * ARGV: the channel; then `FAIL_ARGS` per failure: deployment id, a member unique to this failure, window ms, allowed,
 * cooldown ms, retry-after ms (-1: none), max retry-after ms.
 * Returns {deployment id, remaining ms, ...} for the cooldowns set.
 */
export const FAIL = script(`${NOW}
local cooldowns, channel = KEYS[1], ARGV[1]
local set = {}
for i = 2, #KEYS do
  local a = 2 + (i - 2) * ${FAIL_ARGS}
  local id, member = ARGV[a], ARGV[a + 1]
  local window, allowed, cooldown = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local retry_after, max_retry_after = tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
  local key = KEYS[i]
  redis.call('ZREMRANGEBYSCORE', key, '-inf', int(now - window))
  redis.call('ZADD', key, int(now), member)
  local ms = 0
  if redis.call('ZCARD', key) >= allowed then
    ms = math.max(cooldown, retry_after)
    redis.call('DEL', key)
  else
    redis.call('PEXPIRE', key, window)
    if retry_after > max_retry_after then ms = retry_after end
  end
  if ms > 0 then
    local until_ms = math.max(now + ms, tonumber(redis.call('ZSCORE', cooldowns, id) or 0))
    redis.call('ZADD', cooldowns, int(until_ms), id)
    local remaining = until_ms - now
    redis.call('PUBLISH', channel, cjson.encode({deploymentId = id, remainingMs = remaining}))
    set[#set + 1] = id
    set[#set + 1] = remaining
  end
end
if #set > 0 then
  -- Ended cooldowns go; the set itself goes with its last deadline.
  redis.call('ZREMRANGEBYSCORE', cooldowns, '-inf', int(now))
  local last = redis.call('ZRANGE', cooldowns, -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', cooldowns, last[2])
end
return set
`);

/**
 * The cooldowns not yet over. KEYS: the cooldowns. Returns {deployment id, remaining ms, ...}.
 */
export const COOLDOWNS = script(`${NOW}
local entries = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. int(now), '+inf', 'WITHSCORES')
for i = 2, #entries, 2 do entries[i] = tonumber(entries[i]) - now end
return entries
`);
