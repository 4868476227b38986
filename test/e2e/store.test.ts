/**
 * The flagship store end to end, as a customer sees it: the real app (bot and workers) against the
 * Bot API stand-in with real Postgres and Redis. Browsing, variant choice, cart changes, checkout
 * through Telegram's shipping form and with a saved address, payment, My orders, and ops marking
 * the parcel shipped; in English and in Chinese.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, storeOrders, storePayments, storeVariants } from '../../src/db/schema/index.js';
import { chatFactory, lastPlain as last, plain, TestChat } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { lastInvoice, parse, payStoreInvoice } from '../support/store.js';
import { newOrder } from '../integration/helpers.js';
import { SAMPLE_ORDER_INFO, successfulPaymentWithShippingUpdate } from '../support/updates.js';
import { waitFor } from '../support/wait.js';

const ADMIN = 990_000_001;
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ mode: 'polling', env: { ADMIN_IDS: String(ADMIN) } });
});
afterAll(async () => {
  await h?.stop();
});

const newChat = chatFactory(() => h, 810_000_000 + Math.floor(Math.random() * 100_000) * 10);

const variant = async (id: string) => (await h.db.db.select().from(storeVariants).where(eq(storeVariants.id, id)))[0]!;
const labels = (c: TestChat) => c.buttonLabels();
const screenText = (c: TestChat) => plain(c.screen()?.text ?? '');

describe('store in English', () => {
  it('browse → variants → cart → checkout with the shipping form → paid → My orders → shipped notice', async () => {
    const c = newChat('en');
    await c.text('/start');
    await c.tap('Store');
    expect(last(c)).toContain('Tesla flagship store');
    expect(labels(c)).toEqual(expect.arrayContaining(['⚡ Charging (3)', '🧰 Accessories (7)', '👕 Apparel (3)', '🛒 Cart (0)']));

    // Paging: 7 accessories, 6 a page.
    await c.tap('Accessories');
    expect(last(c)).toContain('page 1 of 2');
    expect(labels(c).filter((l) => l.includes('·'))).toHaveLength(6);
    await c.tap('Next ›');
    expect(last(c)).toContain('page 2 of 2');
    expect(labels(c)).toContain('Portable tyre inflator · ¥450');
    await c.tap('‹ Store');

    await c.tap('Apparel');
    await c.tap('Tesla T-shirt');
    expect(c.screen()!.photo).toBe(true);
    expect(screenText(c)).toContain('Selected: Black · S');
    expect(screenText(c)).toContain('¥300 · in stock');
    expect(labels(c)).toEqual(expect.arrayContaining(['✓ Black', 'White', '✓ S', 'M', 'L', 'XL ✕']));
    await c.tap(/^XL/);
    expect(screenText(c)).toContain('sold out');
    expect(labels(c)).toContain('Sold out');
    expect(labels(c).some((l) => l.startsWith('➕ Add to cart'))).toBe(false);
    await c.tap(/^M$/);
    expect(screenText(c)).toContain('Selected: Black · M');
    expect(screenText(c)).toContain('only 2 left');
    await c.tap('Add to cart');
    expect(c.toasts().at(-1)).toBe('Added to your cart (1).');
    expect(screenText(c)).toContain('1 in your cart');

    await c.tap('Cart (1)');
    expect(last(c)).toContain('Tesla T-shirt · Black · M × 1 — ¥300');
    await c.tap('➕');
    expect(last(c)).toContain('× 2 — ¥600');
    await c.tap('➕');
    expect(c.toasts().at(-1)).toBe('Sorry, only 2 left. Please choose a smaller quantity.');
    expect(last(c)).toContain('× 2 — ¥600');
    await c.tap('➖');
    expect(last(c)).toContain('Goods total: ¥300');

    // No saved address yet: straight to an invoice with Telegram's shipping form.
    await c.tap('Checkout');
    const invoice = lastInvoice(c);
    expect(invoice.params).toMatchObject({ currency: 'CNY', need_shipping_address: true, is_flexible: true });
    expect(parse<Array<{ label: string; amount: number }>>(invoice.params.prices)).toEqual([{ label: 'Tesla T-shirt · Black · M × 1', amount: 30_000 }]);
    expect(c.messages().some((m) => m.text.includes('reserved for you for 15 minutes'))).toBe(true);

    const paid = await payStoreInvoice(c, { shipping: 'standard' });
    expect(paid.options.map((o) => [o.id, o.prices[0]!.amount])).toEqual([
      ['standard', 1_500],
      ['express', 3_000],
    ]);
    expect(paid.approved).toBe(true);
    expect(paid.totalAmount).toBe(31_500);
    expect(last(c)).toContain('Payment received');
    // The receipt adds up to the amount paid: its shipping line is there.
    expect(last(c)).toContain('Payment received · order S');
    expect(last(c)).toMatch(/· ¥315\n• Tesla T-shirt · Black · M × 1 — ¥300\nShipping: JD standard \(2–4 days\) · ¥15\n/);
    expect(last(c)).toContain('88 Century Avenue Apt 1201, Shanghai, Shanghai 200120');
    expect(await variant('tee-blk-m')).toMatchObject({ stock: 1, held: 0 });

    // Second order: the saved address is offered; JD next-day chosen here, so a plain invoice.
    await c.tap('Store');
    await c.tap('Apparel');
    await c.tap('Tesla cap');
    await c.tap('Add to cart');
    await c.tap('Cart (1)');
    await c.tap('Checkout');
    expect(last(c)).toContain('Where should JD deliver');
    await c.tap(/^📍 Zhang Wei/);
    expect(labels(c)).toEqual(expect.arrayContaining(['JD standard (2–4 days) · ¥15', 'JD next-day · ¥30']));
    await c.tap('JD next-day');
    const second = lastInvoice(c);
    expect(second.params.need_shipping_address ?? false).toBe(false);
    expect(parse<Array<{ label: string; amount: number }>>(second.params.prices)).toEqual([
      { label: 'Tesla cap · Black × 1', amount: 25_000 },
      { label: 'Shipping: JD next-day', amount: 3_000 },
    ]);
    expect((await payStoreInvoice(c)).approved).toBe(true);

    // My orders lists both; the detail shows lines and state.
    await c.tap('Main menu');
    await c.tap('My orders');
    const orderButtons = labels(c).filter((l) => /^S\d+/.test(l));
    expect(orderButtons).toHaveLength(2);
    expect(orderButtons[0]).toMatch(/· 1 item · paid, preparing shipment$/);
    await c.tap(orderButtons[1]!);
    expect(last(c)).toContain('Tesla T-shirt · Black · M × 1 — ¥300');
    expect(last(c)).toContain('JD standard (2–4 days) · ¥15');

    // Ops marks it shipped; the customer is told with the tracking number.
    const number = orderButtons[1]!.split(' ')[0]!;
    const ops = new TestChat(h, ADMIN, { languageCode: 'en' });
    await ops.text('/ops');
    expect(last(ops)).toContain('Store orders paid and waiting to ship: 2 – tap 🛍 Store orders');
    await ops.text('/ops ship');
    expect(last(ops)).toContain('Paid, to ship (2):');
    expect(last(ops)).toContain(`${number} · 1 item · Zhang Wei, 88 Century Avenue Apt 1201, Shanghai, Shanghai 200120`);
    await ops.text(`/ops ship ${number} JD JDV0011223344`);
    expect(last(ops)).toContain(`Store order ${number} marked shipped (JD JDV0011223344)`);
    await waitFor('the shipped notice', () => c.messages().some((m) => plain(m.text).includes('JDV0011223344')));
    expect(plain(c.messages().find((m) => plain(m.text).includes('JDV0011223344'))!.text)).toContain(`Your store order ${number} is on its way with JD`);
    await ops.text(`/ops ship ${number} JD JDV0011223344`);
    expect(last(ops)).toContain('is shipped; that step is not possible now');
    await ops.text(`/ops store_delivered ${number}`);
    expect(last(ops)).toContain('marked delivered');
  });
});

describe('store in Chinese', () => {
  it('shows what fits the customer’s Model Y, and checks out and pays in Chinese', async () => {
    const c = newChat('zh-hans');
    await c.text('/start');
    const [me] = await h.db.db.select().from(customers).where(eq(customers.telegramId, c.id));
    await newOrder(h.app.deps.services, me!);
    await c.tap('官方商城');
    await c.tap('汽车配件');
    await c.tap('全天候脚垫');
    const card = screenText(c);
    expect(card).toContain('已选：Model Y');
    expect(card).toContain('✅ 适配您的 Model Y');
    expect(card).toContain('¥1,300 · 仅剩 2 件');
    await c.tap('加入购物车');
    expect(c.toasts().at(-1)).toBe('已加入购物车（1 件）。');
    await c.tap('购物车（1）');
    expect(last(c)).toContain('全天候脚垫 · Model Y × 1 — ¥1,300');
    await c.tap('去结算');
    const invoice = lastInvoice(c);
    expect(invoice.params.title).toMatch(/^特斯拉商城订单 S\d+$/);
    const paid = await payStoreInvoice(c, { shipping: 'standard' });
    // Free JD standard shipping from ¥500, said so in the form.
    expect(paid.options.find((o) => o.id === 'standard')!.prices[0]!.amount).toBe(0);
    expect(paid.options.map((o) => o.title)).toEqual(['京东标准配送（2–4 天） · 免运费', '京东次日达']);
    expect(paid.totalAmount).toBe(130_000);
    expect(last(c)).toContain('付款成功');
    expect(last(c)).toContain('配送：京东标准配送（2–4 天） · 免运费');
    const [order] = await h.db.db.select().from(storeOrders).where(eq(storeOrders.customerId, me!.id));
    expect(order).toMatchObject({ state: 'paid', goodsFen: 130_000, shippingFen: 0, shipping: 'standard' });
    // The same payment update delivered again changes nothing: one payment, stock taken once.
    const stockAfter = (await variant('mats-my')).stock;
    const before = c.messages().length;
    await h.deliver(
      successfulPaymentWithShippingUpdate(c.user, {
        payload: String(invoice.params.payload),
        currency: 'CNY',
        totalAmount: paid.totalAmount,
        telegramChargeId: paid.chargeId!,
        providerChargeId: `prov_${paid.chargeId}`,
        shippingOptionId: 'standard',
        orderInfo: SAMPLE_ORDER_INFO,
      }),
    );
    expect(await h.db.db.select().from(storePayments).where(eq(storePayments.orderId, order!.id))).toHaveLength(1);
    expect((await variant('mats-my')).stock).toBe(stockAfter);
    expect(stockAfter).toBe(1);
    expect(c.messages().length).toBe(before);
  });
});
