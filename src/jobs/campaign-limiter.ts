import type { Redis } from 'ioredis';

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
 * Share of the cap actually used: sends leave evenly spaced but reach Telegram with some jitter
 * (event-loop and network delays); 3% of a second of slack keeps every sliding second at or
 * under the cap with up to ~30 ms of jitter.
 */
export const RATE_HEADROOM = 0.97;

export class CampaignLimiter {
  private readonly tatKey: string;
  readonly pauseKey: string;
  /** Microseconds between two sends. */
  readonly intervalUs: number;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly ratePerS: number,
  ) {
    this.tatKey = `${prefix}:campaigns:gcra`;
    this.pauseKey = `${prefix}:campaigns:pause`;
    this.intervalUs = Math.ceil(1_000_000 / (ratePerS * RATE_HEADROOM));
  }

  /** Reserves `n` send slots; resolves to the delay in ms until the first (the others follow every intervalUs). */
  async acquire(n: number): Promise<number> {
    const us = await this.redis.eval(ACQUIRE, 2, this.tatKey, this.pauseKey, n, this.intervalUs);
    return Number(us) / 1000;
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
