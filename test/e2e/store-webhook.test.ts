/**
 * The store in webhook mode (Telegram POSTs updates; toasts ride in the webhook answer): a
 * purchase end to end, and the payment update delivered twice, as Telegram does when an answer
 * is lost, recorded once.
 */
import { eq } from 'drizzle-orm';
import type { Update } from 'telegraf/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, storeOrders, storePayments, storeVariants } from '../../src/db/schema/index.js';
import { TestChat } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { lastInvoice, payStoreInvoice } from '../support/store.js';
import { SAMPLE_ORDER_INFO, successfulPaymentWithShippingUpdate, withId } from '../support/updates.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ mode: 'webhook' });
});
afterAll(async () => {
  await h?.stop();
});

describe('store over a webhook', () => {
  it('buys a jacket; the repeated payment update changes nothing', async () => {
    const c = new TestChat(h, 830_000_000 + Math.floor(Math.random() * 100_000), { languageCode: 'en' });
    await c.text('/start');
    await c.tap('Store');
    await c.tap('Apparel');
    await c.tap('Tesla windbreaker jacket');
    await c.tap('Add to cart');
    await c.tap('Cart (1)');
    await c.tap('Checkout');
    expect(lastInvoice(c).params.is_flexible).toBe(true);
    const paid = await payStoreInvoice(c, { shipping: 'express' });
    expect(paid.approved).toBe(true);
    expect(paid.totalAmount).toBe(110_000 + 3_000);
    const [me] = await h.db.db.select().from(customers).where(eq(customers.telegramId, c.id));
    const [order] = await h.db.db.select().from(storeOrders).where(eq(storeOrders.customerId, me!.id));
    expect(order).toMatchObject({ state: 'paid', shipping: 'express', shippingFen: 3_000 });
    const stock = (await h.db.db.select().from(storeVariants).where(eq(storeVariants.id, 'jkt-blk-m')))[0]!.stock;
    const again = withId(
      successfulPaymentWithShippingUpdate(c.user, {
        payload: String(lastInvoice(c).params.payload),
        currency: 'CNY',
        totalAmount: paid.totalAmount,
        telegramChargeId: paid.chargeId!,
        providerChargeId: `prov_${paid.chargeId}`,
        shippingOptionId: 'express',
        orderInfo: SAMPLE_ORDER_INFO,
      }),
    ) as Update;
    await h.deliver(again);
    expect(h.lastWebhookStatus).toBe(200);
    expect(await h.db.db.select().from(storePayments).where(eq(storePayments.orderId, order!.id))).toHaveLength(1);
    expect((await h.db.db.select().from(storeVariants).where(eq(storeVariants.id, 'jkt-blk-m')))[0]!.stock).toBe(stock);
  });
});
