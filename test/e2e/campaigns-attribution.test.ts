/**
 * Click attribution end to end: one customer gets two campaigns, follows campaign A's counted link
 * (t.me/<bot>?start=c-<id>-<n>) twice and then campaign B's model button, then orders: /campaigns
 * shows the order under B (the last click), A keeps its clicker but no order, and each counts the
 * customer once however often they tapped.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { campaignQueue } from '../../src/jobs/campaign-jobs.js';
import { newOrder } from '../integration/helpers.js';
import { launchCampaign, seedCustomers, textVariant } from '../support/campaigns.js';
import { waitForDone } from '../support/campaign-done.js';
import { TestChat } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';

vi.setConfig({ testTimeout: 60_000 });

let h: Harness;
const MARKETER = 576_000_001;

beforeAll(async () => {
  h = await startHarness({ env: { CAMPAIGN_RATE: '30' } });
  await h.app.deps.services.staff.add(MARKETER, 'marketer', 'test');
});
afterAll(async () => {
  await h?.stop();
});

const itemOf = (m: TestChat, id: number) =>
  m
    .lastText()
    .split('\n\n')
    .find((x) => x.startsWith(`<b>#${id}</b>`)) ?? '';

it('an order goes to the campaign of the last click; clickers are counted once', async () => {
  const [tg] = await seedCustomers(h.db.sql, 861_000_000, 1, { language: 'en' });
  const queue = campaignQueue(h.app.deps.redis, h.config.queuePrefix);
  const a = await launchCampaign(h, {
    createdBy: MARKETER,
    variants: [textVariant('en', 'Charging week', [{ kind: 'url', label: 'Read more', url: 'https://tesla.cn/charging' }])],
  });
  await waitForDone(h.db.db, queue, a);
  const b = await launchCampaign(h, {
    createdBy: MARKETER,
    variants: [textVariant('en', 'Model Y this week', [{ kind: 'model', label: 'See Model Y', modelId: 'model-y' }])],
  });
  await waitForDone(h.db.db, queue, b);

  const c = new TestChat(h, tg!, { languageCode: 'en' });
  const [msgA, msgB] = [c.messages().find((x) => x.text === 'Charging week')!, c.messages().find((x) => x.text === 'Model Y this week')!];
  const link = msgA.buttons[0]![0]!.url!;
  expect(link).toBe(`https://t.me/${h.api.botInfo.username}?start=c-${a}-0`);
  // A's link twice (taps), then B's model button: the last click is B's.
  for (let i = 0; i < 2; i++) {
    await c.text(`/start ${new URL(link).searchParams.get('start')!}`);
    expect(c.messages().at(-1)?.buttons[0]![0]!.url).toBe('https://tesla.cn/charging');
  }
  await c.tap('See Model Y', { on: msgB });
  expect(c.lastText()).toMatch(/Model Y/);
  const rows = await h.db.sql<Array<{ campaign_id: number; button: number }>>`
    select campaign_id, button from campaign_clicks k join customers u on u.id = k.customer_id where u.telegram_id = ${tg!} order by k.id`;
  expect(rows.map((r) => [r.campaign_id, r.button])).toEqual([
    [a, 0],
    [a, 0],
    [b, 0],
  ]);

  const s = h.app.deps.services;
  const order = await newOrder(s, await s.customers.touch({ id: tg!, first_name: 'Cust' }));
  await h.db.sql`
    insert into payments (order_id, telegram_payment_charge_id, provider_payment_charge_id, amount_fen, currency, payer_telegram_id)
    values (${order.id}, 'tg-attr-e2e', 'prov-attr-e2e', 100000, 'CNY', ${tg!})`;

  const m = new TestChat(h, MARKETER, { languageCode: 'en' });
  await m.text('/campaigns');
  expect(itemOf(m, b)).toContain('By last click (7 days): 1 clickers · 1 orders, 1 deposits (¥1,000) · store 0 (¥0)');
  expect(itemOf(m, a)).toContain('clicks 2');
  expect(itemOf(m, a)).toContain('By last click (7 days): 1 clickers · 0 orders, 0 deposits (¥0) · store 0 (¥0)');
  // The window figure (every recipient within 7 days of the send) still counts the order for both.
  expect(itemOf(m, a)).toContain('Within 7 days: 1 orders, 1 deposits (¥1,000)');

  const zh = new TestChat(h, MARKETER, { languageCode: 'zh-hans' });
  await h.db.sql`update customers set language = 'zh-CN' where telegram_id = ${MARKETER}`;
  await zh.text('/campaigns');
  expect(itemOf(zh, b)).toContain('按最后点击归因（7 天）：1 人点击 · 1 个订单，1 笔订金（¥1,000）');
});
