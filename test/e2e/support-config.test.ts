/**
 * The handoff as configured: without SUPPORT_CHAT_ID nobody can answer, so the customer is told
 * how else to get help; outside business hours the customer is told when agents are back, the
 * topic card says so, and the SLA clock starts at opening time.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createI18n } from '../../src/i18n.js';
import { supportSlaJobId } from '../../src/jobs/queues.js';
import { TestChat } from '../support/chat.js';
import { REDIS_URL } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';

const i18n = createI18n('zh-CN');
const t = (lng: 'en' | 'zh-CN', key: string, vars: Record<string, unknown> = {}): string => String(i18n.t(lng)(key, vars));
const GROUP = -1009400000002;

const harnesses: Harness[] = [];
afterAll(async () => {
  for (const h of harnesses) await h.stop();
});

describe('without SUPPORT_CHAT_ID', () => {
  it('"Talk to a person", /support and 人工 say no agents are available and name the hotline; nothing is opened', async () => {
    const h = await startHarness();
    harnesses.push(h);
    const c = new TestChat(h, 95_000_001, { languageCode: 'zh-hans' });
    await c.text('/start');
    expect(c.buttonLabels()).toContain(t('zh-CN', 'support.talk'));
    await c.tap(t('zh-CN', 'support.talk'));
    expect(c.lastText()).toBe(t('zh-CN', 'support.unavailable'));
    expect(c.lastText()).toContain('400-910-0707');
    await c.text('/support');
    expect(c.lastText()).toBe(t('zh-CN', 'support.unavailable'));
    await c.text('人工');
    expect(c.lastText()).toBe(t('zh-CN', 'support.unavailable'));
    expect(h.api.callsTo('createForumTopic')).toEqual([]);
    const [row] = await h.db.sql<Array<{ n: number }>>`select count(*)::int as n from support_conversations`;
    expect(row!.n).toBe(0);
    // The way back is the step the customer was on (here: the menu).
    await c.tap(t('zh-CN', 'support.continue'));
    expect(c.buttonLabels()).toContain(t('zh-CN', 'menu.browse'));
  });
});

describe('SUPPORT_CHAT_ID removed while a conversation is open', () => {
  it('the customer’s next message is not swallowed: the conversation ends and they hear how else to get help', async () => {
    const h = await startHarness();
    harnesses.push(h);
    const c = new TestChat(h, 95_000_003, { languageCode: 'en' });
    await c.text('/start');
    const customer = await h.app.deps.services.customers.touch({ id: c.id, first_name: 'Wei', language_code: 'en' });
    await h.app.deps.services.support.open(customer.id);
    await c.text('hello, is anyone there?');
    expect(c.lastText()).toBe(t('en', 'support.unavailable'));
    const [row] = await h.db.sql<Array<{ status: string; closed_by: string }>>`select status, closed_by from support_conversations`;
    expect(row).toEqual({ status: 'closed', closed_by: 'system' });
    // The bot is back.
    await c.tap(t('en', 'support.continue'));
    expect(c.buttonLabels()).toContain(t('en', 'menu.browse'));
  });
});

describe('outside business hours', () => {
  it('the customer is told when agents are back; the card says so; the SLA jobs wait for opening time', async () => {
    // 03:00 in Shanghai (19:00 UTC the day before); agents work 09:00–21:00.
    const clock = new Date('2026-11-27T19:00:00Z');
    const h = await startHarness({ now: () => clock, env: { SUPPORT_CHAT_ID: String(GROUP), SUPPORT_HOURS: '09:00-21:00', SUPPORT_SLA_MINUTES: '5' } });
    harnesses.push(h);
    const c = new TestChat(h, 95_000_002, { languageCode: 'en' });
    await c.text('/start');
    await c.text('talk to a person');
    // 03:00 on Saturday: back today at 09:00; the hours are named in Beijing time.
    expect(c.lastText()).toBe(t('en', 'support.started_after_hours', { when: 'today at 09:00', hours: '09:00–21:00' }));
    expect(c.lastText()).toContain('09:00–21:00 (Beijing time)');
    const card = h.api.callsTo('sendMessage').find((x) => String(x.params.chat_id) === String(GROUP))!;
    expect(String(card.params.text)).toContain(t('zh-CN', 'support.group.after_hours'));

    const [row] = await h.db.sql<Array<{ id: number; since: string }>>`
      select id, (extract(epoch from waiting_since) * 1000)::bigint::text as since from support_conversations`;
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue('support', { connection: redis, prefix: h.config.queuePrefix });
    try {
      const first = await queue.getJob(supportSlaJobId(row!.id, Number(row!.since), 1));
      const second = await queue.getJob(supportSlaJobId(row!.id, Number(row!.since), 2));
      expect(await first!.getState()).toBe('delayed');
      // Opening is 6 h away on the app clock; the reminders come 5 and 15 minutes after it.
      expect(first!.opts.delay).toBe(6 * 3600_000 + 5 * 60_000);
      expect(second!.opts.delay).toBe(6 * 3600_000 + 15 * 60_000);
    } finally {
      await queue.close();
      await redis.quit();
    }
  });
});
