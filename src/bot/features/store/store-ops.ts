import { Composer } from 'telegraf';
import { message } from 'telegraf/filters';
import { StoreOrderError } from '../../../domain/store/checkout.js';
import { escapeHtml } from '../../../i18n.js';
import { cb } from '../../../telegram/callback-data.js';
import { forCustomers, type BotContext } from '../../context.js';
import { hasRole, staffOnly } from '../../staff-only.js';
import { fmtOf } from '../../../telegram/format.js';
import { plainText } from '../../../telegram/screens/ops.js';
import { storeConfirmDelivered, storeOpsList, storeOpsOrder, storeTrackingPrompt } from '../../../telegram/screens/store-ops.js';
import { storeStateLabel } from '../../../telegram/screens/store-orders.js';
import { staleButton, type StepRenderer } from '../../steps.js';
import { notice, show } from '../../ui.js';
import { showMenu } from '../menu/index.js';

/**
 * Ops staff ship store orders from their private chat, with buttons (the 🛍 button of /ops: the
 * list of paid orders to ship and shipped ones in transit → an order → "Mark shipped", which asks
 * for the carrier and tracking number as typed text, or "Mark delivered", confirmed first), or
 * with commands:
 *   /ops ship S10001 JD JDV123456789   (paid → shipped; the customer gets the tracking number)
 *   /ops store_delivered S10001        (shipped → delivered)
 * The role is read from the database on every command; anyone else passes on to the ops feature,
 * which treats them as it treats any non-staff sender.
 */
export const storeOpsFeature = new Composer<BotContext>();
const panel = new Composer<BotContext>();
/** Panel handlers, behind the role check. */
const panelHandlers = new Composer<BotContext>();
storeOpsFeature.use(forCustomers(panel));

const COMMAND = /^\/ops(?:@\w+)?\s+(ship|store_delivered)\b\s*(.*)$/is;

storeOpsFeature.on('message', async (ctx, next) => {
  const text = 'text' in ctx.message ? ctx.message.text : '';
  const m = COMMAND.exec(text);
  if (!m || !(await hasRole(ctx, 'ops'))) return next();
  const [, command, rest] = m as unknown as [string, string, string];
  const args = rest.trim().split(/\s+/).filter(Boolean);
  const f = fmtOf(ctx);
  const { storeCheckout } = ctx.deps.services;
  const expected = command.toLowerCase() === 'ship' ? 3 : 1;
  if (args.length !== expected) {
    // `/ops ship` alone: the usage and the paid orders waiting for a parcel.
    const waiting = await storeCheckout.awaitingShipment();
    const list = waiting.map((o) =>
      f.t('store.ops.waiting_line', { number: o.number, count: o.items, recipient: escapeHtml(o.recipient ?? ''), address: escapeHtml(o.address ?? '') }),
    );
    return notice(ctx, [f.t('store.ops.usage'), list.length ? f.t('store.ops.waiting', { count: list.length }) : f.t('store.ops.none_waiting'), ...list].join('\n'));
  }
  const order = await storeCheckout.byRef(args[0]!);
  if (!order) return notice(ctx, f.t('store.ops.not_found', { ref: args[0]!.slice(0, 20).replace(/[<>&]/g, '') }));
  const actor = `staff:${ctx.from.id}`;
  try {
    if (expected === 3) {
      const shipped = await storeCheckout.ship(order.id, args[1]!, args[2]!, actor);
      await notice(ctx, f.t('store.ops.shipped', { number: shipped.number, carrier: shipped.carrier, tracking: shipped.trackingNo }));
    } else {
      const delivered = await storeCheckout.deliver(order.id, actor);
      await notice(ctx, f.t('store.ops.delivered', { number: delivered.number }));
    }
  } catch (err) {
    if (!(err instanceof StoreOrderError)) throw err;
    if (err.code === 'bad_tracking') return notice(ctx, f.t('store.ops.bad_tracking'));
    const current = await storeCheckout.byId(order.id);
    await notice(ctx, f.t('store.ops.wrong_state', { number: order.number, state: storeStateLabel(f, current?.state ?? order.state) }));
  }
});

// ---- The store panel of /ops (buttons and the typed tracking number) ----

const PANEL_CODECS = [cb.opsStoreList, cb.opsStoreOrder, cb.opsStoreShip, cb.opsStoreDelivered, cb.opsStoreDeliveredConfirm];
const TRACKING_STEP = 'store.ops.tracking';
const CONFIRM_STEP = 'store.ops.confirm';

const isOpsStaff = (ctx: BotContext) => hasRole(ctx, 'ops');
const callbackData = (ctx: BotContext) => (ctx.callbackQuery && 'data' in ctx.callbackQuery ? ctx.callbackQuery.data : undefined);
const onPanelStep = (ctx: BotContext) => ctx.session.step === TRACKING_STEP || ctx.session.step === CONFIRM_STEP;

/** The panel's buttons, and messages typed on its steps; the role is read from the database each time. */
panel.use(
  staffOnly(
    'ops',
    {
      claims(ctx) {
        const data = callbackData(ctx);
        return data !== undefined ? PANEL_CODECS.some((c) => c.trigger.test(data)) : !!ctx.message && onPanelStep(ctx);
      },
      refused(ctx) {
        ctx.log.warn({ from: ctx.from?.id, data: callbackData(ctx), step: ctx.session.step }, 'store ops refused: sender is not ops staff');
        // Someone who lost the role mid-step is not left on a step they can no longer use.
        if (onPanelStep(ctx)) ctx.go('menu', {});
      },
    },
    panelHandlers,
  ),
);

const staffActor = (ctx: BotContext) => `staff:${ctx.from!.id}`;
const sessionOrderId = (ctx: BotContext): number | null => ctx.stepData('store.ops.order', TRACKING_STEP, CONFIRM_STEP)?.storeOrderId ?? null;

async function showPanelList(ctx: BotContext, opts: { fresh: boolean }) {
  const { storeCheckout } = ctx.deps.services;
  ctx.go('store.ops.list', {});
  await show(ctx, storeOpsList(fmtOf(ctx), await storeCheckout.awaitingShipment(50), await storeCheckout.inTransit(50)), opts);
}

async function showPanelOrder(ctx: BotContext, orderId: number, opts: { fresh: boolean }, banner?: string) {
  const order = await ctx.deps.services.storeCheckout.byId(orderId);
  if (!order) {
    await say(ctx, ctx.t('store.ops.not_found', { ref: String(orderId) }));
    return showPanelList(ctx, opts);
  }
  ctx.go('store.ops.order', { storeOrderId: order.id });
  await show(ctx, storeOpsOrder(fmtOf(ctx), await ctx.deps.services.storeCheckout.view(order), banner), opts);
}

async function say(ctx: BotContext, text: string) {
  if (ctx.callbackQuery) await ctx.toast(plainText(text), true);
  else await notice(ctx, text);
}

/** The order named by a button if it is still in `state`; else where it is now (a double press, a colleague). */
async function orderIn(ctx: BotContext, orderId: number, state: 'paid' | 'shipped') {
  const order = await ctx.deps.services.storeCheckout.byId(orderId);
  if (order?.state === state) return order;
  const f = fmtOf(ctx);
  if (!order) {
    await say(ctx, f.t('store.ops.not_found', { ref: String(orderId) }));
    await showPanelList(ctx, { fresh: false });
    return null;
  }
  await say(ctx, f.t('store.ops.wrong_state', { number: order.number, state: storeStateLabel(f, order.state) }));
  await showPanelOrder(ctx, order.id, { fresh: false });
  return null;
}

async function askTracking(ctx: BotContext, opts: { fresh: boolean }) {
  const id = sessionOrderId(ctx);
  const order = id ? await ctx.deps.services.storeCheckout.byId(id) : null;
  if (!order || order.state !== 'paid') return showPanelList(ctx, opts);
  await show(ctx, storeTrackingPrompt(fmtOf(ctx), order), opts);
}

async function askDelivered(ctx: BotContext, opts: { fresh: boolean }) {
  const id = sessionOrderId(ctx);
  const order = id ? await ctx.deps.services.storeCheckout.byId(id) : null;
  if (!order || order.state !== 'shipped') return showPanelList(ctx, opts);
  await show(ctx, storeConfirmDelivered(fmtOf(ctx), order), opts);
}

/** Panel steps re-render only for ops staff; anyone else gets the main menu. */
const guarded =
  (render: StepRenderer): StepRenderer =>
  async (ctx, opts) =>
    (await isOpsStaff(ctx)) ? render(ctx, opts) : showMenu(ctx, opts);

export const storeOpsRenderers = {
  'store.ops.list': guarded(showPanelList),
  'store.ops.order': guarded((ctx, opts) => (sessionOrderId(ctx) ? showPanelOrder(ctx, sessionOrderId(ctx)!, opts) : showPanelList(ctx, opts))),
  [TRACKING_STEP]: guarded(askTracking),
  [CONFIRM_STEP]: guarded(askDelivered),
};

panelHandlers.action(cb.opsStoreList.trigger, (ctx) => showPanelList(ctx, { fresh: false }));

panelHandlers.action(cb.opsStoreOrder.trigger, async (ctx) => {
  const data = cb.opsStoreOrder.read(ctx);
  if (!data) return staleButton(ctx);
  await showPanelOrder(ctx, data.orderId, { fresh: false });
});

panelHandlers.action(cb.opsStoreShip.trigger, async (ctx) => {
  const data = cb.opsStoreShip.read(ctx);
  if (!data) return staleButton(ctx);
  const order = await orderIn(ctx, data.orderId, 'paid');
  if (!order) return;
  ctx.go(TRACKING_STEP, { storeOrderId: order.id });
  await askTracking(ctx, { fresh: false });
});

panelHandlers.command('cancel', async (ctx) => {
  await notice(ctx, ctx.t('ops.cancelled'));
  const id = sessionOrderId(ctx);
  await (id ? showPanelOrder(ctx, id, { fresh: true }) : showPanelList(ctx, { fresh: true }));
});

/** "JD JDV123456789" (also "JD, JDV…" or on two lines): checked by the domain, which tells the customer. */
panelHandlers.on(message('text'), async (ctx, next) => {
  if (ctx.session.step !== TRACKING_STEP || ctx.message.text.startsWith('/')) return next();
  const id = sessionOrderId(ctx);
  if (!id) return showPanelList(ctx, { fresh: true });
  const parts = ctx.message.text
    .trim()
    .split(/[\s,;，]+/)
    .filter(Boolean);
  const f = fmtOf(ctx);
  if (parts.length !== 2) {
    await notice(ctx, f.t('store.ops.bad_tracking'));
    return askTracking(ctx, { fresh: true });
  }
  const { storeCheckout } = ctx.deps.services;
  try {
    const shipped = await storeCheckout.ship(id, parts[0]!, parts[1]!, staffActor(ctx));
    ctx.log.info({ storeOrderId: id, actor: staffActor(ctx) }, 'store order shipped');
    await showPanelOrder(ctx, id, { fresh: true }, f.t('store.ops.shipped', { number: shipped.number, carrier: shipped.carrier, tracking: escapeHtml(shipped.trackingNo ?? '') }));
  } catch (err) {
    if (!(err instanceof StoreOrderError)) throw err;
    if (err.code === 'bad_tracking') {
      await notice(ctx, f.t('store.ops.bad_tracking'));
      return askTracking(ctx, { fresh: true });
    }
    const current = await storeCheckout.byId(id);
    await notice(ctx, f.t('store.ops.wrong_state', { number: current?.number ?? String(id), state: storeStateLabel(f, current?.state ?? 'paid') }));
    await showPanelOrder(ctx, id, { fresh: true });
  }
});

// A photo, sticker or file where the tracking number is expected: ask for text.
panelHandlers.on('message', async (ctx, next) => {
  if (ctx.session.step !== TRACKING_STEP) return next();
  await notice(ctx, ctx.t('store.ops.type_tracking'));
  await askTracking(ctx, { fresh: true });
});

// Delivered is final, so the first press only asks.
panelHandlers.action(cb.opsStoreDelivered.trigger, async (ctx) => {
  const data = cb.opsStoreDelivered.read(ctx);
  if (!data) return staleButton(ctx);
  const order = await orderIn(ctx, data.orderId, 'shipped');
  if (!order) return;
  ctx.go(CONFIRM_STEP, { storeOrderId: order.id });
  await askDelivered(ctx, { fresh: false });
});

panelHandlers.action(cb.opsStoreDeliveredConfirm.trigger, async (ctx) => {
  const data = cb.opsStoreDeliveredConfirm.read(ctx);
  if (!data) return staleButton(ctx);
  const order = await orderIn(ctx, data.orderId, 'shipped');
  if (!order) return;
  try {
    const delivered = await ctx.deps.services.storeCheckout.deliver(order.id, staffActor(ctx));
    const banner = ctx.t('store.ops.delivered', { number: delivered.number });
    ctx.log.info({ storeOrderId: order.id, actor: staffActor(ctx) }, 'store order delivered');
    await ctx.toast(plainText(banner));
    await showPanelOrder(ctx, order.id, { fresh: false }, banner);
  } catch (err) {
    if (!(err instanceof StoreOrderError)) throw err;
    // A colleague was faster: show where the order is now.
    await orderIn(ctx, order.id, 'shipped');
  }
});
