/**
 * The send budget's Lua scripts (src/telegram/send-budget.ts runs them). Every key a script
 * touches is declared in KEYS and shares one hash tag, so they run on Redis Cluster too.
 */

/**
 * One call admits a batch of sends of one class, each to its chat, on Redis's clock. All keys
 * share one hash tag, so the script runs on Redis Cluster too (KEYS are declared, one slot).
 *
 * KEYS: 1 log of standard sends (ZSET, µs), 2 log of paid broadcasts, 3 pace of standard
 * notices and campaigns (GCRA theoretical arrival time), 4 pace of campaigns, 5 waiting
 * classes (HASH rank → µs until which a sender of that rank waits for room), 6 pause (a 429),
 * 7.. one key per send: its chat's own limit.
 * ARGV: 1 rank, 2 paid (1/0), 3 cap per window, 4 campaign cap per window, 5 window µs,
 * 6 group sends per minute, 7 chat burst (replies), 8 member prefix, 9.. chat ids ('' = none).
 *
 * Per send: a pause (a 429) holds everyone; a chat's limit (1/s in private chats with a small
 * burst for replies, 20/min in groups) holds only that send; then a lower class waits while a
 * higher one is waiting for room; then the hard rule, at most `cap` sends in any window of
 * `window` µs (1 s plus a margin for jitter), and for notices and campaigns the pace (sends spaced
 * window/cap apart) so that the window always frees a slot soon for the next reply.
 * Returns, per send, the µs to wait (0: admitted and counted) and why: 0 ok, 1 pause, 2 chat, 3 budget.
 */
export const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local rank = tonumber(ARGV[1])
local paid = ARGV[2] == '1'
local cap = tonumber(ARGV[3])
local ccap = tonumber(ARGV[4])
local W = tonumber(ARGV[5])
local gmax = tonumber(ARGV[6])
local burst = tonumber(ARGV[7])
local member = ARGV[8]
local n = #KEYS - 6
local out = {}
-- A chat's own limits, with a margin for jitter on the way: 1 message per 1.05 s, 20 per 61 s.
local CHAT_US = 1050000
local GROUP_US = 61000000
local function fmt(x) return string.format('%.0f', x) end
local pause = tonumber(redis.call('GET', KEYS[6]) or '0')
if pause > now then
  for i = 1, n do out[#out + 1] = fmt(pause - now); out[#out + 1] = 1 end
  return out
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', fmt(now - W))
local std = redis.call('ZCARD', KEYS[1])
local paidCount = 0
local total = math.max(cap, ccap)
if ccap > cap then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', fmt(now - W))
  paidCount = redis.call('ZCARD', KEYS[2])
end
-- Replies' reserve: while customers have been answered in the last 2 s, notices and campaigns
-- leave a fifth of the window free, so a burst of replies goes out at once instead of one per
-- slot that frees up; with no one chatting, they may fill the whole window.
local lastReply = tonumber(redis.call('HGET', KEYS[5], 'reply-at') or '0')
local bulkCap = cap
if now - lastReply < 2000000 then bulkCap = cap - math.max(1, math.floor(cap / 5)) end
local blocked = 0
for k = 0, rank - 1 do
  local w = tonumber(redis.call('HGET', KEYS[5], tostring(k)) or '0')
  if w > now then blocked = math.max(blocked, w - now) end
end
local interval = W / cap
local cinterval = W / ccap
-- Pace (GCRA): sends spaced one interval apart, a burst of at most tol / interval + 1 (3 at 30/s).
-- Telegram counts arrivals, not admissions: the first sends of a burst can reach it tens of ms
-- later than the last (a cold connection, a busy process), so a burst at the start of a window
-- adds to the next one. A sender that woke late loses the slots it missed, it does not catch up.
local tol = math.max(2 * interval, 20000)
local ctol = math.max(2 * cinterval, 20000)
local tat = tonumber(redis.call('GET', KEYS[3]) or '0')
local tatc = tonumber(redis.call('GET', KEYS[4]) or '0')
local function oldest(key)
  local o = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]
  if o then return tonumber(o) + W - now end
  return 1
end
local admitted = 0
local waitedForRoom = 0
for i = 1, n do
  local chatKey = KEYS[6 + i]
  local chat = ARGV[8 + i]
  local wait, reason = 0, 0
  local ctat = 0
  if chat ~= '' then
    if tonumber(chat) < 0 then
      redis.call('ZREMRANGEBYSCORE', chatKey, '-inf', fmt(now - GROUP_US))
      if redis.call('ZCARD', chatKey) >= gmax then
        local o = redis.call('ZRANGE', chatKey, 0, 0, 'WITHSCORES')[2]
        wait, reason = math.max(1, tonumber(o) + GROUP_US - now), 2
      end
    else
      ctat = tonumber(redis.call('GET', chatKey) or '0')
      local allowance = 0
      if rank == 0 then allowance = (burst - 1) * CHAT_US end
      if ctat - allowance > now then wait, reason = ctat - allowance - now, 2 end
    end
  end
  if reason == 0 and blocked > 0 then wait, reason = blocked, 3 end
  if reason == 0 then
    local room = 0
    if paid then
      if std + paidCount >= ccap then room = math.min(oldest(KEYS[1]), oldest(KEYS[2])) end
      room = math.max(room, tatc - ctol - now)
    else
      local limit = cap
      if rank > 0 then limit = bulkCap end
      if rank == 2 then limit = math.min(bulkCap, ccap) end
      if std >= limit then room = oldest(KEYS[1]) end
      if ccap > cap and std + paidCount >= total then room = math.max(room, math.min(oldest(KEYS[1]), oldest(KEYS[2]))) end
      if rank > 0 then room = math.max(room, tat - tol - now) end
      if rank == 2 and ccap < cap then room = math.max(room, tatc - ctol - now) end
    end
    if room > 0 then wait, reason = math.max(1, room), 3 end
  end
  if reason == 0 then
    admitted = admitted + 1
    if paid then
      redis.call('ZADD', KEYS[2], fmt(now), member .. ':' .. i)
      paidCount = paidCount + 1
      tatc = math.max(tatc, now) + cinterval
    else
      redis.call('ZADD', KEYS[1], fmt(now), member .. ':' .. i)
      std = std + 1
      tat = math.max(tat, now) + interval
      if rank == 2 then tatc = math.max(tatc, now) + cinterval end
    end
    if chat ~= '' then
      if tonumber(chat) < 0 then
        redis.call('ZADD', chatKey, fmt(now), member .. ':' .. i)
        redis.call('PEXPIRE', chatKey, 62000)
      else
        redis.call('SET', chatKey, fmt(math.max(ctat, now) + CHAT_US), 'PX', burst * 1100 + 1000)
      end
    end
  elseif reason == 3 and waitedForRoom == 0 then
    waitedForRoom = wait
  end
  out[#out + 1] = fmt(wait)
  out[#out + 1] = reason
end
if admitted > 0 and rank == 0 then
  redis.call('HSET', KEYS[5], 'reply-at', fmt(now))
  redis.call('PEXPIRE', KEYS[5], 60000)
end
if admitted > 0 then
  local keep = math.ceil(W / 1000) + 1000
  redis.call('PEXPIRE', KEYS[1], keep)
  if paidCount > 0 then redis.call('PEXPIRE', KEYS[2], keep) end
  redis.call('SET', KEYS[3], fmt(tat), 'PX', keep)
  redis.call('SET', KEYS[4], fmt(tatc), 'PX', keep)
end
if waitedForRoom > 0 and rank < 2 then
  -- Lower classes stay back until this sender has had its turn (slack for a busy process's timer).
  local untilUs = now + waitedForRoom + 100000
  local cur = tonumber(redis.call('HGET', KEYS[5], tostring(rank)) or '0')
  if untilUs > cur then redis.call('HSET', KEYS[5], tostring(rank), fmt(untilUs)) end
  redis.call('PEXPIRE', KEYS[5], 60000)
end
return out
`;

export const PAUSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local untilUs = now + tonumber(ARGV[1]) * 1000
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilUs > cur then redis.call('SET', KEYS[1], string.format('%.0f', untilUs), 'PX', tonumber(ARGV[1])) end
return 1
`;

export const REMAINING = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local p = tonumber(redis.call('GET', KEYS[1]) or '0')
return string.format('%.0f', math.max(0, p - now))
`;

/** A group chat's 429: its own log is filled up to the limit for `ms`, so only that group waits. */
export const HOLD_CHAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local ms = tonumber(ARGV[1])
if tonumber(ARGV[2]) < 0 then
  local at = now + ms * 1000 - 61000000
  for i = 1, tonumber(ARGV[3]) do redis.call('ZADD', KEYS[1], string.format('%.0f', at), 'hold:' .. i) end
  redis.call('PEXPIRE', KEYS[1], 62000)
else
  redis.call('SET', KEYS[1], string.format('%.0f', now + ms * 1000 + 1000000 * tonumber(ARGV[4])), 'PX', ms + 10000)
end
return 1
`;

/**
 * Gives back slots admitted by TAKE whose sends did not leave in time (the answer reached a busy
 * process late): their entries leave the log, their chats' own limits and the paces step back, so
 * taking them again costs no slot. KEYS: 1 standard log, 2 paid log, 3 pace, 4 campaign pace,
 * 5.. one chat key per send. ARGV: 1 rank, 2 paid (1/0), 3 pace interval µs, 4 campaign pace
 * interval µs, 5 member prefix, then per send its index in the TAKE call and its chat ('' = none).
 */
export const RELEASE = `
local rank = tonumber(ARGV[1])
local paid = ARGV[2] == '1'
local interval = tonumber(ARGV[3])
local cinterval = tonumber(ARGV[4])
local member = ARGV[5]
local n = #KEYS - 4
local tat = tonumber(redis.call('GET', KEYS[3]) or '0')
local tatc = tonumber(redis.call('GET', KEYS[4]) or '0')
local function fmt(x) return string.format('%.0f', x) end
for i = 1, n do
  local name = member .. ':' .. ARGV[4 + 2 * i]
  local chat = ARGV[5 + 2 * i]
  local chatKey = KEYS[4 + i]
  local gone
  if paid then gone = redis.call('ZREM', KEYS[2], name) else gone = redis.call('ZREM', KEYS[1], name) end
  if gone == 1 then
    if paid then tatc = tatc - cinterval
    else
      if rank > 0 then tat = tat - interval end
      if rank == 2 then tatc = tatc - cinterval end
    end
    if chat ~= '' then
      if tonumber(chat) < 0 then redis.call('ZREM', chatKey, name)
      else
        local c = redis.call('GET', chatKey)
        if c then redis.call('SET', chatKey, fmt(tonumber(c) - 1050000), 'KEEPTTL') end
      end
    end
  end
end
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('SET', KEYS[3], fmt(tat), 'KEEPTTL') end
if redis.call('EXISTS', KEYS[4]) == 1 then redis.call('SET', KEYS[4], fmt(tatc), 'KEEPTTL') end
return 1
`;
