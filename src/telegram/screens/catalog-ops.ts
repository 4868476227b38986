import { escapeHtml } from '../../i18n.js';
import { MAX_PRICE_FEN, MAX_UNITS, type StockError } from '../../domain/stock/errors.js';
import type { StockModel, StockProduct, StockVariant } from '../../domain/stock/service.js';
import { stockCb } from '../callback-data-stock.js';
import type { Fmt } from '../format.js';
import type { Screen } from '../screen.js';
import { button, rows } from './common.js';

/** The screens of /stock (ops, admins, managers): products, a product's variants, one variant, the typed questions. */

export type StockQuestion = 'restock' | 'set' | 'price' | 'threshold';

/** Quick restock buttons on a variant's card. */
export const QUICK_RESTOCK = [1, 5, 10, 50] as const;

const isLow = (v: StockVariant) => v.threshold > 0 && v.stock < v.threshold;

export function stockHomeScreen(f: Fmt, products: StockProduct[], models: StockModel[]): Screen {
  const low = products.flatMap((p) => p.variants.filter(isLow).map((v) => f.text(v.name)));
  const text = [
    f.t('catalogOps.home.title'),
    f.t('catalogOps.home.hint'),
    ...(low.length ? [f.t('catalogOps.home.low', { names: low.join(f.locale === 'en' ? ', ' : '、') })] : []),
    '',
    f.t('catalogOps.home.models'),
    ...models.map((m) => f.t('catalogOps.home.model_line', { name: m.name, state: f.t(m.available ? 'catalogOps.model.available' : 'catalogOps.model.paused') })),
  ].join('\n');
  const productButtons = products.map((p) =>
    button(
      f.t('catalogOps.home.product_button', {
        hidden: p.hidden ? '🙈 ' : '',
        name: f.plain(p.name),
        stock: p.variants.reduce((n, v) => n + v.stock, 0),
      }),
      stockCb.product.pack({ productId: p.id }),
    ),
  );
  const modelButtons = models.map((m) =>
    button(f.t(m.available ? 'catalogOps.model.pause' : 'catalogOps.model.resume', { name: m.name }), stockCb.model.pack({ modelId: m.id, available: m.available ? '0' : '1' })),
  );
  return { text, keyboard: [...rows(productButtons, 2), ...rows(modelButtons, 2), [button(f.t('catalogOps.home.import'), stockCb.import.pack({}))]], noSupport: true };
}

function variantLine(f: Fmt, v: StockVariant): string {
  return f.t('catalogOps.product.variant_line', {
    name: f.text(v.name),
    id: v.id,
    hidden: v.hidden ? f.t('catalogOps.product.variant_hidden') : '',
    price: f.money(v.priceFen),
    stock: v.stock,
    held: v.held ? f.t('catalogOps.product.held', { count: v.held }) : '',
    threshold: v.threshold ? f.t('catalogOps.product.threshold', { count: v.threshold }) : '',
  });
}

export function stockProductScreen(f: Fmt, p: StockProduct, banner?: string): Screen {
  const text = [
    ...(banner ? [banner, ''] : []),
    f.t('catalogOps.product.title', { name: f.text(p.name), id: p.id }),
    f.t(p.hidden ? 'catalogOps.product.hidden' : 'catalogOps.product.on_sale'),
    '',
    ...p.variants.map((v) => variantLine(f, v)),
  ].join('\n');
  const variants = p.variants.map((v) => button(`${v.hidden ? '🙈 ' : ''}${variantLabel(f, v)} · ${v.stock}`, stockCb.variant.pack({ variantId: v.id })));
  return {
    text,
    keyboard: [
      ...rows(variants, 2),
      [button(f.t(p.hidden ? 'catalogOps.product.show' : 'catalogOps.product.hide'), stockCb.hide.pack({ kind: 'product', id: p.id, hidden: p.hidden ? '0' : '1' }))],
      [button(f.t('catalogOps.product.back'), stockCb.home.pack({}))],
    ],
    noSupport: true,
  };
}

/** A variant's own part of its name (its label, colour, size or model), or the product's name when it has none. */
function variantLabel(f: Fmt, v: StockVariant): string {
  const a = v.attributes;
  const own = [a.label ? f.plain(a.label) : '', a.model ?? '', a.colour ? f.plain(a.colour) : '', a.size ?? ''].filter(Boolean).join(' · ');
  return own || f.plain(v.name);
}

export function stockVariantScreen(f: Fmt, v: StockVariant, productName: string, banner?: string): Screen {
  const threshold = v.threshold
    ? f.t('catalogOps.variant.threshold_on', { count: v.threshold }) + (v.lowAlerted ? f.t('catalogOps.variant.alerted') : '')
    : f.t('catalogOps.variant.threshold_off');
  const text = [
    ...(banner ? [banner, ''] : []),
    f.t('catalogOps.variant.title', { name: f.text(v.name), id: v.id }),
    f.t(v.hidden ? 'catalogOps.product.hidden' : 'catalogOps.product.on_sale'),
    f.t('catalogOps.variant.facts', { price: f.money(v.priceFen), stock: v.stock, held: v.held ? f.t('catalogOps.product.held', { count: v.held }) : '', threshold }),
  ].join('\n');
  const ask = (what: StockQuestion) => button(f.t(`catalogOps.variant.${what}`), stockCb.ask.pack({ variantId: v.id, what }));
  return {
    text,
    keyboard: [
      QUICK_RESTOCK.map((n) => button(f.t('catalogOps.variant.add', { count: n }), stockCb.add.pack({ variantId: v.id, units: n, have: v.stock }))),
      [ask('restock'), ask('set')],
      [ask('price'), ask('threshold')],
      [button(f.t(v.hidden ? 'catalogOps.variant.show' : 'catalogOps.variant.hide'), stockCb.hide.pack({ kind: 'variant', id: v.id, hidden: v.hidden ? '0' : '1' }))],
      [button(f.t('catalogOps.variant.back', { product: productName }), stockCb.product.pack({ productId: v.productId }))],
    ],
    noSupport: true,
  };
}

export function stockAskScreen(f: Fmt, v: StockVariant, what: StockQuestion): Screen {
  const text = f.t(`catalogOps.ask.${what}`, {
    name: f.text(v.name),
    stock: v.stock,
    held: v.held,
    price: f.money(v.priceFen),
    threshold: v.threshold,
  });
  return { text, keyboard: [[button(f.t('catalogOps.ask.cancel'), stockCb.variant.pack({ variantId: v.id }))]], noSupport: true };
}

/** What a done change says, above the card it changed. */
export function stockDoneText(f: Fmt, what: StockQuestion, change: { before: number; after: number }, units?: number): string {
  if (what === 'price') return f.t('catalogOps.done.price', { before: f.money(change.before), after: f.money(change.after) });
  return f.t(`catalogOps.done.${what}`, { before: change.before, after: change.after, count: units ?? change.after - change.before });
}

/** The message ops get when a variant falls below its threshold (once per crossing). */
export function lowStockAlertText(f: Fmt, v: StockVariant): string {
  return f.t('catalogOps.low_stock_alert', { name: f.text(v.name), id: v.id, stock: v.stock, threshold: v.threshold });
}

/** A refused change in words (StockError's code and details). */
export function stockErrorText(f: Fmt, err: StockError, id = ''): string {
  const d = err.details as { held?: number; stock?: number; max?: number };
  return f.t(`catalogOps.errors.${err.code}`, {
    id: escapeHtml(id.slice(0, 32)),
    held: d.held,
    stock: d.stock,
    max: err.code === 'bad_price' ? f.money(MAX_PRICE_FEN) : MAX_UNITS,
  });
}

/** What pausing or resuming a car model did. */
export function modelDoneText(f: Fmt, name: string, change: { before: boolean; after: boolean }): string {
  if (change.before === change.after) return f.t('catalogOps.model.unchanged', { name });
  return change.after ? f.t('catalogOps.model.done_available', { name }) : f.t('catalogOps.model.done_paused', { name });
}
