import { luaScript as script, type LuaScript } from '../redis/connection.js';
import { IN_FLIGHT_RETRY_MS } from './admission.js';
import { WINDOW_MS } from './gcra.js';

/**
 * The Lua scripts behind `RedisLimiter`: one call admits a batch of requests, each against every limit of every one
 * of its subjects, one call settles a batch. A script runs atomically, so data planes never interleave between a
 * check and its write. Time is Redis's
 * own clock (`TIME`; Redis ≥ 5 replicates a script's effects rather than the script, so that is allowed before
 * writes), the same for every data plane whatever their clocks say. `PXAT` needs Redis ≥ 6.2.
 *
 * Rate windows are GCRA in integer arithmetic, as `gcra.ts` explains: a window is stored as "a b L" (TAT = a + b/L
 * ms, counted under limit L) and expires when its TAT passes, when it would be empty anyway.
 */
export type { LuaScript };

const COMMON = `
local W = ${WINDOW_MS}
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local function int(x) return string.format('%d', x) end

-- Rate windows this call has read, by key: {u, l}, the level at now (1/l ms it holds) counted under limit l. A
-- window is read once per call and written once at its end (write_windows): the requests of a batch mostly share
-- their subjects' windows, and each GET and SET is Redis's time, which every data plane waits for.
local windows, dirty = {}, {}

-- The window's level at now (1/L ms it holds) under limit lim.
local function level(key, lim)
  local w = windows[key]
  if w == nil then
    w = {0, lim}
    local v = redis.call('GET', key)
    if v then
      local a, b, l = string.match(v, '^(%d+) (%d+) (%d+)$')
      l = tonumber(l)
      w = {(tonumber(a) - now) * l + tonumber(b), l}
    end
    windows[key] = w
  end
  local u, l = w[1], w[2]
  if u <= 0 then return 0 end
  -- Counted under another limit: the units it holds, up to a full window of this one (see gcraLevel in gcra.ts).
  if l ~= lim then return math.min(u, W * lim) end
  return u
end

local function store(key, u, lim)
  if not dirty[key] then
    dirty[key] = true
    dirty[#dirty + 1] = key
  end
  local w = windows[key]
  w[1], w[2] = u, lim
end

-- Each window this call changed, as "a b L" (TAT = a + b/L ms), expiring when its TAT passes; an empty one deleted.
local function write_windows()
  for _, key in ipairs(dirty) do
    local u, lim = windows[key][1], windows[key][2]
    if u <= 0 then
      redis.call('DEL', key)
    else
      local q = math.floor(u / lim)
      redis.call('SET', key, string.format('%d %d %d', now + q, u - q * lim, lim), 'PXAT', int(now + q + 1))
    end
  end
end

-- A budget counter that does not exist yet starts at the config's seed and lives until its period ends plus grace.
local function create_budget(key, seed, period_end, grace)
  if period_end then
    return redis.call('SET', key, seed, 'NX', 'PXAT', int(period_end + grace))
  end
  return redis.call('SET', key, seed, 'NX')
end

-- A reservation as a member of <counter>:rz, whose score is its lease's end: the request id and the nano-USD reserved.
local function reservation(request_id, nanos)
  return request_id .. ' ' .. int(nanos)
end

-- Reservations whose lease has ended (their data plane died before settling them: killed, out of memory) taken off
-- the counter and its reserved total; at most 1,000 a call. Returns the nano-USD released. Run by an admit the counter
-- would refuse: until a budget is tight, what requests of a dead data plane reserved changes no decision.
local function sweep(key)
  local stale = redis.call('ZRANGEBYSCORE', key .. ':rz', '-inf', now, 'LIMIT', 0, 1000)
  if #stale == 0 then return 0 end
  redis.call('ZREM', key .. ':rz', unpack(stale))
  local sum = 0
  for _, member in ipairs(stale) do sum = sum + tonumber(string.match(member, ' (%d+)$')) end
  if sum > 0 then
    if redis.call('EXISTS', key) == 1 then redis.call('DECRBY', key, int(sum)) end
    if redis.call('DECRBY', key .. ':r', int(sum)) <= 0 then redis.call('DEL', key .. ':r') end
  end
  return sum
end
`;

/**
 * What both scripts share: the call's head (ARGV[1..6] and KEYS[1..2], see `SETTLE_AND_ADMIT`) and settles, which
 * `RESOLVE_FAILED` also uses to give reservations back.
 */
const SETTLES = `
local lease, grace = tonumber(ARGV[1]), tonumber(ARGV[2])
-- The batch's mark (two bits at mark_at of a bitmap of its data plane's batches) and the record of its refused admits.
local mark, refused_record, mark_at, mark_ttl, late_at = KEYS[1], KEYS[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local k, p = 2, 6
-- In-flight slots the settles free, by key (one ZREM per key); budget corrections, by key: whether the counter was
-- gone (made again at its seed: it lost the reservations) and per request its id, correction and actual cost, summed
-- in write_settles (one INCRBY each, and one DECRBY of what the counter holds reserved, its key + ':r').
local freed, corrections = {}, {}
-- Budget counters as this call knows them, by key: the total (false: none yet), kept current as it adds to them.
local budgets = {}

-- The settles in ARGV from p up to p_end (their KEYS from k on). apply false steps over them; so does skip[n] over
-- the n-th.
local function settle(p_end, apply, skip)
  local n = 0
  while p < p_end do
    local request_id, token_delta, nanos_delta, nanos = ARGV[p + 1], tonumber(ARGV[p + 2]), ARGV[p + 3], ARGV[p + 4]
    local subjects = tonumber(ARGV[p + 5])
    n = n + 1
    local due = apply and not (skip and skip[n])
    p = p + 5
    for s = 1, subjects do
      local tpm = tonumber(ARGV[p + 1])
      if tpm then
        k = k + 1
        -- Tokens given back never take the window below empty ("now").
        if due then store(KEYS[k], level(KEYS[k], tpm) + token_delta * W, tpm) end
      end
      if ARGV[p + 2] == '1' then
        k = k + 1
        if due then
          local ids = freed[KEYS[k]]
          if ids == nil then
            ids = {}
            freed[KEYS[k]] = ids
            freed[#freed + 1] = KEYS[k]
          end
          ids[#ids + 1] = request_id
        end
      end
      if ARGV[p + 3] ~= '' then
        k = k + 1
        if due then
          local key = KEYS[k]
          local c = corrections[key]
          if c == nil then
            -- A counter gone since admit (expired, or a Redis restart) lost the reservations: it takes actual costs.
            c = {create_budget(key, ARGV[p + 3], tonumber(ARGV[p + 4]), grace) and true or false, {}, {}, {}}
            corrections[key] = c
            corrections[#corrections + 1] = key
          end
          local ids = c[2]
          ids[#ids + 1] = request_id
          c[3][#ids], c[4][#ids] = tonumber(nanos_delta), tonumber(nanos)
        end
      end
      p = p + 4
    end
  end
end

-- The slots and budget corrections settle gathered, written: one ZREM per in-flight set; per budget counter, which of
-- the requests' reservations it still holds (one ZMSCORE; one whose lease ended was swept off the counter already, see
-- sweep: its correction is then its whole actual cost, and it has nothing left to release), those released (one ZREM),
-- the corrections (one INCRBY) and the release of what they reserved (one DECRBY of the key + ':r').
local function write_settles()
  for _, key in ipairs(freed) do redis.call('ZREM', key, unpack(freed[key])) end
  for _, key in ipairs(corrections) do
    local c = corrections[key]
    local lost, ids, deltas, actuals = c[1], c[2], c[3], c[4]
    local members = {}
    for i = 1, #ids do members[i] = reservation(ids[i], actuals[i] - deltas[i]) end
    local held = redis.call('ZMSCORE', key .. ':rz', unpack(members))
    local sum, release, kept = 0, 0, {}
    for i = 1, #ids do
      if held[i] then
        kept[#kept + 1] = members[i]
        release = release + actuals[i] - deltas[i]
      end
      sum = sum + ((lost or not held[i]) and actuals[i] or deltas[i])
    end
    if #kept > 0 then redis.call('ZREM', key .. ':rz', unpack(kept)) end
    if sum ~= 0 then budgets[key] = redis.call('INCRBY', key, int(sum)) end
    -- (Below zero only when the counter was lost since admit: nothing is reserved then.)
    if release ~= 0 and redis.call('DECRBY', key .. ':r', int(release)) <= 0 then redis.call('DEL', key .. ':r') end
  end
end
`;

/**
 * One call per event-loop turn of a data plane: settles a batch of requests, then admits a batch (slots and tokens
 * the settles free are there for the admits). One script rather than one for each, because per command the data
 * plane's cost (a write syscall, a reply to read and parse) is what a saturated data plane feels, not Redis's.
 *
 * KEYS: the batch's mark and the record of its refused admits (see `RESOLVE_FAILED`); then the settles' keys, then
 * the admits', each per request, per subject, in order. A settle's: tpm window, in-flight set, budget counter (those
 * it has a correction for). An admit's: rpm window, tpm window, in-flight set, budget counter (the limits it has).
 * ARGV: lease ms, budget grace ms, the mark's place (`#<n>`: the n-th two bits), how long marks are kept (ms), when
 * (Redis's clock, ms) the call is late enough that its data plane may have given up on it (its refusals are recorded
 * only then: a retry can only follow a call its data plane gave up on), how many of the ARGV that follow are the
 * settles'; then per settled request:
 * request id, token correction (actual − reserved), nano-USD correction, actual nano-USD, number of subjects, and 4
 * per subject: tpm ('' when there is no correction to make), '1' if it holds an in-flight slot, budget seed and budget
 * period end ms ('' when there is no correction to make); then per admitted request: request id, tokens to reserve,
 * nano-USD to reserve, number of subjects, and 6 per subject: rpm, tpm, parallel, budget max, budget seed, budget
 * period end ms ('' where absent).
 *
 * Admits run one after the other: each request is all or nothing across its subjects, exactly as if it had a script
 * call of its own, and sees what the requests before it took. What the call reads it reads once (a rate window, an
 * in-flight set's count, a budget counter) and keeps current in Lua as settles and admits change it, and it writes
 * each once: rate windows and new in-flight members at the end, the settles' freed slots and budget corrections
 * before the admits, the admits' budget reservations (summed per counter) at the end. A batch's requests mostly share
 * their subjects, so a call costs Redis a few commands per subject rather than several per request (see
 * docs/performance.md). Budget counters stay Redis integers; Lua compares them as doubles, exact up to 2^53 nano-USD
 * (about 9 million USD) per counter, as before, and a batch's sums stay far below that.
 *
 * Returns nil when a retry of the batch got there first (its call had timed out), else one reply per admitted
 * request: {1, requests limit, remaining, reset ms, tokens limit, remaining, reset ms} (-1s: no such window), or {0,
 * ...those six, subject number, kind (1 rpm, 2 tpm, 3 parallel, 4 budget), retry ms (-1: never), budget spent, of it
 * reserved by requests in flight}; then
 * Redis's clock (ms).
 */
export const SETTLE_AND_ADMIT = script(`${COMMON}${SETTLES}
-- This batch's mark: 1, it ran. Found set, a retry of this batch (RESOLVE_FAILED) reached Redis first, after this call
-- timed out on its data plane, and did what was due: this call, come late, does nothing.
local before = redis.call('BITFIELD', mark, 'SET', 'u2', mark_at, 1)[1]
if before ~= 0 then
  redis.call('BITFIELD', mark, 'SET', 'u2', mark_at, before)
  return false
end
redis.call('PEXPIRE', mark, mark_ttl)

settle(6 + tonumber(ARGV[6]), true)
write_settles()

-- In-flight sets the admits look at, by key: {slots taken, new members as score, id, …}, cleared of expired leases
-- and counted once, added to once at the end.
local inflight = {}

local function taken(key)
  local z = inflight[key]
  if z == nil then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    z = {redis.call('ZCARD', key), {}}
    inflight[key] = z
    inflight[#inflight + 1] = key
  end
  return z
end

-- What the admits add to each budget counter, by key, written with one INCRBY each at the end; and the reservations
-- themselves, by key: {lease end, reservation, …}, written with one ZADD.
local added, leases = {}, {}
-- Budget counters whose ended reservations this call has swept.
local swept = {}
-- Which of the admits (1 the first) were refused, kept with the batch's mark: a retry must not give back what they
-- never took.
local refused, admits = {}, 0

-- Admits. One request's decision. State: commits to make if admitted (n of them, kind and key and two values each, in
-- arrays reused from request to request), the refusal that takes longest to clear, and the tightest request and
-- token windows.
local request_id, tokens, nanos, cost_nanos, hit
local n, ckind, ckey, ca, cb = 0, {}, {}, {}, {}
local tight = {{}, {}}
local lease_score = int(now + lease)

local function commit(kind, key, a, b)
  n = n + 1
  ckind[n], ckey[n], ca[n], cb[n] = kind, key, a, b
end

local function refuse(s, kind, retry, spent, reserved)
  -- The refusal that takes longest to clear (-1: never), so that waiting it out passes every limit.
  if hit == nil or (hit[3] ~= -1 and (retry == -1 or retry > hit[3])) then hit = {s, kind, retry, spent or '', reserved or ''} end
end

-- What a budget counter holds reserved by requests in flight: written (read once per call, only for a refusal), and
-- added by this call's admits.
local reserved_read = {}
local function reserved_in(key)
  local written = reserved_read[key]
  if written == nil then
    written = tonumber(redis.call('GET', key .. ':r') or '0')
    reserved_read[key] = written
  end
  return written + (added[key] or 0)
end

-- Fewest units left, and the level they were judged at.
local function offer(t, lim, u)
  local remaining = math.floor((W * lim - u) / W)
  if remaining < t[3] then t[1], t[2], t[3] = lim, u, remaining end
end

-- One rate window: checked now, written only if the whole request is admitted.
local function window(key, lim, cost, t, s, kind)
  local u = level(key, lim)
  offer(t, lim, u)
  local after = u + cost * W
  if after <= W * lim then
    commit(1, key, after, lim)
  elseif cost > lim then
    refuse(s, kind, -1)
  else
    refuse(s, kind, math.ceil((after - W * lim) / lim))
  end
end

local function status(t, counted)
  if t[1] == -1 then return -1, -1, -1 end
  local u = t[2]
  if counted then u = u + t[4] * W end
  return t[1], math.max(0, math.floor((W * t[1] - u) / W)), math.ceil(u / t[1])
end

local function admit_one()
  request_id, tokens, nanos = ARGV[p + 1], tonumber(ARGV[p + 2]), ARGV[p + 3]
  admits = admits + 1
  local subjects = tonumber(ARGV[p + 4])
  p = p + 4
  cost_nanos = tonumber(nanos)
  n, hit = 0, nil
  local r, t = tight[1], tight[2]
  r[1], r[2], r[3], r[4] = -1, 0, math.huge, 1
  t[1], t[2], t[3], t[4] = -1, 0, math.huge, tokens

  for s = 1, subjects do
    local rpm, tpm, parallel, max = tonumber(ARGV[p + 1]), tonumber(ARGV[p + 2]), tonumber(ARGV[p + 3]), tonumber(ARGV[p + 4])
    if rpm then
      k = k + 1
      window(KEYS[k], rpm, 1, tight[1], s, 1)
    end
    if tpm then
      k = k + 1
      window(KEYS[k], tpm, tokens, tight[2], s, 2)
    end
    if parallel then
      k = k + 1
      if taken(KEYS[k])[1] >= parallel then
        refuse(s, 3, 1000)
      else
        commit(2, KEYS[k])
      end
    end
    if max then
      k = k + 1
      local seed, period_end = ARGV[p + 5], tonumber(ARGV[p + 6])
      local counted = budgets[KEYS[k]]
      if counted == nil then
        counted = redis.call('GET', KEYS[k])
        budgets[KEYS[k]] = counted
      end
      -- Spend the control plane has counted that this counter never saw (settled by data planes counting on their own
      -- while Redis was out of reach, or before a flushed counter was made again): the counter catches up. It holds
      -- everything settled since it was made, on top of the spend counted then, so otherwise it is ahead.
      if counted and tonumber(seed) > tonumber(counted) then
        counted = redis.call('INCRBY', KEYS[k], int(tonumber(seed) - tonumber(counted)))
        budgets[KEYS[k]] = counted
      end
      local spent = counted or seed
      if counted and tonumber(spent) + cost_nanos > max and not swept[KEYS[k]] then
        -- Before a refusal (only then: a budget with room is not slowed by it), reservations whose lease ended are
        -- taken off the counter, once per call.
        swept[KEYS[k]] = true
        local released_nanos = sweep(KEYS[k])
        if released_nanos > 0 then
          counted = tonumber(counted) - released_nanos
          budgets[KEYS[k]] = counted
          spent = counted
        end
      end
      if tonumber(spent) + cost_nanos > max then
        -- Refused only for what requests in flight reserved (it would fit without): taken for now, not spent.
        local reserved = counted and reserved_in(KEYS[k]) or 0
        local retry = -1
        if reserved > 0 and tonumber(spent) - reserved + cost_nanos <= max then
          retry = ${IN_FLIGHT_RETRY_MS}
        elseif period_end then
          retry = math.max(period_end - now, 1)
        end
        refuse(s, 4, retry, type(spent) == 'number' and int(spent) or spent, int(reserved))
      elseif not counted then
        commit(3, KEYS[k], seed, period_end)
      elseif cost_nanos ~= 0 then
        commit(4, KEYS[k])
      end
    end
    p = p + 6
  end

  local admitted = hit == nil
  local rl, rr, rs = status(tight[1], admitted)
  local tl, tr, ts = status(tight[2], admitted)
  if not admitted then
    refused[#refused + 1] = admits
    return {0, rl, rr, rs, tl, tr, ts, hit[1], hit[2], hit[3], hit[4], hit[5]}
  end

  for i = 1, n do
    local kind, key = ckind[i], ckey[i]
    if kind == 1 then
      store(key, ca[i], cb[i])
    elseif kind == 2 then
      local z = inflight[key]
      z[1] = z[1] + 1
      z[2][#z[2] + 1] = lease_score
      z[2][#z[2] + 1] = request_id
    else
      if kind == 3 then create_budget(key, ca[i], cb[i], grace) end
      if cost_nanos ~= 0 then
        if added[key] == nil then
          added[key] = 0
          added[#added + 1] = key
          leases[key] = {}
        end
        added[key] = added[key] + cost_nanos
        local l = leases[key]
        l[#l + 1], l[#l + 2] = lease_score, reservation(request_id, cost_nanos)
        budgets[key] = tonumber(budgets[key] or ca[i]) + cost_nanos
      elseif kind == 3 then
        budgets[key] = ca[i]
      end
    end
  end
  return {1, rl, rr, rs, tl, tr, ts}
end

local replies = {}
while p < #ARGV do replies[#replies + 1] = admit_one() end
write_windows()
for _, key in ipairs(added) do
  redis.call('INCRBY', key, int(added[key]))
  -- What the counter holds reserved, and each reservation with its lease, kept beside it for as long as it lives.
  local fresh = redis.call('INCRBY', key .. ':r', int(added[key])) == added[key]
  redis.call('ZADD', key .. ':rz', unpack(leases[key]))
  if fresh or redis.call('ZCARD', key .. ':rz') * 2 == #leases[key] then
    local ttl = redis.call('PTTL', key)
    if ttl > 0 then
      redis.call('PEXPIRE', key .. ':r', ttl)
      redis.call('PEXPIRE', key .. ':rz', ttl)
    end
  end
end
for _, key in ipairs(inflight) do
  local added = inflight[key][2]
  if #added > 0 then
    redis.call('ZADD', key, unpack(added))
    redis.call('PEXPIRE', key, lease)
  end
end
if #refused > 0 and now >= late_at then redis.call('SET', refused_record, table.concat(refused, ' '), 'PX', mark_ttl) end
-- Redis's clock, last: the data plane learns the clocks' offset from it (for late_at).
replies[#replies + 1] = now
return replies
`);

/**
 * A batch whose call failed on its data plane (Redis away, or slower than the command timeout), retried once Redis
 * answers: its settles must count, once, and the reservations of its admits (their requests went on without Redis,
 * or were refused with 503) must not stay taken. The call may have run, may run later or never; the batch's mark says
 * which, whatever the order the two calls reach Redis in:
 *
 * - 0: it has not run (and will not: come late, it finds the mark and does nothing). Its settles are applied here;
 *   its admits never took anything. Mark 2.
 * - 1: it ran. Its settles are done; its admits (but those it refused, recorded with the mark) are given back as
 *   settles of nothing: in-flight slots freed, reserved tokens and nano-USD returned. Mark 3.
 * - 2, 3: this retry already ran (its own reply was lost): nothing.
 *
 * Marks are kept `mark ms` after the batch's last call, so a retry must come within that (`RedisLimiter` drops
 * older ones: past it, in-flight slots still free themselves when their lease ends).
 *
 * KEYS and ARGV: as `SETTLE_AND_ADMIT`'s head and settles, then one release per admit of the batch, in order, in
 * the settles' format.
 * Returns the mark found.
 */
export const RESOLVE_FAILED = script(`${COMMON}${SETTLES}
local settles_end = 6 + tonumber(ARGV[6])
local state = redis.call('BITFIELD', mark, 'GET', 'u2', mark_at)[1]
if state == 0 then
  settle(settles_end, true)
  redis.call('BITFIELD', mark, 'SET', 'u2', mark_at, 2)
elseif state == 1 then
  settle(settles_end, false)
  local skip = {}
  local record = redis.call('GET', refused_record)
  if record then
    for n in string.gmatch(record, '%d+') do skip[tonumber(n)] = true end
  end
  settle(#ARGV, true, skip)
  redis.call('BITFIELD', mark, 'SET', 'u2', mark_at, 3)
end
write_settles()
write_windows()
redis.call('PEXPIRE', mark, mark_ttl)
return state
`);

/**
 * Leases of requests still in flight, renewed by the data plane that holds them (every third of the lease), so a lease
 * can be short: what a data plane killed mid-request held (in-flight slots, budget reservations) is free within one
 * lease, while a long stream on a live data plane keeps its own. Members already gone (settled, swept) are not added
 * back (`XX`). KEYS: the sets; ARGV: the lease (ms), then per key: 'p' (an in-flight set, whose own expiry follows) or
 * 'r' (a counter's reservations, which expire with it), the number of members, the members.
 */
export const RENEW_LEASES = script(`
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local lease = tonumber(ARGV[1])
local score = string.format('%d', now + lease)
local a = 2
for i = 1, #KEYS do
  local kind, n = ARGV[a], tonumber(ARGV[a + 1])
  local members = {}
  for j = 1, n do
    members[#members + 1] = score
    members[#members + 1] = ARGV[a + 1 + j]
  end
  a = a + 2 + n
  if redis.call('ZADD', KEYS[i], 'XX', 'CH', unpack(members)) > 0 and kind == 'p' then redis.call('PEXPIRE', KEYS[i], lease) end
end
return 1
`);
