/**
 * The one send budget on real Redis, each SendBudget on its own connection as two processes would
 * have it, and (per-chat and per-group limits) Bot API clients through it to the stand-in with
 * Telegram's per-chat rules on: a send over a chat's limit would come back as a 429 there.
 */
import { randomBytes } from 'node:crypto';
import { Telegram, TelegramError } from 'telegraf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSendBudget } from '../../src/telegram/budgeted-client.js';
import { SendBudget, type SendClass } from '../../src/telegram/send-budget.js';
import { BotApiStandIn } from '../support/bot-api-stand-in.js';
import { dropPrefix, REDIS_URL, tagged, testRedis } from '../support/db.js';
import { sleep } from '../support/wait.js';

const base = tagged(`tb${randomBytes(4).toString('hex')}`);
const a = testRedis();
const b = testRedis();
const token = '7000000002:AAHStandInTokenForBudgetTests_0123456';
let api: BotApiStandIn;
let n = 0;
const fresh = () => `${base}-${++n}`;

beforeAll(async () => {
  api = await new BotApiStandIn({ token, rules: { chatRate: true } }).start();
});
afterAll(async () => {
  await api.stop();
  for (let i = 1; i <= n; i++) await dropPrefix(REDIS_URL, `${base}-${i}`);
  a.disconnect();
  b.disconnect();
});

/** Every admission as Redis recorded it (its own clock): the log keeps ~1 s, so polling at 250 ms sees all. */
function watchLog(budget: SendBudget) {
  const seen = new Map<string, number>();
  const poll = async () => {
    const asked = Date.now();
    const flat = await a.zrange(budget.keys.std, 0, -1, 'WITHSCORES');
    const present = new Set<string>();
    for (let i = 0; i < flat.length; i += 2) {
      present.add(flat[i]!);
      seen.set(flat[i]!, Number(flat[i + 1]) / 1000);
    }
    // An entry gone while still inside its second was a slot given back (a late answer) and taken again.
    for (const [member, at] of seen) if (at > asked - 900 && !present.has(member)) seen.delete(member);
  };
  const timer = setInterval(() => void poll().catch(() => undefined), 250);
  return {
    async stop() {
      clearInterval(timer);
      await poll();
      return [...seen.values()].sort((x, y) => x - y);
    },
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

const until = async (cond: () => boolean) => {
  while (!cond()) await sleep(10);
};

/** `count` takes of `cls`, in order of resolution into `order`. */
const many = (budget: SendBudget, cls: SendClass, count: number, order: string[], label: string = cls) =>
  Promise.all(Array.from({ length: count }, (_, i) => budget.take(cls).then(() => order.push(`${label}${i}`))));

describe('send budget', () => {
  it('two processes share one cap: never more than it in any second of admissions, and all of them go', async () => {
    const prefix = fresh();
    const cap = 20;
    const one = new SendBudget(a, { prefix, perSecond: cap });
    const two = new SendBudget(b, { prefix, perSecond: cap });
    // Connected first: a first answer that comes with the connect is late, and its slots are given back.
    await Promise.all([one.pausedFor(), two.pausedFor()]);
    const log = watchLog(one);
    const order: string[] = [];
    await Promise.all([many(one, 'campaign', 30, order, 'a'), many(two, 'notice', 20, order, 'b'), many(two, 'reply', 10, order, 'r')]);
    const times = await log.stop();
    expect(order).toHaveLength(60);
    expect(times).toHaveLength(60);
    expect(maxInOneSecond(times)).toBeLessThanOrEqual(cap);
    // Both processes got slots while the other was sending (not one after the other).
    expect(order.slice(0, 30).some((x) => x.startsWith('a'))).toBe(true);
  });

  it('campaign sends go paced, never in a burst: at most 3 at once from an idle budget at 30/s, then one per ~34 ms', async () => {
    const prefix = fresh();
    const budget = new SendBudget(a, { prefix, perSecond: 30 });
    await budget.pausedFor();
    const log = watchLog(budget);
    const order: string[] = [];
    await many(budget, 'campaign', 12, order);
    const times = await log.stop();
    expect(times).toHaveLength(12);
    // A burst at the start of a window reaches Telegram partly in the next one (the first sends of a
    // burst travel slower): the pace lets at most tolerance / interval + 1 = 3 go at once.
    expect(times.filter((t) => t - times[0]! < 20).length).toBeLessThanOrEqual(3);
    // The other 9 paced one interval (1020 ms / 30) apart after that burst: about 300 ms in all.
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(270);
  });

  it('a reply goes out before the campaign sends queued ahead of it, in this process and from another', async () => {
    const prefix = fresh();
    const worker = new SendBudget(a, { prefix, perSecond: 10 });
    const bot = new SendBudget(b, { prefix, perSecond: 10 });
    const order: string[] = [];
    const campaign = many(worker, 'campaign', 30, order);
    await until(() => order.length >= 2);
    // Both asked while most of the campaign sends wait (10/s: about 3 s of them).
    const asked = order.length;
    const replyThere = bot.take('reply').then(() => order.push('reply-other-process'));
    const replyHere = worker.take('reply').then(() => order.push('reply-same-process'));
    await Promise.all([replyThere, replyHere]);
    await campaign;
    expect(order).toHaveLength(32);
    // At most a couple of campaign sends went between the replies' asking and their going.
    const between = (who: string) => order.slice(asked, order.indexOf(who)).filter((x) => x.startsWith('campaign')).length;
    expect(between('reply-other-process')).toBeLessThanOrEqual(2);
    expect(between('reply-same-process')).toBeLessThanOrEqual(2);
    expect(asked).toBeLessThan(25);
  });

  it('reminders and notices come before campaigns, campaigns after them get the rest', async () => {
    const prefix = fresh();
    const worker = new SendBudget(a, { prefix, perSecond: 15 });
    const other = new SendBudget(b, { prefix, perSecond: 15 });
    const order: string[] = [];
    const campaign = many(worker, 'campaign', 20, order);
    await until(() => order.length >= 2);
    const asked = order.length;
    const notices = many(other, 'notice', 10, order);
    await Promise.all([campaign, notices]);
    const lastNotice = Math.max(...order.map((x, i) => (x.startsWith('notice') ? i : -1)));
    // All ten notices went before the campaign sends that were waiting when they came (a couple slip in).
    expect(order.slice(asked, lastNotice).filter((x) => x.startsWith('campaign')).length).toBeLessThanOrEqual(3);
    expect(asked).toBeLessThan(15);
  });

  it('a campaign send that gets no slot in its time gives up (its recipient goes back to pending)', async () => {
    const prefix = fresh();
    const budget = new SendBudget(a, { prefix, perSecond: 2 });
    const replies = Array.from({ length: 6 }, () => budget.take('reply'));
    const outcome = await budget.take('campaign', { maxWaitMs: 300 }).then(
      () => 'sent',
      (err: Error) => err.name,
    );
    await Promise.all(replies);
    expect(outcome).toBe('BudgetWaitExceeded');
  });

  it("a private chat gets its messages 1/s (replies may come in a small burst), a group 20/min: no 429 from Telegram's rules", async () => {
    const prefix = fresh();
    api.reset();
    api.rules = { chatRate: true };
    const budget = new SendBudget(a, { prefix, perSecond: 30, chatBurst: 1 });
    const worker = withSendBudget(new Telegram(token, { apiRoot: api.apiRoot }), budget, 'notice');
    const chat = 424242;
    await Promise.all([1, 2, 3].map((i) => worker.sendMessage(chat, `notice ${i}`)));
    const sent = api.messagesTo(chat, { delivered: true });
    expect(sent).toHaveLength(3);
    expect(api.calls.filter((c) => !c.response.ok)).toHaveLength(0);
    // Telegram's own clock: each a second after the one before.
    expect(sent[2]!.at - sent[0]!.at).toBeGreaterThanOrEqual(1900);

    const group = -1001234567890;
    const posts = await Promise.allSettled(Array.from({ length: 21 }, (_, i) => worker.sendMessage(group, `post ${i}`)));
    expect(api.messagesTo(group, { delivered: true })).toHaveLength(20);
    expect(api.calls.filter((c) => !c.response.ok)).toHaveLength(0);
    // The 21st would have to wait most of a minute: it fails at once as the 429 Telegram would give.
    const refused = posts.filter((p) => p.status === 'rejected');
    expect(refused).toHaveLength(1);
    const err = (refused[0] as PromiseRejectedResult).reason as TelegramError;
    expect(err.code).toBe(429);
    expect(err.parameters?.retry_after).toBeGreaterThan(30);
  });

  it('a reply right after a button may come with the screen before it (burst), then the chat is held to 1/s', async () => {
    const prefix = fresh();
    const budget = new SendBudget(a, { prefix, perSecond: 30, chatBurst: 3 });
    const chat = '777001';
    const times: number[] = [];
    await Promise.all([1, 2, 3, 4].map(() => budget.take('reply', { chatId: chat }).then(() => times.push(Date.now()))));
    times.sort((x, y) => x - y);
    // Three at once, the fourth a second later.
    expect(times[2]! - times[0]!).toBeLessThan(900);
    expect(times[3]! - times[0]!).toBeGreaterThanOrEqual(900);
  });

  it('a slot whose answer reached a busy process late is given back and taken again: the log holds only when sends left', async () => {
    const prefix = fresh();
    // Redis answers at once; this process reads the answer 60 ms later (a busy event loop), once.
    let stalls = 0;
    const busy = new Proxy(a, {
      get(target, key) {
        if (key === 'eval') {
          return async (...args: Parameters<typeof a.eval>) => {
            const res = await target.eval(...args);
            if (stalls-- > 0) await sleep(60);
            return res;
          };
        }
        const v = Reflect.get(target, key) as unknown;
        return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(target) : v;
      },
    });
    const budget = new SendBudget(busy, { prefix, perSecond: 10 });
    await budget.pausedFor(); // connected: the first call's connect is not the stall
    stalls = 1;
    const log = watchLog(budget);
    const left: number[] = [];
    const t0 = Date.now();
    await Promise.all([1, 2, 3].map(() => budget.take('notice', { chatId: 777_002 }).then(() => left.push(Date.now()))));
    expect(budget.lateReleases).toBeGreaterThanOrEqual(1);
    // One entry per send that left (the late one's first entry was given back), each at most a
    // window's margin before it left.
    const logged = await log.stop();
    expect(logged).toHaveLength(3);
    left.sort((x, y) => x - y);
    for (const [i, at] of logged.entries()) expect(left[i]! - at).toBeLessThan(40);
    // The chat's own 1/s stepped back with it: 3 messages in about 2.1 s, not 3.15.
    expect(Date.now() - t0).toBeLessThan(2900);
  });

  it('a 429 held by one process holds back the sends of the other', async () => {
    const prefix = fresh();
    const one = new SendBudget(a, { prefix, perSecond: 25 });
    const two = new SendBudget(b, { prefix, perSecond: 25 });
    await one.pause(1500);
    expect(await two.pausedFor()).toBeGreaterThan(1000);
    const outcome = await two.take('reply', { maxWaitMs: 500 }).then(
      () => 'sent',
      (err: Error) => err.name,
    );
    expect(outcome).toBe('BudgetWaitExceeded');
  });
});
