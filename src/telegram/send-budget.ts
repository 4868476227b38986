import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../shared/redis.js';

/**
 * Who is sending, highest priority first: replies to customers (the bot answering an update),
 * notices (reminders, order and store notices, support relays and SLA posts), campaigns.
 */
export type SendClass = 'reply' | 'notice' | 'campaign';
const RANK: Record<SendClass, number> = { reply: 0, notice: 1, campaign: 2 };
const CLASSES: SendClass[] = ['reply', 'notice', 'campaign'];

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
const TAKE = `
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
-- Pace tolerance: a sender that woke late (a busy event loop) may catch up a few slots at once;
-- the window above still holds every second to the cap.
local tol = math.max(4 * interval, 20000)
local ctol = math.max(4 * cinterval, 20000)
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
      tatc = math.max(tatc, now - ctol) + cinterval
    else
      redis.call('ZADD', KEYS[1], fmt(now), member .. ':' .. i)
      std = std + 1
      tat = math.max(tat, now - tol) + interval
      if rank == 2 then tatc = math.max(tatc, now - ctol) + cinterval end
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

const PAUSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local untilUs = now + tonumber(ARGV[1]) * 1000
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilUs > cur then redis.call('SET', KEYS[1], string.format('%.0f', untilUs), 'PX', tonumber(ARGV[1])) end
return 1
`;

const REMAINING = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local p = tonumber(redis.call('GET', KEYS[1]) or '0')
return string.format('%.0f', math.max(0, p - now))
`;

/** A group chat's 429: its own log is filled up to the limit for `ms`, so only that group waits. */
const HOLD_CHAT = `
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
 * Slack for jitter: at most `cap` sends in any window of 1 s plus this, so a send that reaches
 * Telegram up to this much later than it left (relative to the ones after it) still keeps every
 * second at or under the cap. It costs 1 − 1000/(1000 + margin) of the cap: 2% at 20 ms. At
 * paid-broadcast rates a pause of a few tens of ms (GC, a busy event loop) bunches dozens of
 * messages, so the margin is wider there.
 */
export const windowMarginMs = (ratePerS: number): number => (ratePerS > 100 ? 45 : 20);

/** A send that waited longer than its caller allows (a campaign's slot went to higher priorities). */
export class BudgetWaitExceeded extends Error {
  override name = 'BudgetWaitExceeded';
  constructor(
    readonly waitedMs: number,
    readonly reason: 'budget' | 'chat' | 'pause',
    /** How long the budget still asks to wait, ms. */
    readonly retryInMs: number,
  ) {
    super(`send budget: no slot within ${Math.round(waitedMs)} ms (${reason}; next in ${Math.round(retryInMs)} ms)`);
  }
}

export interface SendBudgetOptions {
  /** Key prefix (QUEUE_PREFIX); the keys go under one hash tag made from it. */
  prefix: string;
  /** Standard messages per second, all senders together (Telegram: about 30). */
  perSecond: number;
  /** Campaign messages per second: at most perSecond, or above it as paid broadcasts. */
  campaignPerSecond?: number;
  groupPerMinute?: number;
  /** Replies a private chat may get at once (the screen after a button and a notice or two). */
  chatBurst?: number;
}

export interface TakeOptions {
  /** Count against the chat's own limit (messages; not edits). */
  chatId?: number | string;
  /** A paid broadcast (allow_paid_broadcast): counted against the campaign cap above perSecond. */
  paid?: boolean;
  /** Give up (BudgetWaitExceeded) after this long in all; default no limit. */
  maxWaitMs?: number;
  /** Give up at once when the chat's own limit asks for more than this (default 10 s). */
  maxChatWaitMs?: number;
}

interface Pending {
  cls: SendClass;
  rank: number;
  chat: string;
  paid: boolean;
  since: number;
  deadline: number;
  maxChatWaitMs: number;
  notBefore: number;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * Where the budget's keys live: under the prefix (so whatever clears a prefix clears them) and in
 * one Redis Cluster slot: the hash tag `{budget}`, or the prefix's own tag when it has one.
 */
export const budgetTag = (prefix: string): string => (prefix.includes('{') ? `${prefix}:budget` : `${prefix}:{budget}`);

const BATCH = 32;

/**
 * The one send budget of the bot: every process, every sender. `take` resolves when a message may
 * go now. Each process queues its senders locally by priority and one loop asks Redis for slots
 * for the head of the highest class (up to 32 of one class in one call), so waiting senders cost
 * no Redis calls of their own and a reply that arrives jumps ahead of campaign sends queued here;
 * across processes, a class waiting for room holds back the lower ones (the HASH of waiters).
 */
export class SendBudget {
  readonly keys: { std: string; paid: string; tat: string; tatc: string; waiting: string; pause: string };
  private readonly tag: string;
  readonly perSecond: number;
  readonly campaignPerSecond: number;
  readonly windowUs: number;
  private readonly groupPerMinute: number;
  private readonly chatBurst: number;
  private readonly queues: Pending[][] = [[], [], []];
  private readonly waits: Record<SendClass, number[]> = { reply: [], notice: [], campaign: [] };
  private running = false;
  private wake: (() => void) | null = null;
  /** The class the loop is sleeping for (3: none, only chat waits): a higher one arriving wakes it. */
  private sleepingRank = 3;
  private seq = 0;
  /** Names this client's entries in the logs (two clients in one process must not collide). */
  private readonly id = `${process.pid}.${randomBytes(4).toString('hex')}`;
  private closed = false;

  constructor(
    private readonly redis: RedisClient,
    opts: SendBudgetOptions,
  ) {
    this.tag = budgetTag(opts.prefix);
    this.keys = {
      std: `${this.tag}:sent`,
      paid: `${this.tag}:paid`,
      tat: `${this.tag}:pace`,
      tatc: `${this.tag}:pace-campaign`,
      waiting: `${this.tag}:waiting`,
      pause: `${this.tag}:pause`,
    };
    this.perSecond = opts.perSecond;
    this.campaignPerSecond = opts.campaignPerSecond ?? opts.perSecond;
    this.windowUs = (1000 + windowMarginMs(Math.max(this.perSecond, this.campaignPerSecond))) * 1000;
    this.groupPerMinute = opts.groupPerMinute ?? 20;
    this.chatBurst = opts.chatBurst ?? 3;
  }

  chatKey(chat: string): string {
    return `${this.tag}:c:${chat === '' ? '-' : chat}`;
  }

  /** Resolves when one message of `cls` may be sent now (counted as sent); see TakeOptions. */
  take(cls: SendClass, opts: TakeOptions = {}): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const now = Date.now();
      const chat = opts.chatId === undefined || opts.chatId === null ? '' : String(Number(opts.chatId));
      const item: Pending = {
        cls,
        rank: RANK[cls],
        chat: chat === 'NaN' ? '' : chat,
        paid: opts.paid === true,
        since: now,
        deadline: opts.maxWaitMs === undefined ? Infinity : now + opts.maxWaitMs,
        maxChatWaitMs: opts.maxChatWaitMs ?? 10_000,
        notBefore: 0,
        resolve,
        reject,
      };
      this.queues[item.rank]!.push(item);
      if (item.rank < this.sleepingRank) this.wake?.();
      if (!this.running) void this.pump();
    });
  }

  /** Every sender, in every process, holds off for `ms` (a 429's retry_after). */
  async pause(ms: number): Promise<void> {
    await this.redis.eval(PAUSE, 1, this.keys.pause, Math.max(1, Math.ceil(ms)));
  }

  /** Only this chat's sends hold off for `ms` (a 429 answered to a send into one group). */
  async holdChat(chatId: number | string, ms: number): Promise<void> {
    const chat = String(Number(chatId));
    await this.redis.eval(HOLD_CHAT, 1, this.chatKey(chat), Math.max(1, Math.ceil(ms)), chat, this.groupPerMinute, this.chatBurst);
  }

  /** Ms left of a pause set by any process (0 when none). */
  async pausedFor(): Promise<number> {
    return Number(await this.redis.eval(REMAINING, 1, this.keys.pause)) / 1000;
  }

  /** How long recent sends of each class waited in this process, ms (the latest 5,000 of each). */
  waitSamples(): Record<SendClass, number[]> {
    return { reply: [...this.waits.reply], notice: [...this.waits.notice], campaign: [...this.waits.campaign] };
  }

  private recordWait(cls: SendClass, ms: number): void {
    const list = this.waits[cls];
    if (list.length >= 5000) list.shift();
    list.push(ms);
  }

  /** Senders still waiting in this process, per class. */
  waiting(): Record<SendClass, number> {
    return { reply: this.queues[0]!.length, notice: this.queues[1]!.length, campaign: this.queues[2]!.length };
  }

  /** Lets every waiting sender go without a slot (shutdown: nothing is sent after it anyway). */
  close(): void {
    this.closed = true;
    for (const q of this.queues) for (const item of q.splice(0)) item.resolve();
    this.wake?.();
  }

  private sleep(ms: number, rank = 3): Promise<void> {
    this.sleepingRank = rank;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        this.sleepingRank = 3;
        resolve();
      };
      this.wake = done;
      timer = setTimeout(done, Math.max(0, ms));
    });
  }

  /** The highest class's ready sends (same paid flag as the first), and the soonest not-ready time. */
  private next(now: number): { batch: Pending[]; soonest: number } {
    let soonest = Infinity;
    for (const q of this.queues) for (const item of q) soonest = Math.min(soonest, item.deadline);
    for (const q of this.queues) {
      for (let i = q.length - 1; i >= 0; i--) {
        const item = q[i]!;
        if (item.deadline <= now) {
          q.splice(i, 1);
          item.reject(new BudgetWaitExceeded(now - item.since, 'budget', Math.max(0, item.notBefore - now)));
        }
      }
      const batch: Pending[] = [];
      for (const item of q) {
        if (item.notBefore > now) {
          soonest = Math.min(soonest, item.notBefore);
          continue;
        }
        if (batch.length && item.paid !== batch[0]!.paid) continue;
        batch.push(item);
        if (batch.length >= BATCH) break;
      }
      if (batch.length) return { batch, soonest };
    }
    return { batch: [], soonest };
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      while (!this.closed && this.queues.some((q) => q.length > 0)) {
        const now = Date.now();
        const { batch, soonest } = this.next(now);
        if (batch.length === 0) {
          if (soonest < Infinity) await this.sleep(soonest - now);
          continue;
        }
        let res: string[];
        try {
          res = (await this.redis.eval(TAKE, 6 + batch.length, ...this.keyList(batch), ...this.argList(batch))) as string[];
        } catch (err) {
          // Redis unreachable. A reply to a customer goes out unmetered (fail open: the customer is
          // answered, and Telegram's own 429s with their retry still hold the bot back); the other
          // classes fail as a network error would, rather than hang, and their jobs retry later.
          for (const item of batch) {
            if (item.cls === 'reply') this.remove(item).resolve();
            else this.remove(item).reject(err as Error);
          }
          continue;
        }
        let wait = 0;
        const after = Date.now();
        batch.forEach((item, i) => {
          const us = Number(res[2 * i]);
          const reason = Number(res[2 * i + 1]);
          if (us <= 0) {
            this.remove(item).resolve();
            this.recordWait(item.cls, after - item.since);
            return;
          }
          const ms = us / 1000;
          if (reason === 2) {
            if (ms > item.maxChatWaitMs || after + ms > item.deadline) {
              this.remove(item).reject(new BudgetWaitExceeded(after - item.since, 'chat', ms));
              return;
            }
            item.notBefore = after + ms;
            return;
          }
          wait = Math.max(wait, ms);
        });
        if (wait > 0) await this.sleep(Math.min(wait, Math.max(0, soonest - Date.now())), batch[0]!.rank);
      }
    } finally {
      this.running = false;
      // A send queued while the loop was ending.
      if (!this.closed && this.queues.some((q) => q.length > 0)) void this.pump();
    }
  }

  private remove(item: Pending): Pending {
    const q = this.queues[item.rank]!;
    const i = q.indexOf(item);
    if (i >= 0) q.splice(i, 1);
    return item;
  }

  private keyList(batch: Pending[]): string[] {
    const k = this.keys;
    return [k.std, k.paid, k.tat, k.tatc, k.waiting, k.pause, ...batch.map((item) => this.chatKey(item.chat))];
  }

  private argList(batch: Pending[]): (string | number)[] {
    const first = batch[0]!;
    return [
      first.rank,
      first.paid ? 1 : 0,
      this.perSecond,
      this.campaignPerSecond,
      this.windowUs,
      this.groupPerMinute,
      this.chatBurst,
      `${this.id}-${++this.seq}`,
      ...batch.map((item) => item.chat),
    ];
  }
}

export const sendClasses = CLASSES;
