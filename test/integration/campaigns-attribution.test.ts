/**
 * Last-touch click attribution on real Postgres: an order, a deposit or a store sale goes to the campaign
 * of the customer's last click in the 7 days before it; clickers are distinct customers, not taps.
 */
import { describe, expect, it } from 'vitest';
import type { Customer } from '../../src/db/schema/index.js';
import type { Services } from '../../src/deps.js';
import { campaignAttribution, attributedEventsSql } from '../../src/domain/campaigns/attribution.js';
import { CampaignRepository } from '../../src/domain/campaigns/repository.js';
import type { TestDb } from '../support/db.js';
import { textVariant } from '../support/campaigns.js';
import { boughtWallConnector, newCustomer, newOrder, withTestServices } from './helpers.js';

let t: TestDb;
let s: Services;
withTestServices((env) => ({ t, s } = env));

const HOUR = 3600_000;
const DAY = 24 * HOUR;

async function campaign(): Promise<number> {
  const repo = new CampaignRepository(t.db);
  return repo.create({ createdBy: 1, segment: {}, defaultLocale: 'zh-CN', scheduledAt: new Date(), variants: [textVariant('zh-CN', '新品')] });
}
const click = (campaignId: number, customerId: number, at: Date, button = 0) =>
  t.sql`insert into campaign_clicks (campaign_id, customer_id, button, clicked_at) values (${campaignId}, ${customerId}, ${button}, ${at.toISOString()}::timestamptz)`;
const orderAt = async (customer: Customer, at: Date) => {
  const order = await newOrder(s, customer);
  await t.sql`update orders set created_at = ${at.toISOString()}::timestamptz where id = ${order.id}`;
  return order;
};
const depositAt = (orderId: number, payer: number, fen: number, at: Date) =>
  t.sql`insert into payments (order_id, telegram_payment_charge_id, provider_payment_charge_id, amount_fen, currency, payer_telegram_id, created_at)
        values (${orderId}, ${`tg-${orderId}-${at.getTime()}`}, 'p', ${fen}, 'CNY', ${payer}, ${at.toISOString()}::timestamptz)`;

describe('last-touch attribution', () => {
  it('credits the last click within 7 days across two campaigns, and counts clickers, not taps', async () => {
    const [a, b] = [await campaign(), await campaign()];
    const now = Date.now();
    const at = (offset: number) => new Date(now + offset);

    // One customer clicks A (twice), then B; the order comes after both: B gets it, A gets nothing.
    const wei = await newCustomer(s);
    await click(a, wei.id, at(-3 * DAY));
    await click(a, wei.id, at(-3 * DAY + HOUR), 1);
    await click(b, wei.id, at(-1 * DAY));
    const order = await orderAt(wei, at(-12 * HOUR));
    // The deposit an hour later: still B's (no click in between).
    await depositAt(order.id, wei.telegramId, 1000_00, at(-11 * HOUR));

    // Another customer: clicked A 8 days before ordering (outside the window) and B only after ordering.
    const li = await newCustomer(s);
    await click(a, li.id, at(-10 * DAY));
    await orderAt(li, at(-2 * DAY));
    await click(b, li.id, at(-1 * DAY));

    // A third customer: clicked A, ordered 6 days later (inside the window).
    const na = await newCustomer(s);
    await click(a, na.id, at(-7 * DAY));
    await orderAt(na, at(-1 * DAY));

    const figures = await campaignAttribution(t.sql, [a, b]);
    expect(figures.get(a)).toMatchObject({ clicks: 4, clickers: 3, orders: 1, deposits: 0, depositsFen: 0 });
    expect(figures.get(b)).toMatchObject({ clicks: 2, clickers: 2, orders: 1, deposits: 1, depositsFen: 1000_00 });

    // Per event: Wei's order and deposit are B's, Li's order nobody's, Na's order A's.
    const rows = await t.sql<Array<{ kind: string; customer_id: number; campaign_id: number | null }>>`
      select kind, customer_id, campaign_id from (${attributedEventsSql(t.sql)}) e
      where customer_id in ${t.sql([wei.id, li.id, na.id])} order by customer_id, kind`;
    expect(rows.map((r) => [r.customer_id, r.kind, r.campaign_id])).toEqual([
      [wei.id, 'deposit', b],
      [wei.id, 'order', b],
      [li.id, 'order', null],
      [na.id, 'order', a],
    ]);
  });

  it('credits a paid store order to the click just before its payment', async () => {
    const [a, b] = [await campaign(), await campaign()];
    const { customer, storeOrderId } = await boughtWallConnector(s);
    const paidAt = new Date((await t.sql<[{ paid_at: string }]>`select paid_at::text from store_orders where id = ${storeOrderId}`)[0].paid_at);
    await click(b, customer.id, new Date(paidAt.getTime() - 2 * HOUR));
    await click(a, customer.id, new Date(paidAt.getTime() - HOUR));
    await click(b, customer.id, new Date(paidAt.getTime() + HOUR));
    const figures = await campaignAttribution(t.sql, [a, b]);
    expect(figures.get(a)).toMatchObject({ clickers: 1, storeOrders: 1 });
    expect(figures.get(a)!.storeFen).toBeGreaterThan(0);
    expect(figures.get(b)).toMatchObject({ clicks: 2, clickers: 1, storeOrders: 0, storeFen: 0 });
  });

  it('gives every campaign asked for a row, zeros when nobody clicked', async () => {
    const c = await campaign();
    expect((await campaignAttribution(t.sql, [c])).get(c)).toEqual({
      campaignId: c,
      clicks: 0,
      clickers: 0,
      orders: 0,
      deposits: 0,
      depositsFen: 0,
      storeOrders: 0,
      storeFen: 0,
    });
  });
});
