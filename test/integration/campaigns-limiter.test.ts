/**
 * The campaign rate limiter on real Redis, shared by two limiter instances as two worker
 * processes would share it: sends spaced evenly, never more than the rate in any sliding second
 * (as let go by the limiter), and a pause set by one holds back the other.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { CampaignLimiter } from '../../src/jobs/campaign-limiter.js';
import { dropPrefix, REDIS_URL, tagged, testRedis } from '../support/db.js';
import { sleep } from '../support/wait.js';

const prefix = tagged(`tl${randomBytes(4).toString('hex')}`);
const a = testRedis();
const b = testRedis();
afterAll(async () => {
  await dropPrefix(REDIS_URL, prefix);
  a.disconnect();
  b.disconnect();
});

/** Sends `n` through a limiter the way the worker does: reserve a chunk, wait for each slot, admit. */
async function sender(l: CampaignLimiter, n: number, chunk: number, log: number[]) {
  for (let done = 0; done < n; done += chunk) {
    const k = Math.min(chunk, n - done);
    const delay = await l.acquire(k);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: k }, async (_, i) => {
        // Waits for the slot the limiter gave out, as the worker does: the timing is what is tested.
        await sleep(delay + (i * l.intervalUs) / 1000 - (performance.now() - t0));
        await l.admit();
        log.push(Date.now());
      }),
    );
  }
}

const maxInOneSecond = (times: number[]) => {
  const t = [...times].sort((x, y) => x - y);
  let best = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j]! - t[i]! >= 1000) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
};

describe('campaign limiter', () => {
  it('two processes together stay within the rate in every sliding second and use most of it', async () => {
    const rate = 40;
    const la = new CampaignLimiter(a, prefix, rate);
    const lb = new CampaignLimiter(b, prefix, rate);
    const log: number[] = [];
    const started = Date.now();
    await Promise.all([sender(la, 60, 10, log), sender(lb, 60, 10, log)]);
    const seconds = (Date.now() - started) / 1000;
    expect(log).toHaveLength(120);
    expect(maxInOneSecond(log)).toBeLessThanOrEqual(rate);
    // 120 sends at 40/s take about 3 s (1 s + 50 ms per 40): well used, not serialized per process.
    expect(seconds).toBeGreaterThan(2.8);
    expect(seconds).toBeLessThan(4);
  });

  it('a pause set by one instance holds back the reservations of the other', async () => {
    const la = new CampaignLimiter(a, `${prefix}p`, 25);
    const lb = new CampaignLimiter(b, `${prefix}p`, 25);
    await la.pause(1500);
    expect(await lb.pausedFor()).toBeGreaterThan(1000);
    const delay = await lb.acquire(1);
    expect(delay).toBeGreaterThan(1000);
    expect(delay).toBeLessThanOrEqual(1500);
  });
});
