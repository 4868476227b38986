import { Composer } from 'telegraf';
import { message } from 'telegraf/filters';
import { escapeHtml } from '../../../i18n.js';
import { explainOpsError, isOpsRefusal, type ErrorSubject } from '../../../telegram/screens/ops-errors.js';
import { findOrder, loadOrderView } from '../../../domain/fulfilment/order-view.js';
import { PaymentRefundError } from '../../../domain/payments/index.js';
import { StoreOrderError } from '../../../domain/store/index.js';
import { cb } from '../../../telegram/callback-data.js';
import { forCustomers, type BotContext } from '../../context.js';
import { hasRole, staffOnly } from '../../staff-only.js';
import { fmtOf } from '../../../telegram/format.js';
import * as kb from '../../../telegram/screens/ops.js';
import { mergeRefunds, type RefundDue } from '../../../telegram/screens/payments.js';
import { defineSteps, staleButton, type StepRenderer } from '../../steps.js';
import { notice, show } from '../../ui.js';
import { showMenu } from '../menu/index.js';
import { addDays, zonedDayStart } from '../../../shared/time.js';
import { opsStepSchemas } from './steps.js';

/**
 * Operations staff move paid orders through fulfilment from their private chat: `/ops` (the
 * worklist), `/ops order TJ100042`, and a button per next step. The role is read from the
 * database on every update this feature claims; anyone else is treated as if the feature did not
 * exist (the catch-all answers), so nothing about orders or even the command leaks.
 */
const feature = new Composer<BotContext>();
export const opsFeature = forCustomers(feature);
/** Handlers behind the role check. */
const opsHandlers = new Composer<BotContext>();

const OPS_CODECS = [cb.opsList, cb.opsOrder, cb.opsAllocate, cb.opsReady, cb.opsDelivered, cb.opsDeliveredConfirm, cb.opsInstalled, cb.opsRefund, cb.opsRefundConfirm];
const OPS_COMMAND = /^\/ops(?:@\w+)?(?:\s|$)/i;

export const isOps = (ctx: BotContext): Promise<boolean> => hasRole(ctx, 'ops');

const callbackData = (ctx: BotContext): string | undefined => {
  const q = ctx.callbackQuery;
  return q && 'data' in q ? q.data : undefined;
};

/** The updates that are ops business: its buttons, `/ops`, and anything typed on an ops step. */
function claims(ctx: BotContext): boolean {
  const data = callbackData(ctx);
  if (data !== undefined) return OPS_CODECS.some((c) => c.trigger.test(data));
  if (!ctx.message) return false;
  if ('text' in ctx.message && OPS_COMMAND.test(ctx.message.text)) return true;
  return ctx.session.step.startsWith('ops.');
}

feature.use(
  staffOnly(
    'ops',
    {
      claims,
      refused(ctx) {
        const text = ctx.message && 'text' in ctx.message ? ctx.message.text.slice(0, 64) : undefined;
        ctx.log.warn({ from: ctx.from?.id, data: callbackData(ctx), text, step: ctx.session.step }, 'ops refused: sender is not ops staff');
        // Someone who lost the role mid-step is not left on a step they can no longer use.
        if (ctx.session.step.startsWith('ops.')) ctx.go('menu', {});
      },
    },
    opsHandlers,
  ),
);

const actor = (ctx: BotContext) => `staff:${ctx.from!.id}`;
const sessionOrderId = (ctx: BotContext): number | null => ctx.stepData('ops.order', 'ops.vin', 'ops.confirm')?.orderId ?? null;

async function showList(ctx: BotContext, opts: { fresh: boolean }) {
  ctx.go('ops.list', {});
  const { storeCheckout, fulfilment, bookings } = ctx.deps.services;
  const storeToShip = (await storeCheckout.awaitingShipment(100)).length;
  // Chargers bought in the store without a car order: the week's installations, beside the car orders'.
  const today = zonedDayStart(ctx.deps.now(), ctx.deps.config.timeZone);
  const storeInstalls = await bookings.storeInstallationsDue(today, addDays(today, 7, ctx.deps.config.timeZone));
  const refunds = mergeRefunds(await ctx.deps.services.payments.refundsDue(), await storeCheckout.refundsDue());
  // Cities customers asked delivery for (the order flow's "tell me when delivery opens here").
  const waitlist = await ctx.deps.services.orders.waitlist();
  await show(ctx, kb.worklistScreen(fmtOf(ctx), await fulfilment.worklist(), storeToShip, storeInstalls, refunds, waitlist), opts);
}

/** The payment a refund button names, if it still waits for its refund (else says so: null). */
async function refundDue(ctx: BotContext, kind: 'car' | 'store', paymentId: number): Promise<RefundDue | null> {
  const { payments, storeCheckout } = ctx.deps.services;
  const row = kind === 'car' ? await payments.paymentById(paymentId) : await storeCheckout.paymentById(paymentId);
  if (row?.payment.status === 'refund_needed') return { kind, ...row };
  await say(ctx, ctx.t('payments.ops.not_due'));
  await showList(ctx, { fresh: false });
  return null;
}

/** One order; a missing one (a forged or mistyped id) says so and shows the worklist. */
async function showOrder(ctx: BotContext, orderId: number, opts: { fresh: boolean }, banner?: string) {
  const order = await ctx.deps.services.orders.byId(orderId);
  if (!order) {
    await say(ctx, ctx.t('ops.errors.order_not_found', { ref: String(orderId) }));
    return showList(ctx, opts);
  }
  ctx.go('ops.order', { orderId });
  await show(ctx, kb.orderCard(fmtOf(ctx), await loadOrderView(ctx.deps.services, order), banner), opts);
}

/** A short message: a toast on a button press, a chat message otherwise. */
async function say(ctx: BotContext, text: string) {
  if (ctx.callbackQuery) await ctx.toast(kb.plainText(text), true);
  else await notice(ctx, text);
}

async function askVin(ctx: BotContext, opts: { fresh: boolean }) {
  const orderId = sessionOrderId(ctx);
  const order = orderId ? await ctx.deps.services.orders.byId(orderId) : null;
  if (!order) return showList(ctx, opts);
  await show(ctx, kb.vinPrompt(fmtOf(ctx), await loadOrderView(ctx.deps.services, order)), opts);
}

async function askDelivered(ctx: BotContext, opts: { fresh: boolean }) {
  const orderId = sessionOrderId(ctx);
  const order = orderId ? await ctx.deps.services.orders.byId(orderId) : null;
  if (!order) return showList(ctx, opts);
  await show(ctx, kb.confirmDelivered(fmtOf(ctx), order), opts);
}

/** Ops steps re-render only for ops staff; for anyone else the chat goes back to the main menu. */
const guarded =
  (render: StepRenderer): StepRenderer =>
  async (ctx, opts) =>
    (await isOps(ctx)) ? render(ctx, opts) : showMenu(ctx, opts);

export const opsSteps = defineSteps(opsStepSchemas, {
  'ops.list': guarded(showList),
  'ops.order': guarded((ctx, opts) => (sessionOrderId(ctx) ? showOrder(ctx, sessionOrderId(ctx)!, opts) : showList(ctx, opts))),
  'ops.vin': guarded(askVin),
  'ops.confirm': guarded(askDelivered),
});

/**
 * Runs one fulfilment step. Done: the updated order (in place) and a refreshed worklist below it.
 * Refused because the order moved on (a double press, another colleague, the customer): says
 * where it is now and shows it.
 */
async function perform(ctx: BotContext, subject: ErrorSubject & { orderId: number }, step: () => Promise<string>, opts = { fresh: false }) {
  let banner: string;
  try {
    banner = await step();
  } catch (err) {
    const explained = await explainOpsError(ctx.deps.services, fmtOf(ctx), err, subject);
    if (explained === null) throw err;
    ctx.log.info({ err, ...subject }, 'ops step refused');
    await say(ctx, explained);
    return showOrder(ctx, subject.orderId, opts);
  }
  ctx.log.info({ ...subject, actor: actor(ctx) }, 'ops step done');
  await ctx.toast(kb.plainText(banner));
  await showOrder(ctx, subject.orderId, opts, banner);
  await showList(ctx, { fresh: true });
}

/** The order named by a button, if it is still in `state`; otherwise why not, and where it is. */
async function orderIn(ctx: BotContext, orderId: number, state: string) {
  const order = await ctx.deps.services.orders.byId(orderId);
  if (order?.state === state) return order;
  const f = fmtOf(ctx);
  await say(
    ctx,
    order ? f.t('ops.errors.order_state_changed', { number: order.number, state: f.t(`order_state.${order.state}`) }) : f.t('ops.errors.order_not_found', { ref: String(orderId) }),
  );
  if (order) await showOrder(ctx, order.id, { fresh: false });
  else await showList(ctx, { fresh: false });
  return null;
}

opsHandlers.command('ops', async (ctx) => {
  const args = ctx.payload.trim().split(/\s+/).filter(Boolean);
  const [first, second] = args;
  if (!first || (first.toLowerCase() === 'list' && !second)) return showList(ctx, { fresh: true });
  const ref = first.toLowerCase() === 'order' ? second : first;
  if (!ref || args.length > (first.toLowerCase() === 'order' ? 2 : 1)) return notice(ctx, ctx.t('ops.usage'));
  const order = await findOrder(ctx.deps.services, ref);
  if (!order) return notice(ctx, ctx.t('ops.errors.order_not_found', { ref: escapeHtml(ref.slice(0, 32)) }));
  await showOrder(ctx, order.id, { fresh: true });
});

opsHandlers.command('cancel', async (ctx, next) => {
  if (ctx.session.step !== 'ops.vin' && ctx.session.step !== 'ops.confirm') return next();
  await notice(ctx, ctx.t('ops.cancelled'));
  const orderId = sessionOrderId(ctx);
  await (orderId ? showOrder(ctx, orderId, { fresh: true }) : showList(ctx, { fresh: true }));
});

opsHandlers.action(cb.opsList.trigger, (ctx) => showList(ctx, { fresh: false }));

opsHandlers.action(cb.opsOrder.trigger, async (ctx) => {
  const data = cb.opsOrder.read(ctx);
  if (!data) return staleButton(ctx);
  await showOrder(ctx, data.orderId, { fresh: false });
});

opsHandlers.action(cb.opsAllocate.trigger, async (ctx) => {
  const data = cb.opsAllocate.read(ctx);
  if (!data) return staleButton(ctx);
  const order = await orderIn(ctx, data.orderId, 'deposit_paid');
  if (!order) return;
  ctx.go('ops.vin', { orderId: order.id });
  await askVin(ctx, { fresh: false });
});

opsHandlers.on(message('text'), async (ctx, next) => {
  if (ctx.session.step !== 'ops.vin' || ctx.message.text.startsWith('/')) return next();
  const orderId = sessionOrderId(ctx);
  if (!orderId) return showList(ctx, { fresh: true });
  const input = ctx.message.text;
  try {
    const order = await ctx.deps.services.fulfilment.allocate(orderId, input, actor(ctx));
    ctx.log.info({ orderId, vin: order.vin, actor: actor(ctx) }, 'ops step done');
    await showOrder(ctx, orderId, { fresh: true }, ctx.t('ops.done.allocated', { number: order.number, vin: order.vin }));
    await showList(ctx, { fresh: true });
  } catch (err) {
    const explained = await explainOpsError(ctx.deps.services, fmtOf(ctx), err, { orderId, vin: input });
    if (explained === null) throw err;
    await notice(ctx, explained);
    // A bad or taken VIN asks again; an order that moved on is shown as it is now.
    const retry = isOpsRefusal(err) && (err.code === 'invalid_vin' || err.code === 'vin_in_use');
    await (retry ? askVin(ctx, { fresh: true }) : showOrder(ctx, orderId, { fresh: true }));
  }
});

// A sticker, photo or file where the VIN is expected: ask for text.
opsHandlers.on('message', async (ctx, next) => {
  if (ctx.session.step !== 'ops.vin' || ('text' in ctx.message && ctx.message.text.startsWith('/'))) return next();
  await notice(ctx, ctx.t('ops.vin.type_it'));
  await askVin(ctx, { fresh: true });
});

opsHandlers.action(cb.opsReady.trigger, async (ctx) => {
  const data = cb.opsReady.read(ctx);
  if (!data) return staleButton(ctx);
  await perform(ctx, { orderId: data.orderId }, async () => {
    const order = await ctx.deps.services.fulfilment.markReady(data.orderId, actor(ctx));
    return ctx.t(order.state === 'delivery_scheduled' ? 'ops.done.ready_scheduled' : 'ops.done.ready', { number: order.number });
  });
});

// Handing over is final, so the first press only asks; the "yes" is a button of its own.
opsHandlers.action(cb.opsDelivered.trigger, async (ctx) => {
  const data = cb.opsDelivered.read(ctx);
  if (!data) return staleButton(ctx);
  const order = await orderIn(ctx, data.orderId, 'delivery_scheduled');
  if (!order) return;
  ctx.go('ops.confirm', { orderId: order.id });
  await askDelivered(ctx, { fresh: false });
});

opsHandlers.action(cb.opsDeliveredConfirm.trigger, async (ctx) => {
  const data = cb.opsDeliveredConfirm.read(ctx);
  if (!data) return staleButton(ctx);
  await perform(ctx, { orderId: data.orderId }, async () => {
    const order = await ctx.deps.services.fulfilment.markDelivered(data.orderId, actor(ctx));
    return ctx.t('ops.done.delivered', { number: order.number });
  });
});

opsHandlers.action(cb.opsInstalled.trigger, async (ctx) => {
  const data = cb.opsInstalled.read(ctx);
  if (!data) return staleButton(ctx);
  const { fulfilment, orders } = ctx.deps.services;
  const installation = await fulfilment.installation(data.installationId);
  if (!installation) {
    await say(ctx, ctx.t('ops.errors.installation_not_found', { id: String(data.installationId) }));
    return showList(ctx, { fresh: false });
  }
  const orderId = installation.orderId;
  if (orderId === null) return storeInstalled(ctx, installation.id, installation.storeOrderId!);
  await perform(ctx, { orderId, installationId: installation.id }, async () => {
    await fulfilment.markInstalled(installation.id, actor(ctx));
    const order = await orders.byId(orderId);
    return ctx.t('ops.done.installed', { number: order?.number ?? '' });
  });
});

/** A store order's charger (no car order): marked installed, then the worklist again. */
async function storeInstalled(ctx: BotContext, installationId: number, storeOrderId: number) {
  try {
    await ctx.deps.services.fulfilment.markInstalled(installationId, actor(ctx));
  } catch (err) {
    const explained = await explainOpsError(ctx.deps.services, fmtOf(ctx), err, { installationId });
    if (explained === null) throw err;
    await say(ctx, explained);
    return showList(ctx, { fresh: false });
  }
  const storeOrder = await ctx.deps.services.storeCheckout.byId(storeOrderId);
  ctx.log.info({ installationId, storeOrderId, actor: actor(ctx) }, 'ops step done');
  await ctx.toast(kb.plainText(ctx.t('ops.done.installed', { number: storeOrder?.number ?? '' })));
  await showList(ctx, { fresh: false });
}

// A payment that could not be applied: its facts first; the "yes" records who refunded it, and when.
opsHandlers.action(cb.opsRefund.trigger, async (ctx) => {
  const data = cb.opsRefund.read(ctx);
  if (!data) return staleButton(ctx);
  const due = await refundDue(ctx, data.kind, data.paymentId);
  if (due) await show(ctx, kb.refundConfirm(fmtOf(ctx), due), { fresh: false });
});

opsHandlers.action(cb.opsRefundConfirm.trigger, async (ctx) => {
  const data = cb.opsRefundConfirm.read(ctx);
  if (!data) return staleButton(ctx);
  const due = await refundDue(ctx, data.kind, data.paymentId);
  if (!due) return;
  try {
    if (data.kind === 'car') await ctx.deps.services.payments.markRefunded({ paymentId: data.paymentId }, actor(ctx));
    else await ctx.deps.services.storeCheckout.refunded(due.order.id, actor(ctx), data.paymentId);
  } catch (err) {
    // Marked by a colleague between the check and the press: nothing left to do.
    if (!(err instanceof PaymentRefundError || err instanceof StoreOrderError)) throw err;
    await say(ctx, ctx.t('payments.ops.not_due'));
    return showList(ctx, { fresh: false });
  }
  const f = fmtOf(ctx);
  ctx.log.info({ kind: data.kind, paymentId: data.paymentId, actor: actor(ctx) }, 'payment marked refunded');
  await ctx.toast(kb.plainText(f.t('payments.ops.done', { number: due.order.number, amount: f.money(due.payment.amountFen) })));
  await showList(ctx, { fresh: false });
});
