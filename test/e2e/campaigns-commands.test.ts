/**
 * Campaigns from the command line of the chat and from the customer's side, end to end through the
 * stand-in: `/campaigns pause|resume|cancel N` (the progress message shows "Paused" and goes on
 * after a resume), any marketer may steer any campaign but customers never (typed or forged
 * buttons), a forged Unsubscribe or click link touches nobody else, the consent question's
 * language switch, video content, commands and refused content while composing, the figures'
 * attribution, and the command menus (/settings and /cancel for everyone; /campaign and /campaigns
 * in marketers' and admins' own chats, /ops in ops staff's and admins'). The tests share one app and run in order.
 */
import { Telegram } from 'telegraf';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerStaffCommands } from '../../src/bot/commands.js';
import { campaignQueue } from '../../src/jobs/campaign-jobs.js';
import { newOrder } from '../integration/helpers.js';
import { photoUpdate } from '../support/updates.js';
import { composeAndSend, recipientCount, recipientStates, seedCustomers, sendsSettled } from '../support/campaigns.js';
import { waitForDone } from '../support/campaign-done.js';
import { TestChat } from '../support/chat.js';
import { startHarness, TEST_TOKEN, type Harness } from '../support/harness.js';
import { sleep, waitFor } from '../support/wait.js';

vi.setConfig({ testTimeout: 60_000 });

let h: Harness;
const ADMIN = 575_000_001;
const MARKETER = 575_000_002;
const OTHER_MARKETER = 575_000_003;
const CUSTOMER = 575_000_004;
/** A finished campaign and one of its recipients, for the figures test. */
let attribution: { id: number; customer: number } | undefined;
/** The first test's customers, also in the second test's campaign. */
let firstAudience: number[] = [];

beforeAll(async () => {
  h = await startHarness({ env: { CAMPAIGN_RATE: '10', ADMIN_IDS: String(ADMIN) } });
  await h.app.deps.services.staff.add(MARKETER, 'marketer', 'test');
  await h.app.deps.services.staff.add(OTHER_MARKETER, 'marketer', 'test');
});
afterAll(async () => {
  await h?.stop();
});

const count = (id: number, state: string) => recipientCount(h.db.sql, id, state);
const statusOf = async (id: number) => (await h.db.sql<[{ status: string }]>`select status from campaigns where id = ${id}`)[0].status;
/**
 * Takes the first two tests' audiences out of "everyone who agreed" once they are done with them,
 * so that each later campaign in this file goes to its own audience only (at 10 messages/s, those
 * 70 customers would add 7 s to every campaign that runs to the end).
 */
const optOut = (chats: number[]) => h.db.sql`update customers set marketing_consent = false where telegram_id in ${h.db.sql(chats)}`;
const progressOf = async (m: TestChat, id: number) => {
  const [row] = await h.db.sql<[{ progress_message_id: number }]>`select progress_message_id from campaigns where id = ${id}`;
  return m.messages().find((x) => x.messageId === row.progress_message_id);
};

describe('typed controls and who may use them', () => {
  it('/campaigns pause|resume N: the progress message says Paused, then goes on; each recipient once', async () => {
    const audience = await seedCustomers(h.db.sql, 850_000_000, 40, { language: 'en' });
    const m = new TestChat(h, MARKETER, { languageCode: 'en' });
    const id = await composeAndSend(m, () => m.text('Spring test drives'));
    await waitFor('four sent', async () => (await count(id, 'sent')) >= 4);

    // A customer can neither type nor forge a control; nothing changes.
    const c = new TestChat(h, CUSTOMER, { languageCode: 'en' });
    await c.text(`/campaigns pause ${id}`);
    expect(c.lastText()).toBe('Only marketers can do that.');
    await c.text('/start');
    await c.press(`cmc:cancel:${id}`);
    expect(c.toasts().at(-1)).toBe('Only marketers can do that.');
    expect(await statusOf(id)).toBe('running');

    // Another marketer may steer it: the creator's progress message shows the pause.
    const other = new TestChat(h, OTHER_MARKETER, { languageCode: 'en' });
    await other.text(`/campaigns pause ${id}`);
    expect(other.lastText()).toMatch(new RegExp(`^Paused\\n\\n<b>Campaign #${id}</b> · paused`));
    expect(await statusOf(id)).toBe('paused');
    await sendsSettled(h, id); // sends already on the wire land
    const atPause = await count(id, 'sent');
    // The worker's progress ticks go on until those sends have landed, then the message holds still.
    await waitFor('the progress message to catch up', async () => (await progressOf(m, id))?.text.includes(`Sent ${atPause} ·`), { timeoutMs: 8_000 });
    await sleep(1_000); // proving a negative: nothing more is sent while paused
    expect(await count(id, 'sent')).toBe(atPause);
    const paused = await progressOf(m, id);
    expect(paused?.text).toMatch(/· paused/);
    expect(paused?.text).toMatch(/⏸ Paused: nothing is being sent\. Resume sends the \d+ left\./);
    expect(paused?.text).toContain(`Sent ${atPause} ·`);
    expect(paused?.buttons.flat().map((b) => b.text)).toEqual(expect.arrayContaining(['▶ Resume', '✖ Cancel campaign']));

    await other.text(`/campaigns pause ${id}`);
    expect(other.lastText()).toMatch(/^Not possible now: the campaign is paused\./);
    // The reply to the command (the worker edits the progress message as it goes on).
    const resumedReply = String((await m.text(`/campaigns resume #${id}`)).find((c) => c.method === 'sendMessage')?.params.text ?? '');
    expect(resumedReply).toMatch(new RegExp(`^Resumed\\n\\n<b>Campaign #${id}</b> · sending`));
    expect(resumedReply).not.toMatch(/Starting/); // it is not starting: it goes on
    const resumed = await progressOf(m, id);
    expect(resumed?.text).not.toMatch(/Paused:/);
    expect(resumed?.text).toMatch(/· sending/);
    await waitForDone(h.db.db, campaignQueue(h.app.deps.redis, h.config.queuePrefix), id);
    for (const chat of audience) expect(h.api.messagesTo(chat, { delivered: true })).toHaveLength(1);
    await waitFor('the final progress message', async () => /· done/.test((await progressOf(m, id))?.text ?? ''));
    expect((await progressOf(m, id))?.text).toMatch(/· done[\s\S]*Sent 40 · failed 0 · blocked 0 · left 0/);
    firstAudience = audience;
  });

  it('/campaigns cancel N stops it for good; bad or unknown ids get a clear answer', async () => {
    const audience = await seedCustomers(h.db.sql, 851_000_000, 30, { language: 'en' });
    const m = new TestChat(h, MARKETER, { languageCode: 'en' });
    const id = await composeAndSend(m, () => m.text('Last call for winter tyres'));
    // The reply to the command (the worker may edit the progress message right after it).
    const replyTo = (calls: Array<{ method: string; params: Record<string, unknown> }>) =>
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a sendMessage's text is a string
      String(calls.find((c) => c.method === 'sendMessage')?.params.text ?? '');
    expect(replyTo(await m.text(`/campaigns cancel ${id}`))).toMatch(/^Cancelled: nobody else will get it/);
    await sendsSettled(h, id);
    const states = [...(await recipientStates(h.db.sql, id)).values()];
    expect(states.every((s) => s.state === 'sent' || s.state === 'cancelled')).toBe(true);
    // A progress tick that read the campaign just before the cancel may land its older picture after the
    // cancel's edit; it then re-reads and shows the cancel (src/jobs/workers/campaigns.worker.ts), so
    // the message settles on "cancelled" a moment later.
    await waitFor('the progress message to show the cancel', async () => /· cancelled/.test((await progressOf(m, id))?.text ?? ''));
    expect(replyTo(await m.text(`/campaigns resume ${id}`))).toMatch(/^Not possible now: the campaign is cancelled\./);

    await m.text('/campaigns cancel 999999');
    expect(m.lastText()).toBe('There is no campaign #999999.');
    for (const bad of ['/campaigns stop 1', '/campaigns pause', '/campaigns pause x', '/campaigns pause 99999999999999']) {
      await m.text(bad);
      expect(m.lastText()).toMatch(/<code>\/campaigns pause 12<\/code>/);
    }
    // In Chinese too.
    const zh = new TestChat(h, OTHER_MARKETER, { languageCode: 'en' });
    await h.db.sql`update customers set language = 'zh-CN' where telegram_id = ${OTHER_MARKETER}`;
    await zh.text('/campaigns cancel 999999');
    expect(zh.lastText()).toBe('没有活动 #999999。');
    await zh.text('/campaigns nope');
    expect(zh.lastText()).toMatch(/可暂停、继续或取消活动 #12/);
    await h.db.sql`update customers set language = 'en' where telegram_id = ${OTHER_MARKETER}`;
    // Only now: the cancel above races with the worker's first progress tick, which can edit
    // "sending" back in after it (until the next tick, 3 s later); with this campaign cut down to
    // its own 30 customers the cancel lost that race more often, so it keeps the first 40.
    await optOut([...firstAudience, ...audience]);
  });
});

describe('commands while composing', () => {
  it('/campaigns mid-composer shows the list and the composer goes on; /start leaves it', async () => {
    const m = new TestChat(h, MARKETER, { languageCode: 'en' });
    await m.text('/campaign');
    await m.tap('English');
    await m.text('/campaigns');
    expect(m.lastText()).toMatch(/^<b>Recent campaigns<\/b>/);
    await m.text('Weekend pop-up store');
    expect(m.lastText()).toMatch(/Buttons \(optional\)/);
    await m.text('/start');
    expect(m.lastText()).toMatch(/Wei/);
    await m.text('Not a campaign any more');
    expect(m.messages().some((x) => /Line 1 is not understood/.test(x.text))).toBe(false);
    expect(await h.db.sql`select 1 from campaign_variants where text = 'Weekend pop-up store'`).toHaveLength(0);
  });
});

describe('content Telegram would refuse', () => {
  it('a caption over 1,024 characters is refused at once; a version the preview is refused for is made again', async () => {
    const m = new TestChat(h, MARKETER, { languageCode: 'en' });
    await m.text('/campaign');
    await m.tap('English');
    await h.deliver(photoUpdate(m.user, { caption: 'x'.repeat(1100) }));
    expect(m.messages().at(-2)?.text).toBe('A caption can be at most 1,024 characters (this one has 1100). Send it shorter.');
    expect(m.lastText()).toMatch(/Send the .*English.* message/);
    await h.deliver(photoUpdate(m.user, { caption: 'Charging week' }));
    await m.text('Details | https://tesla.cn/charging');
    await m.tap('Skip');
    await m.tap('Next');
    h.api.failNext('sendPhoto', { code: 400, description: 'Bad Request: BUTTON_URL_INVALID' });
    await m.tap('Send now');
    expect(m.messages().at(-2)?.text).toBe('Telegram refused the English version: <code>Bad Request: BUTTON_URL_INVALID</code>\nSend its content again (and then its buttons).');
    expect(m.lastText()).toMatch(/Send the .*English.* message/);
    await m.text('Charging week, text only');
    await m.tap('No buttons');
    await m.tap('Skip');
    await m.tap('Next');
    await m.tap('Send now');
    expect(m.lastText()).toMatch(/<b>Ready<\/b>\nVersions: English/);
    await m.tap('Cancel');
    expect(await h.db.sql`select 1 from campaign_variants where text like 'Charging week%'`).toHaveLength(0);
  });
});

describe("customers' buttons and links cannot reach anyone else", () => {
  it('a forged Unsubscribe only unsubscribes the sender; forged click links count nothing', async () => {
    const [a, b] = await seedCustomers(h.db.sql, 852_000_000, 2, { language: 'en' });
    const m = new TestChat(h, MARKETER, { languageCode: 'en' });
    const id = await composeAndSend(m, () => m.text('Open house on Saturday'));
    await waitForDone(h.db.db, campaignQueue(h.app.deps.redis, h.config.queuePrefix), id);
    const consent = async (tg: number) =>
      (await h.db.sql<[{ marketing_consent: boolean }]>`select marketing_consent from customers where telegram_id = ${tg}`)[0].marketing_consent;

    // B presses Unsubscribe with a campaign id that does not exist, on A's campaign message id: only B is affected.
    const bChat = new TestChat(h, b!, { languageCode: 'en' });
    const received = bChat.messages().find((x) => x.text === 'Open house on Saturday')!;
    await bChat.press('cmu:999999', received);
    expect(bChat.toasts().at(-1)).toMatch(/You are unsubscribed/);
    expect(await consent(b!)).toBe(false);
    expect(await consent(a!)).toBe(true);

    // Click links: an unknown campaign, a button that does not exist, and a link button pressed by a non-recipient.
    const stranger = new TestChat(h, CUSTOMER, { languageCode: 'en' });
    const clicks = async () => Number((await h.db.sql<[{ n: string }]>`select count(*) as n from campaign_clicks`)[0].n);
    const before = await clicks();
    for (const payload of ['c999999_0', `c${id}_0`, `c${id}_7`, 'c0_0']) {
      await stranger.text(`/start ${payload}`);
      expect(stranger.lastText()).toBe('This link is no longer available.');
    }
    await stranger.text('/start c9999999999_0'); // not a click link at all: just the menu
    expect(stranger.lastText()).toMatch(/Wei/);
    attribution = { id, customer: a! };
    // A forged model button of an unknown campaign is a stale button.
    await stranger.press('cmm:999999:1');
    expect(stranger.toasts().at(-1)).toMatch(/earlier screen/);
    expect(await clicks()).toBe(before);
  });
});

describe('/campaigns figures', () => {
  it('orders, deposits and paid store orders of recipients within 7 days are attributed', async () => {
    const { id, customer: tg } = attribution!;
    const s = h.app.deps.services;
    const customer = await s.customers.touch({ id: tg, first_name: 'Cust' });
    const order = await newOrder(s, customer);
    await h.db.sql`
      insert into payments (order_id, telegram_payment_charge_id, provider_payment_charge_id, amount_fen, currency, payer_telegram_id)
      values (${order.id}, 'tg-attribution-1', 'prov-attribution-1', 500000, 'CNY', ${tg})`;
    await h.db.sql`
      insert into store_orders (customer_id, state, goods_fen, shipping_fen, paid_at) values
        (${customer.id}, 'paid', 150000, 3000, now()),
        (${customer.id}, 'shipped', 20000, null, now() + interval '8 days'),
        (${customer.id}, 'refunded', 99900, 0, now())`;
    const m = new TestChat(h, MARKETER, { languageCode: 'en' });
    await m.text('/campaigns');
    const item = m
      .lastText()
      .split('\n\n')
      .find((x) => x.startsWith(`<b>#${id}</b>`));
    expect(item).toContain('Within 7 days: 1 orders, 1 deposits (¥5,000)');
    expect(item).toContain('Store: 1 paid orders (¥1,530)');
  });
});

describe('consent question in the customer’s language', () => {
  it('English → 中文: the question is asked again in Chinese, the language is saved, the menu follows', async () => {
    const c = new TestChat(h, 853_000_001, { languageCode: 'en' });
    await c.text('/start');
    const ask = c.messages().find((x) => /news and offers from us/.test(x.text))!;
    expect(ask.buttons.flat().map((b) => b.text)).toEqual(['Yes, please', 'No, thanks', '🌐 Switch to 中文']);
    await c.tap('Switch to 中文', { on: ask });
    expect(c.toasts().at(-1)).toBe('已切换为简体中文');
    const asked = c.messages().find((x) => x.messageId === ask.messageId)!;
    expect(asked.text).toBe('是否愿意接收特斯拉的新车资讯与优惠活动？可随时在 /settings 中更改。');
    expect(asked.buttons.flat().map((b) => b.text)).toEqual(['好的', '不用了，谢谢', '🌐 切换为 English']);
    const [row] = await h.db.sql<[{ language: string; marketing_consent: boolean | null }]>`select language, marketing_consent from customers where telegram_id = ${c.id}`;
    expect(row).toEqual({ language: 'zh-CN', marketing_consent: null });
    // The English menu is replaced by the Chinese one.
    expect(c.messages().some((x) => /Welcome|Browse models/.test(x.text))).toBe(false);
    expect(c.lastText()).toMatch(/Wei，您好/);
    await c.tap('好的', { on: asked });
    expect(c.messages().find((x) => x.messageId === ask.messageId)?.text).toMatch(/^谢谢！/);
    expect((await h.db.sql<[{ marketing_consent: boolean }]>`select marketing_consent from customers where telegram_id = ${c.id}`)[0].marketing_consent).toBe(true);
  });

  it('中文 → English, then No', async () => {
    const c = new TestChat(h, 853_000_002, { languageCode: 'zh-hans' });
    await c.text('/start');
    const ask = c.messages().find((x) => /资讯与优惠/.test(x.text))!;
    await c.tap('切换为 English', { on: ask });
    expect(c.toasts().at(-1)).toBe('Language set to English');
    expect(c.messages().find((x) => x.messageId === ask.messageId)?.text).toMatch(/^Would you like news and offers/);
    expect(c.lastText()).toMatch(/Wei/);
    expect(c.lastText()).not.toMatch(/您好/);
    await c.tap('No, thanks', { on: c.messages().find((x) => x.messageId === ask.messageId) });
    const [row] = await h.db.sql<[{ language: string; marketing_consent: boolean | null }]>`select language, marketing_consent from customers where telegram_id = ${c.id}`;
    expect(row).toEqual({ language: 'en', marketing_consent: false });
    // Asked once: a later /start does not ask again.
    await c.text('/start');
    expect(c.messages().filter((x) => /news and offers from us|资讯与优惠？/.test(x.text))).toHaveLength(0);
  });
});

describe('video content', () => {
  it('a video with a caption is previewed and delivered as a video with the Unsubscribe button', async () => {
    const audience = await seedCustomers(h.db.sql, 854_000_000, 3, { language: 'en' });
    const m = new TestChat(h, MARKETER, { languageCode: 'en' });
    const id = await composeAndSend(m, async () => {
      const update = photoUpdate(m.user, { caption: 'Model 3 in motion' });
      const message = update.message as unknown as Record<string, unknown>;
      delete message.photo;
      message.video = { file_id: 'VIDEO_FILE_1', file_unique_id: 'vid1', width: 1280, height: 720, duration: 12 };
      await h.deliver(update);
    });
    const preview = h.api.callsTo('sendVideo').find((c) => Number(c.params.chat_id) === MARKETER);
    expect(preview?.params.video).toBe('VIDEO_FILE_1');
    expect(preview?.params.caption).toBe('Model 3 in motion');
    await waitForDone(h.db.db, campaignQueue(h.app.deps.redis, h.config.queuePrefix), id);
    const states = await recipientStates(h.db.sql, id);
    for (const chat of audience) expect(states.get(chat)?.state).toBe('sent');
    for (const chat of states.keys()) {
      const sends = h.api.messagesTo(chat, { delivered: true }).filter((c) => c.method === 'sendVideo' && c.params.video === 'VIDEO_FILE_1');
      expect(sends).toHaveLength(1);
      expect(sends[0]!.params.caption).toBe('Model 3 in motion');
      expect(JSON.stringify(sends[0]!.params.reply_markup)).toContain(`cmu:${id}`);
    }
  });
});

describe('command menus', () => {
  const commandsIn = (call: { params: Record<string, unknown> } | undefined) => {
    const raw = call?.params.commands;
    const list = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ command: string }> | undefined;
    return list?.map((c) => c.command) ?? [];
  };
  const scopeOf = (call: { params: Record<string, unknown> }) => {
    const raw = call.params.scope;
    return (typeof raw === 'string' ? JSON.parse(raw) : raw) as { type: string; chat_id?: number } | undefined;
  };
  const chatLists = (chatId: number, method = 'setMyCommands') => h.api.callsTo(method).filter((c) => scopeOf(c)?.type === 'chat' && Number(scopeOf(c)?.chat_id) === chatId);

  it('customers get /settings; /staff add marketer gives that chat /campaign and /campaigns, /staff remove takes them away', async () => {
    const global = h.api.callsTo('setMyCommands').filter((c) => !scopeOf(c));
    expect(global.length).toBeGreaterThanOrEqual(3);
    for (const call of global) {
      expect(commandsIn(call)).toContain('settings');
      expect(commandsIn(call)).not.toContain('campaign');
    }
    const help = new TestChat(h, 855_000_001, { languageCode: 'en' });
    await help.text('/help');
    expect(help.lastText()).toContain('/settings – language, news and offers');
    expect(help.lastText()).toContain('/store – official store');

    const NEW = 855_000_009;
    const admin = new TestChat(h, ADMIN, { languageCode: 'en' });
    await admin.text(`/staff add ${NEW} marketer`);
    const lists = chatLists(NEW);
    expect(lists.map((c) => c.params.language_code ?? '')).toEqual(['en', 'zh', '']);
    for (const call of lists) expect(commandsIn(call)).toEqual(expect.arrayContaining(['start', 'settings', 'campaign', 'campaigns']));
    const zhList = JSON.stringify(lists[1]!.params.commands);
    expect(zhList).toContain('新建群发活动');
    // An agent's role changes no menu; ops adds /ops; removing both takes the list away.
    await admin.text(`/staff add ${NEW} agent`);
    expect(chatLists(NEW)).toHaveLength(3);
    await admin.text(`/staff add ${NEW} ops`);
    expect(chatLists(NEW)).toHaveLength(6);
    for (const call of chatLists(NEW).slice(3)) expect(commandsIn(call)).toEqual(expect.arrayContaining(['ops', 'campaign', 'campaigns']));
    await admin.text(`/staff remove ${NEW} marketer`);
    const opsOnly = chatLists(NEW).slice(6);
    expect(opsOnly).toHaveLength(3);
    for (const call of opsOnly) {
      expect(commandsIn(call)).toContain('ops');
      expect(commandsIn(call)).not.toContain('campaign');
    }
    await admin.text(`/staff remove ${NEW} ops`);
    expect(chatLists(NEW, 'deleteMyCommands')).toHaveLength(3);
  });

  it('customers have /cancel in their menu; an ops staff member gets /ops in theirs, in their language', async () => {
    for (const call of h.api.callsTo('setMyCommands').filter((c) => !scopeOf(c))) {
      expect(commandsIn(call)).toContain('cancel');
      expect(commandsIn(call)).not.toContain('ops');
    }
    const global = (lang: string) => h.api.callsTo('setMyCommands').find((c) => !scopeOf(c) && c.params.language_code === lang);
    const descriptionOf = (call: { params: Record<string, unknown> } | undefined, command: string) => {
      const raw = call?.params.commands;
      const list = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ command: string; description: string }>;
      return list.find((c) => c.command === command)?.description;
    };
    expect(descriptionOf(global('en'), 'cancel')).toBe('Leave what you are doing');
    expect(descriptionOf(global('zh'), 'cancel')).toBe('退出当前操作');

    const OPS = 855_000_012;
    const admin = new TestChat(h, ADMIN, { languageCode: 'en' });
    await admin.text(`/staff add ${OPS} ops`);
    const lists = chatLists(OPS);
    expect(lists.map((c) => c.params.language_code ?? '')).toEqual(['en', 'zh', '']);
    for (const call of lists) {
      expect(commandsIn(call)).toEqual(expect.arrayContaining(['start', 'cancel', 'ops']));
      expect(commandsIn(call)).not.toContain('campaign');
    }
    expect(descriptionOf(lists[0], 'ops')).toBe('Operations: orders needing action');
    expect(descriptionOf(lists[1], 'ops')).toBe('运营待办：待处理的订单');
    // Ops staff run the catalog without SQL from /stock (issue 15).
    expect(descriptionOf(lists[0], 'stock')).toBe('Stock and prices: restock, reprice, pause models');
    expect(descriptionOf(lists[1], 'stock')).toBe('库存与价格：补货、调价、车型暂停接单');
    // The menu's /ops is the worklist.
    const ops = new TestChat(h, OPS, { languageCode: 'en' });
    await ops.text('/ops');
    expect(ops.lastText()).toContain('Operations worklist');
  });

  it('a marketer added before they ever started the bot gets the list on their first /start', async () => {
    const NEWCOMER = 855_000_010;
    const admin = new TestChat(h, ADMIN, { languageCode: 'en' });
    h.api.failNext('setMyCommands', { code: 400, description: 'Bad Request: chat not found' });
    await admin.text(`/staff add ${NEWCOMER} marketer`);
    expect(admin.lastText()).toMatch(/added|marketer/i);
    expect(chatLists(NEWCOMER).filter((c) => c.response.ok)).toHaveLength(0);
    const newcomer = new TestChat(h, NEWCOMER, { languageCode: 'zh-hans' });
    await newcomer.text('/start');
    const lists = chatLists(NEWCOMER).filter((c) => c.response.ok);
    expect(lists).toHaveLength(3);
    expect(commandsIn(lists[0])).toEqual(expect.arrayContaining(['campaign', 'campaigns']));
    // A customer's first /start sets nothing.
    await new TestChat(h, 855_000_011, { languageCode: 'en' }).text('/start');
    expect(chatLists(855_000_011)).toHaveLength(0);
  });

  it('at startup every marketer and admin gets their list', async () => {
    // ADMIN_IDS are made admins before the app registers its commands: the admin's list was set then.
    expect(chatLists(ADMIN)).toHaveLength(3);
    // The marketers were added after this app started; the startup step picks them up next time.
    const telegram = new Telegram(TEST_TOKEN, { apiRoot: h.api.apiRoot });
    const before = h.api.calls.length;
    await registerStaffCommands(telegram, h.app.deps);
    const made = new Set(h.api.calls.slice(before));
    for (const id of [ADMIN, MARKETER, OTHER_MARKETER]) {
      const lists = chatLists(id).filter((c) => made.has(c));
      expect(lists).toHaveLength(3);
      expect(commandsIn(lists[0])).toEqual(expect.arrayContaining(['campaign', 'campaigns']));
    }
    // Admins may do what ops staff do: their menu has /ops too; a marketer's does not.
    expect(commandsIn(chatLists(ADMIN).filter((c) => made.has(c))[0])).toContain('ops');
    expect(commandsIn(chatLists(MARKETER).filter((c) => made.has(c))[0])).not.toContain('ops');
    expect(chatLists(CUSTOMER)).toHaveLength(0);
  });
});
