/**
 * Campaign sends through the one send budget (src/telegram/send-budget.ts) on real Redis, two
 * budget clients on their own connections as two worker processes would share it: never more than
 * the cap in any second of admissions (Redis's clock), paid broadcasts above the standard cap up
 * to the campaign cap without taking the standard budget from replies, and a pause set by one
 * holds back the other.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { SendBudget } from '../../src/telegram/send-budget.js';
import { dropPrefix, REDIS_URL, tagged, testRedis } from '../support/db.js';

const prefix = tagged(`tl${randomBytes(4).toString('hex')}`);
const a = testRedis();
const b = testRedis();
afterAll(async () => {
  for (const p of [prefix, `${prefix}p`, `${prefix}q`]) await dropPrefix(REDIS_URL, p);
  a.disconnect();
  b.disconnect();
});

/** Admission times (ms, Redis clock) of a budget's log of `key`, polled often enough to see every entry. */
function watch(key: string) {
  const seen = new Map<string, number>();
  const poll = async () => {
    const asked = Date.now();
    const flat = await a.zrange(key, 0, -1, 'WITHSCORES');
    const present = new Set<string>();
    for (let i = 0; i < flat.length; i += 2) {
      present.add(flat[i]!);
      seen.set(flat[i]!, Number(flat[i + 1]) / 1000);
    }
    // An entry gone while still inside its second was a slot given back (a late answer) and taken again.
    for (const [member, at] of seen) if (at > asked - 900 && !present.has(member)) seen.delete(member);
  };
  const timer = setInterval(() => void poll().catch(() => undefined), 200);
  return async () => {
    clearInterval(timer);
    await poll();
    return [...seen.values()].sort((x, y) => x - y);
  };
}

const maxInOneSecond = (t: number[]) => {
  let best = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j]! - t[i]! >= 1000) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
};

const campaignSends = (budget: SendBudget, count: number, paid = false) =>
  Promise.all(Array.from({ length: count }, (_, i) => budget.take('campaign', { chatId: 800000 + i + (paid ? 5000 : 0), paid })));

describe('campaign sends in the send budget', () => {
  it('two worker processes together stay within the cap in every second, and all their sends go', async () => {
    const cap = 40;
    const one = new SendBudget(a, { prefix, perSecond: cap });
    const two = new SendBudget(b, { prefix, perSecond: cap });
    const stop = watch(one.keys.std);
    await Promise.all([campaignSends(one, 60), campaignSends(two, 60)]);
    const times = await stop();
    expect(times).toHaveLength(120);
    expect(maxInOneSecond(times)).toBeLessThanOrEqual(cap);
  });

  it('paid broadcasts go above the standard cap up to the campaign cap; replies keep the standard budget', async () => {
    const p = `${prefix}q`;
    const one = new SendBudget(a, { prefix: p, perSecond: 10, campaignPerSecond: 60 });
    const two = new SendBudget(b, { prefix: p, perSecond: 10, campaignPerSecond: 60 });
    const stopPaid = watch(one.keys.paid);
    const stopStd = watch(one.keys.std);
    const order: string[] = [];
    const paid = campaignSends(one, 120, true).then(() => order.push('campaign-done'));
    await two.take('reply');
    await Promise.all(Array.from({ length: 5 }, () => two.take('reply').then(() => order.push('reply'))));
    await paid;
    const paidTimes = await stopPaid();
    const stdTimes = await stopStd();
    expect(paidTimes).toHaveLength(120);
    expect(stdTimes).toHaveLength(6);
    expect(maxInOneSecond(paidTimes)).toBeGreaterThan(10);
    expect(maxInOneSecond([...paidTimes, ...stdTimes].sort((x, y) => x - y))).toBeLessThanOrEqual(60);
    // The replies did not wait for the broadcast to end.
    expect(order.indexOf('reply')).toBeLessThan(order.indexOf('campaign-done'));
  });

  it('a pause set by one instance holds back the sends of the other', async () => {
    const p = `${prefix}p`;
    const one = new SendBudget(a, { prefix: p, perSecond: 25 });
    const two = new SendBudget(b, { prefix: p, perSecond: 25 });
    await one.pause(1500);
    expect(await two.pausedFor()).toBeGreaterThan(1000);
    const outcome = await two.take('campaign', { maxWaitMs: 800 }).then(
      () => 'sent',
      (err: Error) => err.name,
    );
    expect(outcome).toBe('BudgetWaitExceeded');
  });
});
