import { Composer } from 'telegraf';
import { message } from 'telegraf/filters';
import type { Order } from '../../../db/schema/index.js';
import { depositPayload } from '../../../domain/payments/service.js';
import { cb } from '../../../telegram/callback-data.js';
import type { BotContext } from '../../context.js';
import { fmtOf } from '../../../telegram/format.js';
import { button, menuButton } from '../../../telegram/screens/common.js';
import { orderCreated } from '../../../telegram/screens/orders.js';
import { paymentNotApplied } from '../../../telegram/screens/payments.js';
import { defineSteps, showCurrentStep, staleButton } from '../../steps.js';
import { show } from '../../ui.js';
import { showOrder } from '../order/my-orders.js';
import { depositStepSchemas } from './steps.js';
import { recordUnmatchedPayment } from './unmatched.js';

/**
 * The deposit: an invoice in CNY naming the order, a pre-checkout check answered inside the
 * handler (Telegram waits 10 s), and a successful_payment recorded exactly once.
 */
export const depositFeature = new Composer<BotContext>();
/**
 * The deposit's payment updates (pre_checkout_query, successful_payment): mounted with the store's
 * ahead of every other feature (src/bot/features/payments/index.ts), so that no typed step of
 * another feature can take a payment for its answer.
 */
export const depositPaymentsFeature = new Composer<BotContext>();

/**
 * Shows the order summary and sends the deposit invoice (unless payments are not configured).
 * With `invoice: false` only the summary with its Pay button is shown (re-asking the step must
 * not pile up invoices).
 */
export async function sendDepositInvoice(ctx: BotContext, order: Order, opts: { fresh: boolean; invoice?: boolean }): Promise<void> {
  const token = ctx.deps.config.paymentProviderToken;
  const f = fmtOf(ctx);
  await show(ctx, orderCreated(f, order, !!token), opts);
  if (!token || opts.invoice === false) return;
  // One live invoice per order: the one sent before for this order goes (pressing Pay again does not pile them up).
  const previous = ctx.stepData('deposit');
  if (previous?.orderId === order.id && previous.invoiceMessageId) await ctx.deleteMessage(previous.invoiceMessageId).catch(() => undefined);
  const sent = await ctx.replyWithInvoice({
    title: ctx.t('deposit.invoice_title', { model: order.snapshot.modelName, number: order.number }),
    description: ctx.t('deposit.invoice_description', { number: order.number, total: f.money(order.totalFen), refund: ctx.t(`deposit.policy_${order.refundPolicy}`) }),
    payload: depositPayload(order.id),
    provider_token: token,
    currency: 'CNY',
    prices: [{ label: ctx.t('deposit.invoice_label'), amount: order.depositFen }],
    need_name: false,
    need_phone_number: false,
  });
  ctx.go('deposit', { orderId: order.id, invoiceMessageId: sent.message_id });
}

export const depositSteps = defineSteps(depositStepSchemas, {
  deposit: async (ctx, opts) => {
    const awaiting = ctx.stepData('deposit');
    const order = awaiting ? await ctx.deps.services.orders.byId(awaiting.orderId) : null;
    if (!order || order.customerId !== ctx.account.id || order.state !== 'awaiting_deposit') {
      ctx.go('menu', {});
      return showCurrentStep(ctx, opts);
    }
    await sendDepositInvoice(ctx, order, { ...opts, invoice: false });
  },
});

depositFeature.action(cb.pay.trigger, async (ctx) => {
  const data = cb.pay.read(ctx);
  if (!data || !ctx.customer) return staleButton(ctx);
  const order = await ctx.deps.services.orders.forCustomer(data.orderId, ctx.account.id);
  if (order.state !== 'awaiting_deposit') {
    await ctx.toast(ctx.t('deposit.already_paid_or_closed'), true);
    return showOrder(ctx, order.id, { fresh: false });
  }
  if (ctx.stepData('deposit')?.orderId !== order.id) ctx.go('deposit', { orderId: order.id });
  await sendDepositInvoice(ctx, order, { fresh: false });
});

depositPaymentsFeature.on('pre_checkout_query', async (ctx) => {
  const q = ctx.preCheckoutQuery;
  const check = await ctx.deps.services.payments.checkDeposit({
    payload: q.invoice_payload,
    currency: q.currency,
    totalAmount: q.total_amount,
    payerTelegramId: q.from.id,
  });
  if (check.ok) {
    await ctx.answerPreCheckoutQuery(true);
    return;
  }
  ctx.log.warn({ reason: check.reason, payload: q.invoice_payload }, 'pre-checkout refused');
  await ctx.answerPreCheckoutQuery(false, ctx.t(`deposit.refused.${check.reason}`));
});

depositPaymentsFeature.on(message('successful_payment'), async (ctx) => {
  const p = ctx.message.successful_payment;
  const result = await ctx.deps.services.payments.recordDeposit({
    payload: p.invoice_payload,
    currency: p.currency,
    totalAmount: p.total_amount,
    payerTelegramId: ctx.from.id,
    telegramChargeId: p.telegram_payment_charge_id,
    providerChargeId: p.provider_payment_charge_id,
  });
  const f = fmtOf(ctx);
  if (result.status === 'unrecognized') {
    await recordUnmatchedPayment(ctx, p, 'deposit');
    await show(ctx, { text: ctx.t('deposit.paid_unknown', { amount: f.money(p.total_amount) }), keyboard: [[menuButton(f)]] }, { fresh: true });
    return;
  }
  const { order, payment } = result;
  if (result.status === 'duplicate') {
    // Recorded by an earlier delivery: told already, or that run failed before telling (then now).
    ctx.log.info({ charge: p.telegram_payment_charge_id, told: !!payment.receiptSentAt }, 'payment already recorded');
    if (payment.receiptSentAt) return;
  }
  if (payment.status !== 'applied') {
    // Kept as refund_needed: listed in /ops and `npm run ops -- list` until staff mark it refunded.
    const problem = payment.problem ?? 'already_paid';
    if (result.status !== 'duplicate') ctx.log.error({ orderId: order.id, charge: p.telegram_payment_charge_id, problem }, 'deposit payment not applied: refund needed');
    await show(ctx, paymentNotApplied(f, { amountFen: p.total_amount, number: order.number, problem }), { fresh: true });
    await ctx.deps.services.payments.receiptSent(payment.id);
    return;
  }
  if (result.status !== 'duplicate') ctx.log.info({ orderId: order.id }, 'deposit paid');
  ctx.go('menu', {});
  await show(
    ctx,
    {
      text: ctx.t('deposit.paid', {
        number: order.number,
        amount: f.money(p.total_amount),
        model: order.snapshot.modelName,
        refund: ctx.t(`deposit.policy_${order.refundPolicy}`),
      }),
      keyboard: [
        // Delivery is booked once the car is ready (the ready notice); until then, a preferred week.
        [button(ctx.t('orders.prefer_week'), cb.preferWeek.pack({ orderId: order.id }))],
        [button(ctx.t('menu.installation'), cb.bookInstallation.pack({ orderId: order.id }))],
        [button(ctx.t('menu.orders'), cb.orders.pack({})), menuButton(f)],
      ],
    },
    { fresh: true },
  );
  await ctx.deps.services.payments.receiptSent(payment.id);
});
