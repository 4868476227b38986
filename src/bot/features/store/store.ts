import { Composer } from 'telegraf';
import type { ShippingOption, StoreCategory } from '../../../db/schema/index.js';
import { CheckoutError, type StoreOrderView } from '../../../domain/store/checkout.js';
import { paymentLimitProblem, shippingFen, storePayload } from '../../../domain/store/rules.js';
import { StoreError } from '../../../domain/store/service.js';
import { CNY_MAX_FEN, CNY_MIN_FEN } from '../../../shared/money.js';
import { cb } from '../../../telegram/callback-data.js';
import { forCustomers, type BotContext } from '../../context.js';
import { fmtOf } from '../../../telegram/format.js';
import { addressScreen, cartScreen, defaultVariant, productCard, productList, shippingScreen, storeHome } from '../../../telegram/screens/store.js';
import { button, menuButton } from '../../../telegram/screens/common.js';
import { staleButton, type StepRenderer } from '../../steps.js';
import { show } from '../../ui.js';

/**
 * The flagship store: categories → products (6 a page) → product card with variant pickers →
 * cart (in Postgres) → checkout (saved address + shipping option, or Telegram's shipping form)
 * → invoice. Payment handling is in store-payments.ts. Every id from a button is looked up
 * again: a forged or stale one gets a clear answer, never someone else's data.
 */
const feature = new Composer<BotContext>();
export const shopFeature = forCustomers(feature);

async function showHome(ctx: BotContext, opts: { fresh: boolean }) {
  const { store } = ctx.deps.services;
  ctx.go('store', {});
  await show(ctx, storeHome(fmtOf(ctx), await store.categories(), await store.cartCount(ctx.account.id)), opts);
}

async function showCategory(ctx: BotContext, category: StoreCategory, page: number, opts: { fresh: boolean }) {
  const { store } = ctx.deps.services;
  const result = await store.page(category, page);
  ctx.go('store.list', { category, page: result.page });
  await show(ctx, productList(fmtOf(ctx), category, result, await store.cartCount(ctx.account.id)), opts);
}

/** A product card; `variantId` picks the variant (else the one for the customer's car, or the first in stock). */
async function showProduct(ctx: BotContext, productId: string, variantId: string | null, opts: { fresh: boolean }) {
  const { store } = ctx.deps.services;
  const product = await store.product(productId);
  if (!product) return staleButton(ctx);
  const models = await store.customerModels(ctx.account.id);
  const selected = product.variants.find((v) => v.id === variantId) ?? defaultVariant(product, models);
  const cart = await store.cart(ctx.account.id);
  const from = ctx.stepData('store.list', 'store.product');
  const page = from?.category === product.product.category ? from.page : 1;
  ctx.go('store.product', { productId, variantId: selected.id, category: product.product.category, page });
  const inCart = cart.lines.find((l) => l.variant.id === selected.id)?.qty ?? 0;
  const cartCount = cart.lines.reduce((s, l) => s + l.qty, 0);
  await show(ctx, productCard(fmtOf(ctx), product, selected, { customerModels: models, inCart, cartCount, page }), opts);
}

async function showCart(ctx: BotContext, opts: { fresh: boolean }) {
  ctx.go('store.cart', {});
  await show(ctx, cartScreen(fmtOf(ctx), await ctx.deps.services.store.cart(ctx.account.id)), opts);
}

const showListStep: StepRenderer = (ctx, opts) => {
  const shown = ctx.stepData('store.list');
  return shown ? showCategory(ctx, shown.category, shown.page, opts) : showHome(ctx, opts);
};
const showProductStep: StepRenderer = (ctx, opts) => {
  const shown = ctx.stepData('store.product');
  return shown ? showProduct(ctx, shown.productId, shown.variantId, opts) : showHome(ctx, opts);
};
const showShippingStep: StepRenderer = (ctx, opts) => {
  const shown = ctx.stepData('store.shipping');
  return shown ? showShipping(ctx, shown.addressId, opts) : showCart(ctx, opts);
};
const showInvoiceStep: StepRenderer = async (ctx, opts) => {
  const shown = ctx.stepData('store.invoice');
  const view = shown ? await ctx.deps.services.storeCheckout.forCustomer(shown.orderId, ctx.account.id).catch(() => null) : null;
  if (!view || view.order.state !== 'pending_payment') return showCart(ctx, opts);
  await show(ctx, invoiceScreen(ctx, view), opts);
};

export const shopRenderers = {
  store: showHome,
  'store.list': showListStep,
  'store.product': showProductStep,
  'store.cart': showCart,
  'store.checkout': showCheckout,
  'store.shipping': showShippingStep,
  'store.invoice': showInvoiceStep,
};

feature.command(['store', 'shop'], (ctx) => showHome(ctx, { fresh: true }));
feature.command('cart', (ctx) => showCart(ctx, { fresh: true }));
feature.action(cb.storeHome.trigger, (ctx) => showHome(ctx, { fresh: false }));
feature.action(cb.storeCart.trigger, (ctx) => showCart(ctx, { fresh: false }));

feature.action(cb.storeCategory.trigger, async (ctx) => {
  const data = cb.storeCategory.read(ctx);
  if (!data) return staleButton(ctx);
  await showCategory(ctx, data.category, data.page, { fresh: false });
});

feature.action(cb.storeProduct.trigger, async (ctx) => {
  const data = cb.storeProduct.read(ctx);
  if (!data) return staleButton(ctx);
  await showProduct(ctx, data.productId, null, { fresh: false });
});

/** A variant id that names nothing is forged or from a removed product: say so, show the store. */
async function unknownVariant(ctx: BotContext) {
  ctx.log.warn({ data: ctx.callbackQuery && 'data' in ctx.callbackQuery ? ctx.callbackQuery.data : undefined }, 'unknown store variant');
  await ctx.toast(ctx.t('store.errors.unknown_variant'), true);
  await showHome(ctx, { fresh: true });
}

feature.action(cb.storeVariant.trigger, async (ctx) => {
  const data = cb.storeVariant.read(ctx);
  const found = data && (await ctx.deps.services.store.productOfVariant(data.variantId));
  if (!found) return unknownVariant(ctx);
  if (found.variant.available === 0) await ctx.toast(ctx.t('store.errors.sold_out'));
  await showProduct(ctx, found.product.product.id, found.variant.id, { fresh: false });
});

/** Tells the customer why the store said no (sold out, only N left, …) as an alert. */
async function storeRefusal(ctx: BotContext, err: unknown): Promise<boolean> {
  if (!(err instanceof StoreError)) return false;
  await ctx.toast(ctx.t(`store.errors.${err.code}`, err.details), true);
  return true;
}

feature.action(cb.storeAdd.trigger, async (ctx) => {
  const data = cb.storeAdd.read(ctx);
  const found = data && (await ctx.deps.services.store.productOfVariant(data.variantId));
  if (!found) return unknownVariant(ctx);
  try {
    const qty = await ctx.deps.services.store.add(ctx.account.id, found.variant.id, 1, data.have);
    await ctx.toast(ctx.t('store.added', { count: qty }));
  } catch (err) {
    if (!(await storeRefusal(ctx, err))) throw err;
  }
  await showProduct(ctx, found.product.product.id, found.variant.id, { fresh: false });
});

feature.action(cb.storeCartQty.trigger, async (ctx) => {
  const data = cb.storeCartQty.read(ctx);
  if (!data) return staleButton(ctx);
  const { store } = ctx.deps.services;
  try {
    if (data.op === 'del') await store.remove(ctx.account.id, data.variantId);
    else await store.change(ctx.account.id, data.variantId, data.op === 'inc' ? 1 : -1, data.have);
  } catch (err) {
    if (!(await storeRefusal(ctx, err))) throw err;
  }
  await showCart(ctx, { fresh: false });
});

/** The cart must be buyable as it stands and fit in one Telegram payment; else say why. */
async function cartReady(ctx: BotContext): Promise<number | null> {
  const cart = await ctx.deps.services.store.cart(ctx.account.id);
  const f = fmtOf(ctx);
  let problem: string | null = null;
  if (cart.lines.length === 0) problem = ctx.t('store.errors.empty_cart');
  else if (cart.hasProblems) problem = ctx.t('store.errors.cart_problems');
  else {
    const limit = paymentLimitProblem(cart.goodsFen);
    if (limit) problem = ctx.t(`store.errors.${limit}`, { max: f.money(CNY_MAX_FEN), min: f.money(CNY_MIN_FEN), total: f.money(cart.goodsFen) });
  }
  if (!problem) return cart.goodsFen;
  ctx.log.info({ problem }, 'checkout refused');
  await ctx.toast(problem, true);
  await showCart(ctx, { fresh: !ctx.callbackQuery });
  return null;
}

async function showCheckout(ctx: BotContext, opts: { fresh: boolean }) {
  const goodsFen = await cartReady(ctx);
  if (goodsFen === null) return;
  const addresses = await ctx.deps.services.store.addresses(ctx.account.id);
  if (addresses.length === 0) return placeAndInvoice(ctx, {}, opts);
  ctx.go('store.checkout', {});
  await show(ctx, addressScreen(fmtOf(ctx), goodsFen, addresses), opts);
}

async function showShipping(ctx: BotContext, addressId: number, opts: { fresh: boolean }) {
  const goodsFen = await cartReady(ctx);
  if (goodsFen === null) return;
  const address = (await ctx.deps.services.store.addresses(ctx.account.id, 50)).find((a) => a.id === addressId);
  if (!address) {
    await ctx.toast(ctx.t('store.errors.unknown_address'), true);
    return showCheckout(ctx, { fresh: true });
  }
  ctx.go('store.shipping', { addressId });
  await show(ctx, shippingScreen(fmtOf(ctx), goodsFen, address), opts);
}

feature.action(cb.storeCheckout.trigger, (ctx) => showCheckout(ctx, { fresh: false }));

feature.action(cb.storeAddress.trigger, async (ctx) => {
  const data = cb.storeAddress.read(ctx);
  if (!data) return staleButton(ctx);
  await showShipping(ctx, data.addressId, { fresh: false });
});

feature.action(cb.storeShipping.trigger, async (ctx) => {
  const data = cb.storeShipping.read(ctx);
  const chosen = ctx.stepData('store.shipping');
  if (!data || !chosen) return staleButton(ctx);
  await placeAndInvoice(ctx, { addressId: chosen.addressId, shipping: data.option }, { fresh: false });
});

feature.action(cb.storeNewAddress.trigger, (ctx) => placeAndInvoice(ctx, {}, { fresh: false }));

function invoiceScreen(ctx: BotContext, view: StoreOrderView) {
  const f = fmtOf(ctx);
  return {
    text: f.t('store.invoice_sent', { number: view.order.number, total: f.money(view.order.goodsFen + (view.order.shippingFen ?? 0)) }),
    keyboard: [[button(f.t('store.back_to_cart'), cb.storeCart.pack({})), menuButton(f)]],
  };
}

/**
 * Makes the order and sends its invoice: every line in CNY, plus shipping when chosen here;
 * without an address Telegram's form asks for one and offers the options (shipping_query).
 */
async function placeAndInvoice(ctx: BotContext, choice: { addressId?: number; shipping?: ShippingOption }, opts: { fresh: boolean }) {
  const token = ctx.deps.config.paymentProviderToken;
  const { storeCheckout } = ctx.deps.services;
  const f = fmtOf(ctx);
  if (!token) {
    await ctx.toast(ctx.t('store.errors.payments_unavailable'), true);
    return showCart(ctx, { fresh: !ctx.callbackQuery });
  }
  let view: StoreOrderView;
  try {
    view = await storeCheckout.place(ctx.account.id, choice);
  } catch (err) {
    if (!(err instanceof CheckoutError)) throw err;
    const goods = Number(err.details.goodsFen ?? 0);
    await ctx.toast(ctx.t(`store.errors.${err.code}`, { max: f.money(CNY_MAX_FEN), min: f.money(CNY_MIN_FEN), total: f.money(goods) }), true);
    return showCart(ctx, { fresh: !ctx.callbackQuery });
  }
  const order = view.order;
  ctx.go('store.invoice', { orderId: order.id });
  await show(ctx, invoiceScreen(ctx, view), opts);
  const prices = view.lines.map((l) => ({ label: `${f.plain(l.name)} × ${l.qty}`.slice(0, 64), amount: l.qty * l.unitPriceFen }));
  if (order.shipping) {
    prices.push({ label: ctx.t('store.invoice_shipping_label', { name: ctx.t(`store.shipping.${order.shipping}`) }), amount: shippingFen(order.shipping, order.goodsFen) });
  }
  const flexible = !order.shipping;
  await ctx.replyWithInvoice({
    title: ctx.t('store.invoice_title', { number: order.number }),
    description: ctx.t('store.invoice_description', { count: view.lines.reduce((s, l) => s + l.qty, 0) }),
    payload: storePayload(order.id),
    provider_token: token,
    currency: 'CNY',
    prices,
    need_name: flexible,
    need_phone_number: flexible,
    need_shipping_address: flexible,
    is_flexible: flexible,
  });
}

export { showHome as showStoreHome, showProduct as showStoreProduct, showCart as showStoreCart };
