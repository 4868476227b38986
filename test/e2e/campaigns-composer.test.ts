/**
 * The campaign composer end to end through the stand-in, in both languages: content, buttons,
 * a second language, the audience, the schedule, the preview, confirm; /cancel leaves no trace;
 * customers get their language's version and can follow its buttons and unsubscribe in one tap.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { campaignQueue, jobIds } from '../../src/jobs/campaign-jobs.js';
import { seedCustomers } from '../support/campaigns.js';
import { waitForDone } from '../support/campaign-done.js';
import { TestChat } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';

vi.setConfig({ testTimeout: 60_000 });

let h: Harness;
const EN_MARKETER = 560_000_001;
const ZH_MARKETER = 560_000_002;
let en: number[];
let zh: number[];

beforeAll(async () => {
  h = await startHarness({ env: { CAMPAIGN_RATE: '30' } });
  await h.app.deps.services.staff.add(EN_MARKETER, 'marketer', 'test');
  await h.app.deps.services.staff.add(ZH_MARKETER, 'admin', 'test');
  en = await seedCustomers(h.db.sql, 830_000_000, 3, { language: 'en' });
  zh = await seedCustomers(h.db.sql, 830_100_000, 2, { language: 'zh-CN' });
  await seedCustomers(h.db.sql, 830_200_000, 2, { language: 'en', consent: false });
});
afterAll(async () => {
  await h?.stop();
});

const campaignCount = async () => Number((await h.db.sql<[{ n: string }]>`select count(*) as n from campaigns`)[0].n);

describe('composer (English marketer)', () => {
  it('two languages with buttons, audience by language, preview, confirm; customers follow buttons and unsubscribe', async () => {
    const m = new TestChat(h, EN_MARKETER, { languageCode: 'en' });
    await m.text('/campaign');
    expect(m.lastText()).toMatch(/New campaign/);
    await m.tap('English');
    expect(m.lastText()).toMatch(/Send the .*English.* message/);
    await m.sticker();
    expect(m.messages().at(-2)?.text).toMatch(/cannot be sent as a campaign/);
    await m.text('Model Y from ¥263,500 this week');
    expect(m.lastText()).toMatch(/Buttons \(optional\)/);
    await m.photo();
    expect(m.messages().at(-2)?.text).toMatch(/^Buttons are sent as a text message/);
    expect(m.lastText()).toMatch(/Buttons \(optional\)/);
    await m.text('Book a drive | ftp://nope');
    expect(m.messages().at(-2)?.text).toMatch(/Line 1 is not understood/);
    await m.text('Book a drive | https://tesla.cn/drive\nSee Model Y | model-y');
    expect(m.lastText()).toMatch(/Add a .*Chinese.* version too/);
    await m.tap('Add Chinese');
    await m.photo();
    await m.tap('No buttons');
    expect(m.lastText()).toMatch(/Audience/);
    expect(m.lastText()).toMatch(/<b>5<\/b> customers/);
    await m.tap('Language');
    expect(m.lastText()).toMatch(/Language: Chinese/);
    await m.tap('Language');
    expect(m.lastText()).toMatch(/Language: English/);
    expect(m.lastText()).toMatch(/<b>3<\/b> customers/);
    await m.tap('Next');
    await m.tap('Send now');
    // The previews: exactly the messages customers get (links direct in a preview), then Confirm.
    const seen = m.messages();
    const previewEn = seen.find((x) => x.text === 'Model Y from ¥263,500 this week');
    expect(previewEn?.buttons.flat().map((b) => b.text)).toEqual(['Book a drive', 'See Model Y', 'Unsubscribe']);
    expect(previewEn?.buttons[0]![0]!.url).toBe('https://tesla.cn/drive');
    expect(seen.some((x) => x.method === 'sendPhoto' && x.buttons.flat().some((b) => b.text === '退订'))).toBe(true);
    expect(m.lastText()).toMatch(/Audience now: <b>3<\/b>/);
    expect(m.lastText()).toMatch(/Versions: English, Chinese\n/);
    expect(await campaignCount()).toBe(0);

    await m.tap('Confirm');
    const [row] = await h.db.sql<[{ id: number }]>`select id from campaigns order by id desc limit 1`;
    const id = row.id;
    await waitForDone(h.db.db, campaignQueue(h.app.deps.redis, h.config.queuePrefix), id);
    // Sent now: the progress message starts as "starting", never as "scheduled for" the current minute.
    const progressSends = h.api.callsTo('sendMessage').filter((x) => String(x.params.chat_id) === String(EN_MARKETER) && String(x.params.text).includes(`Campaign #${id}`));
    expect(progressSends.map((x) => x.params.text)).toEqual([`<b>Campaign #${id}</b> · sending\nStarting…`]);
    await expect
      .poll(() => m.messages().find((x) => x.text.includes(`Campaign #${id}`))?.text, { timeout: 10_000 })
      .toMatch(/· done\n██████████ 100%\nSent 3 · failed 0 · blocked 0 · left 0\nFinished\. \/campaigns shows its clicks, unsubscribes and orders\./);
    // Each English customer got the English text once, with counted links; nobody else got anything.
    for (const chat of en) {
      const got = h.api.messagesTo(chat, { delivered: true });
      expect(got).toHaveLength(1);
      expect(got[0]!.params.text).toBe('Model Y from ¥263,500 this week');
    }
    for (const chat of zh) expect(h.api.messagesTo(chat)).toHaveLength(0);

    const c = new TestChat(h, en[0]!, { languageCode: 'en' });
    const msg = c.messages()[0]!;
    expect(msg.buttons[0]![0]!.url).toBe(`https://t.me/${h.api.botInfo.username}?start=c-${id}-0`);
    await c.tap('See Model Y', { on: msg });
    expect(c.lastText()).toMatch(/Model Y/);
    await c.text(`/start c-${id}-0`);
    expect(c.messages().at(-1)?.buttons[0]![0]!.url).toBe('https://tesla.cn/drive');
    await c.tap('Unsubscribe', { on: msg });
    expect(c.toasts().at(-1)).toMatch(/unsubscribed/);
    const [cust] = await h.db.sql<[{ marketing_consent: boolean }]>`select marketing_consent from customers where telegram_id = ${en[0]!}`;
    expect(cust.marketing_consent).toBe(false);
    expect(
      c
        .messages()
        .find((x) => x.messageId === msg.messageId)!
        .buttons.flat()
        .map((b) => b.text),
    ).toEqual(['Book a drive', 'See Model Y']);

    await m.text('/campaigns');
    const list = m.lastText();
    expect(list).toMatch(new RegExp(`#${id}</b> · done`));
    expect(list).toMatch(/Audience 3 · sent 3 · failed 0 · blocked 0/);
    expect(list).toMatch(/Unsubscribed afterwards 1 · clicks 2/);
    // A work screen for staff: no "Talk to a person" row.
    expect(
      m
        .messages()
        .at(-1)!
        .buttons.flat()
        .map((b) => b.text),
    ).not.toContain('🙋 Talk to a person');
  });

  it('/cancel at any step leaves without a campaign; a customer cannot open the composer', async () => {
    const before = await campaignCount();
    const m = new TestChat(h, EN_MARKETER, { languageCode: 'en' });
    await m.text('/campaign');
    await m.tap('English');
    await m.text('Draft that never goes out');
    await m.tap('No buttons');
    await m.tap('Skip');
    await m.text('/cancel');
    expect(m.messages().some((x) => /Campaign cancelled; nothing was saved or sent/.test(x.text))).toBe(true);
    // The old composer buttons are stale now.
    await m.press('cms:next');
    expect(await campaignCount()).toBe(before);

    const stranger = new TestChat(h, 561_000_009, { languageCode: 'en' });
    await stranger.text('/start');
    await stranger.text('/campaign');
    expect(stranger.lastText()).toBe('Only marketers can do that.');
    await stranger.press('cmok');
    expect(stranger.toasts().at(-1)).toBe('Only marketers can do that.');
    await stranger.text('/campaigns');
    expect(stranger.lastText()).toBe('Only marketers can do that.');
    expect(await campaignCount()).toBe(before);
  });
});

describe('composer (Chinese admin)', () => {
  it('schedules for a Beijing time, shows it, and the campaign can be cancelled before it starts', async () => {
    const m = new TestChat(h, ZH_MARKETER, { languageCode: 'zh-hans' });
    await m.text('/campaign');
    expect(m.lastText()).toMatch(/新建营销活动/);
    await m.tap('中文');
    await m.text('双十二限时优惠');
    // Lists read in Chinese: 、 between items.
    expect(m.lastText()).toMatch(/（<code>model-3<\/code>、<code>model-y<\/code>、/);
    await m.tap('不加按钮');
    await m.tap('跳过');
    expect(m.lastText()).toMatch(/受众/);
    // Pickers toggle values; the audience summary and size follow.
    await m.tap('订单');
    await m.tap('无订单');
    expect(m.buttonLabels()).toContain('✅ 无订单');
    await m.tap('返回');
    expect(m.lastText()).toMatch(/订单：无订单/);
    await m.tap('车型');
    await m.tap('Model S');
    await m.tap('返回');
    expect(m.lastText()).toMatch(/车型：Model S\n/);
    expect(m.lastText()).toMatch(/<b>0<\/b> 位客户/);
    await m.tap('车型');
    await m.tap('Model S');
    await m.tap('返回');
    await m.tap('活跃');
    expect(m.lastText()).toMatch(/活跃：最近 7 天/);
    await m.tap('来源');
    await m.text('bad source!');
    expect(m.messages().at(-2)?.text).toMatch(/来源只能包含/);
    await m.text('wechat_ad');
    expect(m.lastText()).toMatch(/来源：<code>wechat_ad<\/code>/);
    await m.tap('下一步');
    await m.text('2020-01-01 10:00');
    expect(m.messages().at(-2)?.text).toMatch(/请使用/);
    const when = new Date(Date.now() + 2 * 86_400_000);
    const local = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(when);
    await m.text(`${local} 20:30`);
    expect(m.messages().some((x) => x.text === '双十二限时优惠')).toBe(true);
    expect(m.lastText()).toMatch(new RegExp(`时间：${local} 20:30（北京时间）\n`));
    await m.tap('确认');
    const [row] = await h.db.sql<[{ id: number; status: string; scheduled_at: string }]>`select id, status, scheduled_at::text from campaigns order by id desc limit 1`;
    expect(row.status).toBe('scheduled');
    expect(new Date(row.scheduled_at).toISOString()).toBe(new Date(`${local}T20:30:00+08:00`).toISOString());
    const job = await campaignQueue(h.app.deps.redis, h.config.queuePrefix).getJob(jobIds.start(row.id));
    expect(await job?.getState()).toBe('delayed');
    expect(m.lastText()).toMatch(new RegExp(`活动 #${row.id}</b> 已排期：${local} 20:30（北京时间）`));
    // /campaigns shows when it will go out (Beijing time), and its Cancel names it.
    await m.text('/campaigns');
    expect(m.lastText()).toMatch(new RegExp(`#${row.id}</b> · 已排期 · ${local} 20:30\n`));
    expect(m.buttonLabels()).toContain(`✖ 取消活动 #${row.id}`);
    await m.tap('取消活动');
    expect(m.toasts().at(-1)).toMatch(/已取消/);
    const [after] = await h.db.sql<[{ status: string }]>`select status from campaigns where id = ${row.id}`;
    expect(after.status).toBe('cancelled');
    expect(await campaignQueue(h.app.deps.redis, h.config.queuePrefix).getJob(jobIds.start(row.id))).toBeUndefined();
  });
});
