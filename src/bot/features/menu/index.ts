import { Composer } from 'telegraf';
import { cb } from '../../../telegram/callback-data.js';
import { forCustomers, type BotContext } from '../../context.js';
import { fmtOf } from '../../../telegram/format.js';
import { helpScreen, languagePicker, mainMenu } from '../../../telegram/screens/common.js';
import { defineSteps, showCurrentStep } from '../../steps.js';
import { leavePhoneStep, show } from '../../ui.js';
import { canBookDelivery, canBookInstallation } from '../../../domain/orders/transitions.js';
import { escapeHtml } from '../../../i18n.js';
import { menuStepSchemas } from './steps.js';
import { showModel } from '../catalog/index.js';
import { showStoreCart, showStoreProduct } from '../store/store.js';
import { showOrderList as showOrders } from '../order/my-orders.js';

/** Deep-link payloads we keep for attribution: letters, digits, _ and -, as Telegram allows. */
const SOURCE = /^[A-Za-z0-9_-]{1,64}$/;

const feature = new Composer<BotContext>();
export const menuFeature = forCustomers(feature);

export async function showMenu(ctx: BotContext, opts: { fresh: boolean }): Promise<void> {
  await leavePhoneStep(ctx);
  ctx.go('menu', {});
  // Bookings only for a customer who has an order they can book for: a first-time visitor sees what they can do now.
  // The menu must not depend on the orders table answering: without it, no booking buttons.
  const orders = await ctx.deps.services.orders.listForCustomer(ctx.account.id).catch((err: unknown) => {
    ctx.log.warn({ err }, 'orders unavailable for the main menu');
    return [];
  });
  const can = { delivery: orders.some((o) => canBookDelivery(o.state)), installation: orders.some((o) => canBookInstallation(o.state)) };
  await show(ctx, mainMenu(fmtOf(ctx), escapeHtml(ctx.account.firstName), can), opts);
}
export const menuSteps = defineSteps(menuStepSchemas, { menu: showMenu });

/**
 * Deep links (`t.me/<bot>?start=<payload>`) open what they name; the payload is still recorded as the
 * customer's source for attribution: `model-y` (a model card), `p-<product>` (a store product),
 * `cart`, `orders`. Anything else (a campaign tag such as `src_campaign42`) opens the main menu.
 */
async function openDeepLink(ctx: BotContext, payload: string): Promise<boolean> {
  if (payload === 'cart') return showStoreCart(ctx, { fresh: true }).then(() => true);
  if (payload === 'orders') return showOrders(ctx, { fresh: true }).then(() => true);
  if (payload.startsWith('p-')) {
    const product = await ctx.deps.services.store.product(payload.slice(2));
    if (!product) return false;
    await showStoreProduct(ctx, product.product.id, null, { fresh: true });
    return true;
  }
  const model = await ctx.deps.services.catalog.model(payload);
  if (!model) return false;
  await showModel(ctx, model, { fresh: true });
  return true;
}

feature.command('start', async (ctx) => {
  const payload = ctx.payload.trim();
  if (payload && SOURCE.test(payload)) {
    await ctx.deps.services.customers.recordSource(ctx.account.id, payload);
    await leavePhoneStep(ctx);
    if (await openDeepLink(ctx, payload)) return;
  }
  await showMenu(ctx, { fresh: true });
});

feature.command('menu', (ctx) => showMenu(ctx, { fresh: true }));
feature.action(cb.menu.trigger, (ctx) => showMenu(ctx, { fresh: false }));

feature.command('help', (ctx) => show(ctx, helpScreen(fmtOf(ctx)), { fresh: true }));
feature.action(cb.help.trigger, (ctx) => show(ctx, helpScreen(fmtOf(ctx))));

feature.command('language', (ctx) => show(ctx, languagePicker(fmtOf(ctx)), { fresh: true }));
feature.action(cb.language.trigger, async (ctx) => {
  const data = cb.language.read(ctx);
  if (!data) return ctx.toast(ctx.t('errors.bad_button'));
  await ctx.useLanguage(data.locale);
  await ctx.toast(ctx.t('language.changed'));
  // Keep the customer where they were, now in the new language.
  await showCurrentStep(ctx, { fresh: false });
});
