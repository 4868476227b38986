import type { RedisClient } from '../shared/redis.js';

/**
 * A global send rate shared by every worker process: GCRA in one Lua script on Redis's clock.
 * Each call reserves `n` consecutive send times spaced exactly `1 / rate` apart after every
 * earlier reservation, so sends are evenly spaced across all processes and no sliding second
 * holds more than the rate (BullMQ's limiter counts per fixed window and lets a burst of `max`
 * through at the window's edge, which can put twice the cap inside one sliding second).
 * A 429's retry_after sets a pause key that pushes every later reservation past it.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
local start = math.max(tat, now, pause)
local n = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
redis.call('SET', KEYS[1], string.format('%.0f', start + n * interval), 'PX', 60000)
return string.format('%.0f', start - now)
`;

/**
 * The hard guarantee, checked right before each send: a log of send times over the last window;
 * a send is admitted only while fewer than `cap` were sent within it. Returns 0 when admitted,
 * else the microseconds until the oldest send in the window leaves it.
 */
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now - window))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], string.format('%.0f', now), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
  return '0'
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
return string.format('%.0f', math.max(1, oldest + window - now))
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

/**
 * Slack for jitter: sends are spaced, and the log counts, over 1 s plus this. A send that reaches
 * Telegram up to this much later (relative to the ones after it) than it left still keeps every
 * second at or under the cap; it costs 1 − 1000/(1000 + margin) of the cap: 5% at 50 ms. At paid
 * broadcast rates a pause of a few tens of ms on either side (GC, a busy event loop) bunches
 * dozens of messages, so the margin is wider there (75 ms, 7%). On a quiet 2-core machine the
 * 1,000/s benchmark saw bunching of about 55 ms with a 50 ms margin (bench/broadcast.ts).
 */
export const windowMarginMs = (ratePerS: number): number => (ratePerS > 100 ? 75 : 50);

let admitSeq = 0;

export class CampaignLimiter {
  private readonly logKey: string;
  private readonly tatKey: string;
  readonly pauseKey: string;
  /** Microseconds between two sends. */
  readonly intervalUs: number;
  /** The window (1 s plus the margin) in which at most `ratePerS` sends are admitted, in µs. */
  private readonly windowUs: number;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    readonly ratePerS: number,
  ) {
    this.tatKey = `${prefix}:campaigns:gcra`;
    this.logKey = `${prefix}:campaigns:sent`;
    this.pauseKey = `${prefix}:campaigns:pause`;
    // Evenly spaced over a window of 1 s + margin: at most `rate` sends in any such window, so
    // every sliding second holds at most `rate` even with up to the margin of jitter.
    this.windowUs = (1000 + windowMarginMs(ratePerS)) * 1000;
    this.intervalUs = Math.ceil(this.windowUs / ratePerS);
  }

  /** Reserves `n` send slots; resolves to the delay in ms until the first (the others follow every intervalUs). */
  async acquire(n: number): Promise<number> {
    const us = await this.redis.eval(ACQUIRE, 2, this.tatKey, this.pauseKey, n, this.intervalUs);
    return Number(us) / 1000;
  }

  /**
   * Waits until a send fits the sliding window across all processes and records it; call right
   * before the send. The even spacing of `acquire` makes waiting here rare: it catches sends
   * bunched by a late timer or a busy process.
   */
  async admit(): Promise<void> {
    const member = `${process.pid}-${++admitSeq}`;
    for (;;) {
      const waitUs = Number(await this.redis.eval(ADMIT, 1, this.logKey, this.ratePerS, this.windowUs, member));
      if (waitUs <= 0) return;
      await new Promise((r) => setTimeout(r, Math.ceil(waitUs / 1000)));
    }
  }

  /** Every sender, in every process, holds off for `ms` (a 429's retry_after). */
  async pause(ms: number): Promise<void> {
    await this.redis.eval(PAUSE, 1, this.pauseKey, Math.max(1, Math.ceil(ms)));
  }

  /** Ms left of a pause set by any process (0 when none). */
  async pausedFor(): Promise<number> {
    return Number(await this.redis.eval(REMAINING, 1, this.pauseKey)) / 1000;
  }
}
