import { Composer } from 'telegraf';
import { message } from 'telegraf/filters';
import { shippingOptions, type PaymentProblem } from '../../../db/schema/index.js';
import { canBookInstallation } from '../../../domain/orders/transitions.js';
import { STORE_PAYLOAD_PREFIX, shippingFen } from '../../../domain/store/rules.js';
import type { StoreRecordResult } from '../../../domain/store/index.js';
import { forCustomers, type BotContext } from '../../context.js';
import { fmtOf } from '../../../telegram/format.js';
import { menuButton } from '../../../telegram/screens/common.js';
import { paymentNotApplied } from '../../../telegram/screens/payments.js';
import { paidScreen } from '../../../telegram/screens/store-orders.js';
import { show } from '../../ui.js';
import { recordUnmatchedPayment } from '../deposit/unmatched.js';

/**
 * Telegram's payment updates for store invoices (payload `store:<order>`); anything else passes
 * on to the deposit's payment handlers, so this is mounted before them, and both before every
 * other feature (src/bot/features/payments/index.ts). The shipping query and pre-checkout
 * are answered inside the handler (Telegram waits 10 s for pre-checkout).
 */
const feature = new Composer<BotContext>();
export const storePaymentsFeature = forCustomers(feature);

const isStore = (payload: string | undefined) => !!payload?.startsWith(STORE_PAYLOAD_PREFIX);

feature.on('shipping_query', async (ctx, next) => {
  const q = ctx.shippingQuery;
  if (!isStore(q.invoice_payload)) return next();
  if (q.shipping_address.country_code !== 'CN') return ctx.answerShippingQuery(false, [], ctx.t('store.ship_only_cn'));
  const order = await ctx.deps.services.storeCheckout.forShippingQuery(q.invoice_payload, q.from.id);
  if (!order) {
    ctx.log.warn({ payload: q.invoice_payload }, 'shipping query for no open store order');
    return ctx.answerShippingQuery(false, [], ctx.t('store.shipping_refused'));
  }
  const options = shippingOptions.map((id) => {
    const name = ctx.t(`store.shipping.${id}`);
    const amount = shippingFen(id, order.goodsFen);
    // Said in words when free, as on the chat's shipping buttons (the form shows ¥0.00 otherwise).
    const title = amount === 0 ? ctx.t('store.shipping_button', { name, price: ctx.t('store.free') }) : name;
    return { id, title, prices: [{ label: title, amount }] };
  });
  await ctx.answerShippingQuery(true, options, undefined);
});

feature.on('pre_checkout_query', async (ctx, next) => {
  const q = ctx.preCheckoutQuery;
  if (!isStore(q.invoice_payload)) return next();
  const check = await ctx.deps.services.storeCheckout.preCheckout({
    payload: q.invoice_payload,
    currency: q.currency,
    totalAmount: q.total_amount,
    payerTelegramId: q.from.id,
    shippingOptionId: q.shipping_option_id,
    orderInfo: q.order_info,
  });
  if (check.ok) {
    await ctx.answerPreCheckoutQuery(true);
    return;
  }
  ctx.log.warn({ reason: check.reason, payload: q.invoice_payload }, 'store pre-checkout refused');
  await ctx.answerPreCheckoutQuery(false, ctx.t(`store.refused.${check.reason}`));
});

feature.on(message('successful_payment'), async (ctx, next) => {
  const p = ctx.message.successful_payment;
  if (!isStore(p.invoice_payload)) return next();
  const result = await ctx.deps.services.storeCheckout.recordPayment({
    payload: p.invoice_payload,
    currency: p.currency,
    totalAmount: p.total_amount,
    payerTelegramId: ctx.from.id,
    shippingOptionId: p.shipping_option_id,
    orderInfo: p.order_info,
    telegramChargeId: p.telegram_payment_charge_id,
    providerChargeId: p.provider_payment_charge_id,
  });
  const f = fmtOf(ctx);
  if (result.status === 'unrecognized') {
    await recordUnmatchedPayment(ctx, p, 'store');
    await show(ctx, { text: ctx.t('store.paid_unknown', { amount: f.money(p.total_amount) }), keyboard: [[menuButton(f)]] }, { fresh: true });
    return;
  }
  const view = result.view;
  const checkout = ctx.deps.services.storeCheckout;
  // Recorded by an earlier delivery: told already, or that run failed before telling (then now).
  const repeat = result.status === 'duplicate';
  if (repeat) {
    ctx.log.info({ charge: p.telegram_payment_charge_id, told: !!result.payment.receiptSentAt }, 'store payment already recorded');
    if (result.payment.receiptSentAt) return;
  }
  const { paymentId, problem } = outcomeOf(result);
  if (problem) {
    // Kept as refund_needed: listed in /ops and `npm run ops -- list` until staff mark it refunded.
    if (!repeat) ctx.log.error({ orderId: view.order.id, charge: p.telegram_payment_charge_id, problem }, 'store payment not applied: refund needed');
    await show(ctx, paymentNotApplied(f, { amountFen: p.total_amount, number: view.order.number, problem }), { fresh: true });
    await checkout.receiptSent(paymentId);
    return;
  }
  if (!repeat) ctx.log.info({ storeOrderId: view.order.id }, 'store order paid');
  // A Wall Connector needs an installer: book one through the car order's installation flow
  // when there is a car order that can take it; otherwise for the store order itself.
  let install: 'car' | 'store' | null = null;
  if (view.lines.some((l) => l.needsInstallation)) {
    const carOrders = await ctx.deps.services.orders.listForCustomer(ctx.account.id);
    install = carOrders.some((o) => canBookInstallation(o.state)) ? 'car' : 'store';
  }
  ctx.go('menu', {});
  await show(ctx, paidScreen(f, view, p.total_amount, install), { fresh: true });
  await checkout.receiptSent(paymentId);
});

/** The payment's row and why it could not be applied (null: it paid the order), first delivery or repeat. */
function outcomeOf(result: Exclude<StoreRecordResult, { status: 'unrecognized' }>): { paymentId: number; problem: PaymentProblem | null } {
  if (result.status === 'duplicate') {
    const { id, status, problem } = result.payment;
    return { paymentId: id, problem: status === 'applied' ? null : (problem ?? 'already_paid') };
  }
  return { paymentId: result.paymentId, problem: result.status === 'needs_refund' ? result.problem : null };
}
