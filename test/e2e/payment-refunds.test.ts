/**
 * Payments end to end (the "Payments" part of the exactly-once issue), through the Bot API stand-in:
 * - a payment that cannot be applied (the order closed after pre-checkout) tells the payer it is
 *   refunded in full within 7 working days, is listed in /ops with a Refunded button that records
 *   who and when, and in `npm run ops -- list`, where `refunded <order>` marks it;
 * - payment updates reach the payment handlers before any staff typed step: a staff member who is
 *   also a customer pays their deposit while on the VIN step, the tracking-number step or the
 *   campaign composer's text step; the payment is recorded and the receipt shown.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createI18n } from '../../src/i18n.js';
import { formatCny } from '../../src/shared/money.js';
import { cb } from '../../src/telegram/callback-data.js';
import { newCustomer, paidOrder, TOKEN } from '../integration/helpers.js';
import { plain, TestChat } from '../support/chat.js';
import { REDIS_URL } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { customerOf } from '../support/store.js';
import { placeCarOrder, type OrderRow } from '../support/orders.js';
import { nextUpdateId, preCheckoutUpdate, successfulPaymentUpdate, successfulPaymentWithShippingUpdate, withId } from '../support/updates.js';

vi.setConfig({ testTimeout: 90_000 });

type Lng = 'en' | 'zh-CN';
const i18n = createI18n('zh-CN');
const t = (lng: Lng, key: string, vars: Record<string, unknown> = {}): string => String(i18n.t(lng)(key, vars));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PREFIX = `tpref${randomBytes(4).toString('hex')}`;

const OPS = 94_000_001;
let h: Harness;
let ops: TestChat;
beforeAll(async () => {
  h = await startHarness({});
  ops = new TestChat(h, OPS, { languageCode: 'en', firstName: 'Fang' });
  await ops.text('/start');
  await h.app.deps.services.staff.add(OPS, 'ops', 'test');
});
afterAll(async () => {
  await h?.stop();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

let nextUser = 94_100_000;
const services = () => h.app.deps.services;
const MODEL_Y = { modelId: 'model-y', picks: ['my-lr', 'my-paint-white', 'my-wheels-19', 'my-int-black'] } as const;

/** The invoice the bot sent for `order` (payload, currency, amount). */
function invoiceFor(c: TestChat, order: OrderRow) {
  const invoice = h.api
    .callsTo('sendInvoice')
    .filter((x) => String(x.params.chat_id) === String(c.id))
    .find((x) => String(x.params.payload).endsWith(`:${order.id}`));
  if (!invoice) throw new Error(`no invoice for order ${order.id}`);
  const prices = (typeof invoice.params.prices === 'string' ? JSON.parse(invoice.params.prices) : invoice.params.prices) as Array<{ amount: number }>;
  return { payload: String(invoice.params.payload), currency: String(invoice.params.currency), totalAmount: prices.reduce((s, p) => s + p.amount, 0) };
}

/** `c` passes pre-checkout for its order's invoice (the answer is asserted) and then pays it. */
async function pay(c: TestChat, order: OrderRow, chargeId: string) {
  const id = `pcq${nextUpdateId()}`;
  await h.deliver(preCheckoutUpdate(c.user, { ...invoiceFor(c, order), id }));
  const answers = h.api.callsTo('answerPreCheckoutQuery').filter((x) => x.params.pre_checkout_query_id === id);
  expect(answers.map((a) => a.params.ok)).toEqual([true]);
  await h.deliver(withId(successfulPaymentUpdate(c.user, { ...invoiceFor(c, order), telegramChargeId: chargeId, providerChargeId: `prov_${chargeId}` })));
}

const paymentRows = (orderId: number) =>
  h.db.sql<Array<{ id: number; status: string; problem: string | null; refunded_by: string | null; refunded_at: string | null }>>`
    select id, status, problem, refunded_by, refunded_at::text from payments where order_id = ${orderId} order by id`;
const stateOf = async (orderId: number) => (await services().orders.byId(orderId))!.state;

const receipt = (lng: Lng, order: OrderRow) =>
  t(lng, 'deposit.paid', { number: order.number, amount: formatCny(order.deposit_fen, lng), model: 'Model Y', refund: t(lng, 'deposit.policy_until_vin') });

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/ops-cli.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: h.db.url, BOT_TOKEN: TOKEN, QUEUE_PREFIX: PREFIX, REDIS_URL },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.once('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr }))));
}

describe('a deposit that cannot be applied', () => {
  it('order cancelled after pre-checkout: the customer is told it is refunded within 7 working days; /ops lists it and its Refunded button records who and when', async () => {
    const c = new TestChat(h, ++nextUser, { languageCode: 'zh-hans' });
    const order = await placeCarOrder(c, MODEL_Y, { city: 'beijing' });
    const id = `pcq${nextUpdateId()}`;
    await h.deliver(preCheckoutUpdate(c.user, { ...invoiceFor(c, order), id }));
    // The customer cancels in the seconds between pre-checkout and the money arriving.
    await c.press(cb.cancelOrder.pack({ orderId: order.id }));
    await c.press(cb.cancelOrderConfirm.pack({ orderId: order.id }));
    expect(await stateOf(order.id)).toBe('cancelled');
    await h.deliver(withId(successfulPaymentUpdate(c.user, { ...invoiceFor(c, order), telegramChargeId: `ch_${c.id}`, providerChargeId: `prov_${c.id}` })));

    const amount = formatCny(order.deposit_fen, 'zh-CN');
    expect(c.lastText()).toBe(t('zh-CN', 'payments.not_applied', { number: order.number, amount, reason: t('zh-CN', 'payments.reason.order_closed'), days: 7 }));
    expect(c.lastText()).toContain('7 个工作日内全额原路退回');
    expect(await stateOf(order.id)).toBe('cancelled');
    expect(await paymentRows(order.id)).toEqual([expect.objectContaining({ status: 'refund_needed', problem: 'order_closed', refunded_by: null })]);

    await ops.text('/ops');
    expect(plain(ops.lastText())).toMatch(/Payments to refund: \d+/);
    const entry = `💸 ${order.number} · ${formatCny(order.deposit_fen, 'en')} · the order had already been closed → Refund`;
    expect(ops.buttonLabels()).toContain(entry);
    await ops.tap(entry);
    expect(plain(ops.lastText())).toContain(`Telegram charge: ch_${c.id}`);
    expect(plain(ops.lastText())).toContain(`Provider charge: prov_${c.id}`);
    await ops.tap('✅ Refunded in full');

    expect(ops.toasts()).toContain(plain(t('en', 'payments.ops.done', { number: order.number, amount: formatCny(order.deposit_fen, 'en') })));
    expect(ops.buttonLabels()).not.toContain(entry);
    const [row] = await paymentRows(order.id);
    expect(row).toMatchObject({ status: 'refunded', refunded_by: `staff:${OPS}` });
    expect(row!.refunded_at).not.toBeNull();
    const trail = await services().orders.events(order.id);
    expect(trail.at(-1)).toMatchObject({ subject: 'payment', fromState: 'refund_needed', toState: 'refunded', actor: `staff:${OPS}` });
    // The same "yes" pressed again (a double tap, a colleague's old screen) marks nothing twice.
    await ops.press(cb.opsRefundConfirm.pack({ kind: 'car', paymentId: row!.id }));
    expect(ops.toasts().at(-1)).toBe(plain(t('en', 'payments.ops.not_due')));
    expect((await services().orders.events(order.id)).filter((e) => e.toState === 'refunded')).toHaveLength(1);
    expect(await paymentRows(order.id)).toEqual([row]);
  });

  it('a second payment on a paid order: npm run ops -- list shows it and refunded <order> marks it', async () => {
    const c = new TestChat(h, ++nextUser, { languageCode: 'en' });
    const order = await placeCarOrder(c, MODEL_Y, { city: 'beijing' });
    await pay(c, order, `first_${c.id}`);
    expect(c.lastText()).toBe(receipt('en', order));
    // Telegram delivers a second, different charge for the same invoice (paid twice).
    await h.deliver(withId(successfulPaymentUpdate(c.user, { ...invoiceFor(c, order), telegramChargeId: `second_${c.id}`, providerChargeId: 'p2' })));
    expect(c.lastText()).toBe(
      t('en', 'payments.not_applied', { number: order.number, amount: formatCny(order.deposit_fen, 'en'), reason: t('en', 'payments.reason.already_paid'), days: 7 }),
    );
    expect(await stateOf(order.id)).toBe('deposit_paid');

    const list = await cli(['list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/Payments to refund: \d+/);
    expect(list.stdout).toContain(`💸 ${order.number} · ${formatCny(order.deposit_fen, 'en')} · the order had already been paid → Refund  [${order.number}]`);

    const refunded = await cli(['refunded', order.number]);
    expect(refunded.code, refunded.stderr).toBe(0);
    expect(refunded.stdout.trim()).toBe(`✅ ${order.number}: 1 payment marked refunded (${formatCny(order.deposit_fen, 'en')})`);
    const rows = await paymentRows(order.id);
    expect(rows.map((r) => r.status)).toEqual(['applied', 'refunded']);
    expect(rows[1]!.refunded_by).toMatch(/^cli:/);
    expect(await stateOf(order.id)).toBe('deposit_paid');
    expect((await cli(['list'])).stdout).not.toContain(`[${order.number}]`);
  });
});

describe('a store payment that cannot be applied', () => {
  it('a forged amount pays nothing: the payer is told it is refunded; /ops lists it and Refunded marks it', async () => {
    const c = new TestChat(h, ++nextUser, { languageCode: 'en' });
    await c.text('/start');
    const customer = await customerOf(c);
    await services().store.add(customer.id, 'tray-my', 1);
    const placed = await services().storeCheckout.place(customer.id);
    await h.deliver(
      withId(
        successfulPaymentWithShippingUpdate(c.user, {
          payload: `store:${placed.order.id}`,
          currency: 'CNY',
          totalAmount: 100,
          telegramChargeId: `st_${c.id}`,
          providerChargeId: 'p',
        }),
      ),
    );

    expect(c.lastText()).toBe(
      t('en', 'payments.not_applied', { number: placed.order.number, amount: formatCny(100, 'en'), reason: t('en', 'payments.reason.amount_mismatch'), days: 7 }),
    );
    expect((await services().storeCheckout.byId(placed.order.id))!.state).toBe('pending_payment');

    await ops.text('/ops');
    const entry = `💸 ${placed.order.number} · ${formatCny(100, 'en')} · the amount is not the order's → Refund`;
    expect(ops.buttonLabels()).toContain(entry);
    await ops.tap(entry);
    await ops.tap('✅ Refunded in full');
    expect(ops.buttonLabels()).not.toContain(entry);
    const [row] = await h.db.sql<Array<{ status: string; refunded_by: string }>>`select status, refunded_by from store_payments where order_id = ${placed.order.id}`;
    expect(row).toEqual({ status: 'refunded', refunded_by: `staff:${OPS}` });
  });
});

describe('a staff member on a typed step pays their own deposit', () => {
  /** A staff member (role `role`) who has also ordered a car; resolves with the order awaiting its deposit. */
  async function staffCustomer(role: 'ops' | 'marketer') {
    const c = new TestChat(h, ++nextUser, { languageCode: 'en', firstName: 'Li' });
    await c.text('/start');
    await services().staff.add(c.id, role, 'test');
    const order = await placeCarOrder(c, MODEL_Y, { city: 'shanghai' });
    return { c, order };
  }

  async function expectRecorded(c: TestChat, order: OrderRow) {
    expect(c.lastText()).toBe(receipt('en', order));
    expect(await stateOf(order.id)).toBe('deposit_paid');
    expect((await paymentRows(order.id)).map((r) => r.status)).toEqual(['applied']);
  }

  it('the VIN step (/ops allocate)', async () => {
    const { c, order } = await staffCustomer('ops');
    const other = await paidOrder(services());
    await c.text('/ops');
    await c.press(cb.opsAllocate.pack({ orderId: other.order.id }));
    expect(plain(c.lastText())).toContain(other.order.number);
    await pay(c, order, `vin_${c.id}`);
    await expectRecorded(c, order);
    expect(await stateOf(other.order.id)).toBe('deposit_paid');
  });

  it('the tracking-number step (/ops store ship)', async () => {
    const { c, order } = await staffCustomer('ops');
    const buyer = await newCustomer(services());
    await services().store.add(buyer.id, 'tray-my', 1);
    const placed = await services().storeCheckout.place(buyer.id);
    const total = placed.order.goodsFen + (placed.order.goodsFen >= 50_000 ? 0 : 1_500);
    const facts = {
      payload: `store:${placed.order.id}`,
      currency: 'CNY',
      totalAmount: total,
      payerTelegramId: buyer.telegramId,
      shippingOptionId: 'standard',
      orderInfo: {
        name: 'Zhang Wei',
        phone_number: '13800138000',
        shipping_address: { country_code: 'CN', state: 'Shanghai', city: 'Shanghai', street_line1: '88 Century Ave', street_line2: '', post_code: '200120' },
      },
    };
    expect((await services().storeCheckout.preCheckout(facts)).ok).toBe(true);
    expect((await services().storeCheckout.recordPayment({ ...facts, telegramChargeId: `s_${c.id}`, providerChargeId: 'p' })).status).toBe('recorded');
    await c.text('/ops');
    await c.press(cb.opsStoreShip.pack({ orderId: placed.order.id }));
    expect(plain(c.lastText())).toContain('Send the carrier and the tracking number');
    await pay(c, order, `trk_${c.id}`);
    await expectRecorded(c, order);
    expect((await services().storeCheckout.byId(placed.order.id))!.state).toBe('paid');
  });

  it('the campaign composer text step', async () => {
    const { c, order } = await staffCustomer('marketer');
    await c.text('/campaign');
    await c.tap('English');
    expect(c.lastText()).toMatch(/Send the .*English.* message/);
    await pay(c, order, `cmp_${c.id}`);
    await expectRecorded(c, order);
  });
});
