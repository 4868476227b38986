import { Composer } from 'telegraf';
import { message } from 'telegraf/filters';
import { mayManageStock, parseUnits, parseYuan, StockError } from '../../../domain/stock/index.js';
import { STOCK_CODECS, stockCb } from '../../../telegram/callback-data-stock.js';
import { fmtOf } from '../../../telegram/format.js';
import { plainText } from '../../../telegram/screens/ops.js';
import {
  stockAskScreen,
  stockDoneText,
  modelDoneText,
  stockErrorText,
  stockHomeScreen,
  stockProductScreen,
  stockVariantScreen,
  type StockQuestion,
} from '../../../telegram/screens/catalog-ops.js';
import { forCustomers, type BotContext } from '../../context.js';
import { defineSteps, staleButton, type StepRenderer } from '../../steps.js';
import { notice, show } from '../../ui.js';
import { showMenu } from '../menu/index.js';
import { showImport, stockImport } from './import.js';
import { stockStepSchemas } from './steps.js';

/**
 * The catalog without SQL, from a staff member's private chat: `/stock` lists the products and car
 * models; a product's card lists its variants; a variant's card restocks (+1 … +50, or a typed
 * number), sets the stock, changes the price, sets the low-stock alert, hides or shows it. Models
 * are paused or resumed from the list. Who: ops, admins and managers (src/domain/stock/roles.ts),
 * read from the database on every update this feature claims; to anyone else it does not exist.
 * A delivery of stock is imported from a CSV file sent to the chat (./import.ts). Every change is
 * audited by StockService (catalog_audit) with `staff:<telegram id>`.
 */
const feature = new Composer<BotContext>();
export const stockFeature = forCustomers(feature);
const handlers = new Composer<BotContext>();

const COMMAND = /^\/stock(?:@\w+)?(?:\s|$)/i;
const callbackData = (ctx: BotContext) => (ctx.callbackQuery && 'data' in ctx.callbackQuery ? ctx.callbackQuery.data : undefined);

function claims(ctx: BotContext): boolean {
  const data = callbackData(ctx);
  if (data !== undefined) return STOCK_CODECS.some((c) => c.trigger.test(data));
  if (!ctx.message) return false;
  if ('text' in ctx.message && COMMAND.test(ctx.message.text)) return true;
  return ctx.session.step.startsWith('stock.');
}

/** True for a person in a private chat holding a role that may change the catalog. */
export async function mayStock(ctx: BotContext): Promise<boolean> {
  return !!ctx.from && ctx.chat?.type === 'private' && mayManageStock(await ctx.deps.services.staff.rolesOf(ctx.from.id));
}

feature.use(async (ctx, next) => {
  if (!claims(ctx)) return next();
  if (await mayStock(ctx)) return handlers.middleware()(ctx, next);
  ctx.log.warn({ from: ctx.from?.id, data: callbackData(ctx), step: ctx.session.step }, 'stock refused: sender may not manage stock');
  // Someone who lost the role mid-step is not left on a step they can no longer use.
  if (ctx.session.step.startsWith('stock.')) ctx.go('menu', {});
  return next();
});

const actor = (ctx: BotContext) => `staff:${ctx.from!.id}`;
const stock = (ctx: BotContext) => ctx.deps.services.stock;

async function showHome(ctx: BotContext, opts: { fresh: boolean }) {
  ctx.go('stock.home', {});
  await show(ctx, stockHomeScreen(fmtOf(ctx), await stock(ctx).products(), await stock(ctx).models()), opts);
}

async function showProduct(ctx: BotContext, productId: string, opts: { fresh: boolean }, banner?: string) {
  const product = await stock(ctx).product(productId);
  if (!product) return showHome(ctx, opts);
  ctx.go('stock.product', { productId });
  await show(ctx, stockProductScreen(fmtOf(ctx), product, banner), opts);
}

async function showVariant(ctx: BotContext, variantId: string, opts: { fresh: boolean }, banner?: string) {
  const variant = await stock(ctx).variant(variantId);
  const product = variant && (await stock(ctx).product(variant.productId));
  if (!variant || !product) return showHome(ctx, opts);
  ctx.go('stock.variant', { variantId });
  await show(ctx, stockVariantScreen(fmtOf(ctx), variant, fmtOf(ctx).plain(product.name), banner), opts);
}

async function ask(ctx: BotContext, variantId: string, what: StockQuestion, opts: { fresh: boolean }) {
  const variant = await stock(ctx).variant(variantId);
  if (!variant) return showHome(ctx, opts);
  ctx.go('stock.ask', { variantId, what, seen: variant.stock });
  await show(ctx, stockAskScreen(fmtOf(ctx), variant, what), opts);
}

/** A short message: a toast on a button press, a chat message otherwise. */
async function say(ctx: BotContext, text: string) {
  if (ctx.callbackQuery) await ctx.toast(plainText(text), true);
  else await notice(ctx, text);
}

/** Runs a change; a refusal is said (and null returned), anything else is thrown to the boundary. */
async function change<T>(ctx: BotContext, id: string, run: () => Promise<T>): Promise<T | null> {
  try {
    const done = await run();
    ctx.log.info({ id, actor: actor(ctx) }, 'catalog changed');
    return done;
  } catch (err) {
    if (!(err instanceof StockError)) throw err;
    await say(ctx, stockErrorText(fmtOf(ctx), err, id));
    return null;
  }
}

const guarded =
  (render: StepRenderer): StepRenderer =>
  async (ctx, opts) =>
    (await mayStock(ctx)) ? render(ctx, opts) : showMenu(ctx, opts);

export const stockSteps = defineSteps(stockStepSchemas, {
  'stock.home': guarded(showHome),
  'stock.product': guarded((ctx, opts) => {
    const data = ctx.stepData('stock.product');
    return data ? showProduct(ctx, data.productId, opts) : showHome(ctx, opts);
  }),
  'stock.variant': guarded((ctx, opts) => {
    const data = ctx.stepData('stock.variant');
    return data ? showVariant(ctx, data.variantId, opts) : showHome(ctx, opts);
  }),
  'stock.import': guarded(showImport),
  'stock.ask': guarded((ctx, opts) => {
    const data = ctx.stepData('stock.ask');
    return data ? ask(ctx, data.variantId, data.what, opts) : showHome(ctx, opts);
  }),
});

// `/stock`, `/stock <product>` or `/stock <variant>`.
handlers.command('stock', async (ctx) => {
  const ref = ctx.payload.trim().toLowerCase();
  if (!ref) return showHome(ctx, { fresh: true });
  if (await stock(ctx).product(ref)) return showProduct(ctx, ref, { fresh: true });
  if (await stock(ctx).variant(ref)) return showVariant(ctx, ref, { fresh: true });
  await notice(ctx, ctx.t('catalogOps.errors.unknown_product', { id: ref.slice(0, 32).replace(/[<>&]/g, '') }));
  await showHome(ctx, { fresh: true });
});

handlers.command('cancel', async (ctx, next) => {
  const data = ctx.stepData('stock.ask');
  if (!data) return next();
  await showVariant(ctx, data.variantId, { fresh: true });
});

// A delivery from a CSV file (./import.ts), behind the same role check.
handlers.use(stockImport);

handlers.action(stockCb.home.trigger, (ctx) => showHome(ctx, { fresh: false }));

handlers.action(stockCb.product.trigger, async (ctx) => {
  const data = stockCb.product.read(ctx);
  if (!data) return staleButton(ctx);
  await showProduct(ctx, data.productId, { fresh: false });
});

handlers.action(stockCb.variant.trigger, async (ctx) => {
  const data = stockCb.variant.read(ctx);
  if (!data) return staleButton(ctx);
  await showVariant(ctx, data.variantId, { fresh: false });
});

handlers.action(stockCb.ask.trigger, async (ctx) => {
  const data = stockCb.ask.read(ctx);
  if (!data) return staleButton(ctx);
  await ask(ctx, data.variantId, data.what, { fresh: false });
});

handlers.action(stockCb.add.trigger, async (ctx) => {
  const data = stockCb.add.read(ctx);
  if (!data) return staleButton(ctx);
  const done = await change(ctx, data.variantId, () => stock(ctx).restock(data.variantId, data.units, actor(ctx), { expected: data.have }));
  const banner = done ? stockDoneText(fmtOf(ctx), 'restock', done, data.units) : undefined;
  if (banner) await ctx.toast(plainText(banner));
  await showVariant(ctx, data.variantId, { fresh: false }, banner);
});

handlers.action(stockCb.hide.trigger, async (ctx) => {
  const data = stockCb.hide.read(ctx);
  if (!data) return staleButton(ctx);
  const hidden = data.hidden === '1';
  const done = await change(ctx, data.id, () => stock(ctx).setHidden(data.kind, data.id, hidden, actor(ctx)));
  const banner = done ? ctx.t(hidden ? 'catalogOps.done.hidden' : 'catalogOps.done.shown') : undefined;
  if (banner) await ctx.toast(plainText(banner));
  if (data.kind === 'product') await showProduct(ctx, data.id, { fresh: false }, banner);
  else await showVariant(ctx, data.id, { fresh: false }, banner);
});

handlers.action(stockCb.model.trigger, async (ctx) => {
  const data = stockCb.model.read(ctx);
  if (!data) return staleButton(ctx);
  const available = data.available === '1';
  const done = await change(ctx, data.modelId, () => stock(ctx).setModelAvailable(data.modelId, available, actor(ctx)));
  if (done) {
    const name = (await stock(ctx).models()).find((m) => m.id === data.modelId)?.name ?? data.modelId;
    await ctx.toast(plainText(modelDoneText(fmtOf(ctx), name, done)), true);
  }
  await showHome(ctx, { fresh: false });
});

// The typed number of a question: units, or a price in yuan.
handlers.on(message('text'), async (ctx, next) => {
  const data = ctx.stepData('stock.ask');
  if (!data || ctx.message.text.startsWith('/')) return next();
  const f = fmtOf(ctx);
  const text = ctx.message.text;
  const value = data.what === 'price' ? parseYuan(text) : parseUnits(text);
  if (value === null) {
    await notice(ctx, ctx.t(data.what === 'price' ? 'catalogOps.ask.not_a_price' : 'catalogOps.ask.not_a_number'));
    return ask(ctx, data.variantId, data.what, { fresh: true });
  }
  const svc = stock(ctx);
  const run = {
    restock: () => svc.restock(data.variantId, value, actor(ctx), { expected: data.seen }),
    set: () => svc.setStock(data.variantId, value, actor(ctx)),
    price: () => svc.setPrice(data.variantId, value, actor(ctx)),
    threshold: () => svc.setThreshold(data.variantId, value, actor(ctx)),
  }[data.what];
  const done = await change(ctx, data.variantId, run);
  // Refused (a number out of range, below the held units, the stock changed meanwhile): asked again.
  if (!done) return ask(ctx, data.variantId, data.what, { fresh: true });
  await showVariant(ctx, data.variantId, { fresh: true }, stockDoneText(f, data.what, done, data.what === 'restock' ? value : undefined));
});

// A sticker, photo or file where a number is expected: ask again.
handlers.on('message', async (ctx, next) => {
  const data = ctx.stepData('stock.ask');
  if (!data || ('text' in ctx.message && ctx.message.text.startsWith('/'))) return next();
  await notice(ctx, ctx.t('catalogOps.ask.not_a_number'));
  await ask(ctx, data.variantId, data.what, { fresh: true });
});
