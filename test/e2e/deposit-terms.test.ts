/**
 * The car journey's terms and order of steps (issue 13), end to end against the real app: the
 * deposit (订金) is refunded in full on cancel until a VIN is allocated; a city without delivery
 * gets a plain answer and a waitlist row; nothing is written before the confirmation screen's
 * "同意并支付"; one live invoice per order; the phone question's reply keyboard goes with the step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createI18n } from '../../src/i18n.js';
import { formatCny } from '../../src/shared/money.js';
import { cb } from '../../src/telegram/callback-data.js';
import { chatFactory, textsIn } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { placeCarOrder, toCityStep, toConfirmStep, type CarChoice } from '../support/orders.js';

type Lng = 'en' | 'zh-CN';
const i18n = createI18n('zh-CN');
const t = (lng: Lng, key: string, vars: Record<string, unknown> = {}): string => String(i18n.t(lng)(key, vars));

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ mode: 'polling' });
});
afterAll(async () => {
  await h?.stop();
});

const newChat = chatFactory(() => h, 96_000);
const MODEL_3: CarChoice = { modelId: 'model-3', picks: ['m3-rwd', 'm3-paint-white', 'm3-wheels-18', 'm3-int-black'] };

async function orderRow(id: number) {
  const [row] = await h.db.sql<Array<{ state: string; refund_policy: string }>>`select state, refund_policy from orders where id = ${id}`;
  return row!;
}

describe('refund policy applied by cancel (default: in full until a VIN is allocated)', () => {
  it('before a VIN: the confirmation says the deposit comes back, and the order goes to refund_requested', async () => {
    const c = newChat('zh-CN');
    const order = await placeCarOrder(c, MODEL_3, { city: 'shanghai' });
    expect((await c.pay()).approved).toBe(true);
    await c.press(cb.orderDetail.pack({ orderId: order.id }));
    expect(c.lastText()).toContain(t('zh-CN', 'deposit.refundable_now'));
    await c.press(cb.cancelOrder.pack({ orderId: order.id }));
    expect(c.lastText()).toContain(t('zh-CN', 'orders.confirm_cancel_paid', { number: order.number, deposit: formatCny(order.deposit_fen, 'zh-CN') }));
    await c.press(cb.cancelOrderConfirm.pack({ orderId: order.id }));
    expect(c.toasts()).toContain(t('zh-CN', 'orders.refund_requested', { number: order.number, deposit: formatCny(order.deposit_fen, 'zh-CN') }));
    expect(await orderRow(order.id)).toEqual({ state: 'refund_requested', refund_policy: 'until_vin' });
  });

  it('after a VIN: the order says the deposit is no longer refundable, and cancel keeps it (cancelled, no refund)', async () => {
    const c = newChat('en');
    const order = await placeCarOrder(c, MODEL_3, { city: 'shanghai' });
    expect((await c.pay()).approved).toBe(true);
    await h.app.deps.services.fulfilment.allocate(order.id, 'LRW3E7EK0PC900001', 'staff:1');
    await c.press(cb.orderDetail.pack({ orderId: order.id }));
    expect(c.lastText()).toContain(t('en', 'deposit.not_refundable_now'));
    await c.press(cb.cancelOrder.pack({ orderId: order.id }));
    expect(c.lastText()).toContain('will not be refunded');
    await c.press(cb.cancelOrderConfirm.pack({ orderId: order.id }));
    expect(c.toasts()).toContain(t('en', 'orders.cancelled_forfeit', { number: order.number, deposit: '¥1,000' }));
    expect((await orderRow(order.id)).state).toBe('cancelled');
  });
});

describe('cities', () => {
  it('a typed city without delivery gets a plain answer and a waitlist row, once per customer and city', async () => {
    const c = newChat('zh-CN');
    await toCityStep(c, MODEL_3);
    expect(c.lastText()).toContain('以下为已开通交付服务的城市');
    await c.text('拉萨');
    expect(c.lastText()).toContain(t('zh-CN', 'order.city_not_served', { city: '拉萨' }));
    expect(c.lastText()).not.toContain(t('zh-CN', 'errors.use_buttons'));
    await c.tap(t('zh-CN', 'order.waitlist_join'));
    expect(c.lastText()).toContain(t('zh-CN', 'order.waitlist_joined', { city: '拉萨' }));
    const rows = await h.db.sql<Array<{ city: string }>>`select w.city from delivery_waitlist w join customers cu on cu.id = w.customer_id where cu.telegram_id = ${c.id}`;
    expect(rows).toEqual([{ city: '拉萨' }]);
    expect(await h.app.deps.services.orders.waitlist()).toEqual(expect.arrayContaining([{ city: '拉萨', customers: 1 }]));
    // No order was written on the way.
    expect(await h.db.sql`select 1 from orders o join customers cu on cu.id = o.customer_id where cu.telegram_id = ${c.id}`).toHaveLength(0);
  });

  it('"my city is not listed" asks for it; a listed city typed there goes on to the confirmation', async () => {
    const c = newChat('en');
    await toCityStep(c, MODEL_3);
    await c.tap(t('en', 'order.city_not_listed'));
    expect(c.lastText()).toContain(t('en', 'order.ask_other_city'));
    await c.text('Lhasa');
    expect(c.lastText()).toContain('we do not deliver in <b>Lhasa</b> yet');
    await c.tap(t('en', 'order.pick_listed_city'));
    await c.text('Hangzhou');
    expect(c.buttonLabels()).toContain(t('en', 'order.edit_city'));
    expect(c.lastText()).toContain('Delivery city: Hangzhou');
    // Back from changing the city: the confirmation as it was.
    await c.tap(t('en', 'order.edit_city'));
    await c.tap(t('en', 'nav.back'));
    expect(c.lastText()).toContain('Delivery city: Hangzhou');
  });
});

describe('confirmation screen', () => {
  it('each answer can be changed and the others are kept; nothing is written before "agree and pay"', async () => {
    const c = newChat('en');
    await toConfirmStep(c, MODEL_3, { city: 'beijing' });
    await c.tap(t('en', 'order.edit_city'));
    await c.tap('Shenzhen');
    expect(c.lastText()).toContain('Delivery city: Shenzhen');
    expect(c.lastText()).toContain('Name: Zhang Wei');
    const phoneCalls = await c.tap(t('en', 'order.edit_phone'));
    expect(JSON.stringify(phoneCalls.map((x) => x.params.reply_markup))).toContain('request_contact');
    await c.text('139 0013 9000');
    expect(c.lastText()).toMatch(/Phone: \+?86?\s?139/);
    expect(c.lastText()).toContain('Delivery city: Shenzhen');
    // Back from changing the name keeps the name.
    await c.tap(t('en', 'order.edit_name'));
    await c.tap(t('en', 'nav.back'));
    expect(c.lastText()).toContain('Name: Zhang Wei');
    await c.tap(t('en', 'order.edit_config'));
    expect(c.buttonLabels()).toContain(t('en', 'catalog.change'));
    expect(await h.db.sql`select 1 from orders o join customers cu on cu.id = o.customer_id where cu.telegram_id = ${c.id}`).toHaveLength(0);
    const [customer] = await h.db.sql<Array<{ phone: string | null }>>`select phone from customers where telegram_id = ${c.id}`;
    expect(customer!.phone).toBeNull();
  });
});

describe('invoices and reply keyboards', () => {
  it('pressing Pay again replaces the invoice: one live invoice per order', async () => {
    const c = newChat('en');
    const order = await placeCarOrder(c, MODEL_3, { city: 'beijing' });
    const first = h.api.callsTo('sendInvoice').filter((x) => String(x.params.chat_id) === String(c.id));
    expect(first).toHaveLength(1);
    const calls = await c.press(cb.pay.pack({ orderId: order.id }));
    expect(calls.filter((x) => x.method === 'sendInvoice')).toHaveLength(1);
    const firstId = (first[0]!.response.result as { message_id: number }).message_id;
    expect(calls.some((x) => x.method === 'deleteMessage' && Number(x.params.message_id) === firstId)).toBe(true);
  });

  it('the phone question carries its own Back, and /start or /cancel remove its keyboard', async () => {
    const c = newChat('en');
    await toCityStep(c, MODEL_3, { name: 'Li Na', phone: '' }).catch(() => undefined);
    // toCityStep typed an empty phone: the chat is at the phone question.
    const back = await c.text(t('en', 'nav.back'));
    expect(JSON.stringify(back.map((x) => x.params.reply_markup))).toContain('remove_keyboard');
    expect(textsIn(back).join('\n')).toContain('Whose name should the order be in?');
    await c.text('Li Na');
    const started = await c.text('/start');
    expect(JSON.stringify(started.map((x) => x.params.reply_markup))).toContain('remove_keyboard');
    await c.press(cb.models.pack({}));
    const cancelled = await c.text('/cancel');
    expect(JSON.stringify(cancelled.map((x) => x.params.reply_markup))).toContain('remove_keyboard');
  });
});

describe('deep links', () => {
  it('?start=model-y opens the model card, ?start=p-wall-connector the product, cart and orders theirs; the source is recorded', async () => {
    const c = newChat('en');
    await c.text('/start model-y');
    expect(c.lastText()).toContain('<b>Model Y</b>');
    expect(c.buttonLabels()).toContain(t('en', 'catalog.configure'));
    const [row] = await h.db.sql<Array<{ source: string }>>`select source from customers where telegram_id = ${c.id}`;
    expect(row!.source).toBe('model-y');
    await c.text('/start p-wall-connector');
    expect(c.lastText()).toContain('Wall Connector');
    await c.text('/start orders');
    expect(c.lastText()).toContain(t('en', 'orders.none'));
    await c.text('/start src_campaign7');
    expect(c.lastText()).toContain('Welcome to the Tesla official flagship store');
  });
});
