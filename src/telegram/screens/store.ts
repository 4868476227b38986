import type { LocalizedText, StoreAddress, StoreCategory, VariantAttributes } from '../../db/schema/index.js';
import { modelName } from '../../domain/store/checkout.js';
import { FREE_SHIPPING_FROM_FEN, LOW_STOCK, shippingFen } from '../../domain/store/rules.js';
import type { Cart, ProductView, VariantView } from '../../domain/store/service.js';
import { escapeHtml } from '../../i18n.js';
import { cb } from '../callback-data.js';
import type { Fmt } from '../format.js';
import type { Screen } from '../screen.js';
import { button, menuButton } from './common.js';

/** The store's screens: pure (Fmt, rows) → Screen. */

const cartButton = (f: Fmt, count: number) => button(f.t('store.cart_button', { count }), cb.storeCart.pack({}));

export function storeHome(f: Fmt, categories: Array<{ category: StoreCategory; products: number }>, cartCount: number): Screen {
  return {
    text: f.t('store.home', { free: f.money(FREE_SHIPPING_FROM_FEN) }),
    keyboard: [
      ...categories.map((c) => [
        button(f.t('store.category_button', { name: f.t(`store.category.${c.category}`), count: c.products }), cb.storeCategory.pack({ category: c.category, page: 1 })),
      ]),
      [cartButton(f, cartCount)],
      [menuButton(f)],
    ],
  };
}

export function productList(f: Fmt, category: StoreCategory, page: { items: ProductView[]; page: number; pages: number }, cartCount: number): Screen {
  const nav = [];
  if (page.page > 1) nav.push(button(f.t('store.prev'), cb.storeCategory.pack({ category, page: page.page - 1 })));
  if (page.page < page.pages) nav.push(button(f.t('store.next'), cb.storeCategory.pack({ category, page: page.page + 1 })));
  return {
    text: f.t('store.list_title', { category: f.t(`store.category.${category}`), page: page.page, pages: page.pages }),
    keyboard: [
      ...page.items.map((p) => [button(productLabel(f, p), cb.storeProduct.pack({ productId: p.product.id }))]),
      ...(nav.length ? [nav] : []),
      [button(f.t('store.back_to_store'), cb.storeHome.pack({})), cartButton(f, cartCount)],
    ],
  };
}

function productLabel(f: Fmt, p: ProductView): string {
  const name = f.plain(p.product.name);
  const forSale = p.variants.filter((v) => v.available > 0);
  if (forSale.length === 0) return f.t('store.product_button_sold_out', { name });
  const prices = forSale.map((v) => v.priceFen);
  const min = Math.min(...prices);
  return f.t(min === Math.max(...prices) ? 'store.product_button' : 'store.product_button_from', { name, price: f.money(min) });
}

type Dim = 'label' | 'model' | 'colour' | 'size';
const DIMS: Dim[] = ['label', 'model', 'colour', 'size'];

const dimKey = (a: VariantAttributes, d: Dim): string | undefined => {
  const v = a[d];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v.en;
};
const dimText = (f: Fmt, a: VariantAttributes, d: Dim): string | undefined => {
  const v = a[d];
  if (v === undefined) return undefined;
  if (d === 'model') return modelName(v as string);
  return typeof v === 'string' ? v : f.plain(v);
};

/** "Black · M" (button text, unescaped). */
export const variantText = (f: Fmt, a: VariantAttributes): string =>
  DIMS.map((d) => dimText(f, a, d))
    .filter(Boolean)
    .join(' · ');

/**
 * The variant a press on `value` of `dim` leads to: the one that keeps the other choices, else
 * the closest one (most other choices kept, in stock first).
 */
function pick(variants: VariantView[], selected: VariantView, dim: Dim, value: string): VariantView {
  const candidates = variants.filter((v) => dimKey(v.attributes, dim) === value);
  const score = (v: VariantView) => DIMS.filter((d) => d !== dim && dimKey(v.attributes, d) === dimKey(selected.attributes, d)).length * 2 + (v.available > 0 ? 1 : 0);
  return candidates.sort((a, b) => score(b) - score(a))[0]!;
}

/** The variant a product card opens on: one for the customer's car, else the first in stock. */
export function defaultVariant(p: ProductView, customerModels: string[]): VariantView {
  return p.variants.find((v) => v.attributes.model && customerModels.includes(v.attributes.model) && v.available > 0) ?? p.variants.find((v) => v.available > 0) ?? p.variants[0]!;
}

function stockText(f: Fmt, v: VariantView): string {
  if (v.available === 0) return f.t('store.sold_out');
  if (v.available <= LOW_STOCK) return f.t('store.only_left', { count: v.available });
  return f.t('store.in_stock');
}

export function productCard(f: Fmt, p: ProductView, selected: VariantView, opts: { customerModels: string[]; inCart: number; cartCount: number; page: number }): Screen {
  const fitsYours = p.product.fitsModels.find((m) => opts.customerModels.includes(m) && (!selected.attributes.model || selected.attributes.model === m));
  const fits = p.product.fitsModels.length
    ? fitsYours
      ? f.t('store.fits_yours', { model: modelName(fitsYours) })
      : f.t('store.fits', { models: p.product.fitsModels.map(modelName).join(', ') })
    : '';
  const label = variantText(f, selected.attributes);
  const text =
    f.t('store.card', {
      name: f.text(p.product.name),
      description: f.text(p.product.description),
      variant: p.variants.length > 1 && label ? f.t('store.card_variant', { variant: escapeHtml(label) }) : '',
      price: f.money(selected.priceFen),
      stock: stockText(f, selected),
    }) +
    fits +
    (opts.inCart ? f.t('store.in_cart', { count: opts.inCart }) : '');
  const pickers = DIMS.flatMap((dim) => {
    const values = [...new Set(p.variants.map((v) => dimKey(v.attributes, dim)).filter((v): v is string => v !== undefined))];
    if (values.length < 2) return [];
    const row = values.map((value) => {
      const target = pick(p.variants, selected, dim, value);
      const isSelected = dimKey(selected.attributes, dim) === value;
      const allGone = p.variants.filter((v) => dimKey(v.attributes, dim) === value).every((v) => v.available === 0);
      const text = `${isSelected ? '✓ ' : ''}${dimText(f, target.attributes, dim)}${allGone ? ' ✕' : ''}`;
      return button(text, cb.storeVariant.pack({ variantId: target.id }));
    });
    // Long value lists (sizes) wrap at four to a row.
    const rows = [];
    for (let i = 0; i < row.length; i += 4) rows.push(row.slice(i, i + 4));
    return rows;
  });
  return {
    photo: p.product.photoUrl,
    text,
    keyboard: [
      ...pickers,
      [
        selected.available > 0
          ? button(f.t('store.add', { price: f.money(selected.priceFen) }), cb.storeAdd.pack({ variantId: selected.id, have: opts.inCart }))
          : button(f.t('store.sold_out_button'), cb.storeVariant.pack({ variantId: selected.id })),
      ],
      [button(f.t('store.back_to_list'), cb.storeCategory.pack({ category: p.product.category, page: opts.page })), cartButton(f, opts.cartCount)],
    ],
  };
}

/** "Tesla T-shirt · Black · M" for cart lines (HTML-escaped). */
export const lineName = (f: Fmt, product: { name: LocalizedText }, a: VariantAttributes): string => {
  const v = variantText(f, a);
  return escapeHtml(v ? `${f.plain(product.name)} · ${v}` : f.plain(product.name));
};

export function cartScreen(f: Fmt, cart: Cart): Screen {
  if (cart.lines.length === 0) {
    return { text: `${f.t('store.cart_title')}\n\n${f.t('store.cart_empty')}`, keyboard: [[button(f.t('store.continue'), cb.storeHome.pack({}))], [menuButton(f)]] };
  }
  const lines = cart.lines.map((l) => {
    const name = lineName(f, l.product, l.variant.attributes);
    if (l.problem === 'sold_out') return f.t('store.cart_line_sold_out', { name, qty: l.qty });
    if (l.problem === 'not_enough') return f.t('store.cart_line_not_enough', { name, qty: l.qty, available: l.variant.available });
    return f.t('store.cart_line', { name, qty: l.qty, total: f.money(l.lineFen) });
  });
  return {
    text: [f.t('store.cart_title'), lines.join('\n'), f.t('store.cart_total', { total: f.money(cart.goodsFen) }), f.t('store.cart_kept')].join('\n\n'),
    keyboard: [
      ...cart.lines.map((l) => [
        button('➖', cb.storeCartQty.pack({ variantId: l.variant.id, op: 'dec', have: l.qty })),
        button(`${l.qty} × ${variantText(f, l.variant.attributes) || f.plain(l.product.name)}`, cb.storeProduct.pack({ productId: l.product.id })),
        button('➕', cb.storeCartQty.pack({ variantId: l.variant.id, op: 'inc', have: l.qty })),
        button(f.t('store.remove'), cb.storeCartQty.pack({ variantId: l.variant.id, op: 'del', have: l.qty })),
      ]),
      [button(f.t('store.checkout', { total: f.money(cart.goodsFen) }), cb.storeCheckout.pack({}))],
      [button(f.t('store.continue'), cb.storeHome.pack({})), menuButton(f)],
    ],
  };
}

export function addressScreen(f: Fmt, goodsFen: number, addresses: StoreAddress[]): Screen {
  const short = (s: string) => (s.length > 28 ? `${s.slice(0, 27)}…` : s);
  return {
    text: f.t('store.address_title', { total: f.money(goodsFen) }),
    keyboard: [
      ...addresses.map((a) => [button(f.t('store.address_button', { recipient: a.recipient, address: short(a.address) }), cb.storeAddress.pack({ addressId: a.id }))]),
      [button(f.t('store.new_address'), cb.storeNewAddress.pack({}))],
      [button(f.t('store.back_to_cart'), cb.storeCart.pack({}))],
    ],
  };
}

export function shippingScreen(f: Fmt, goodsFen: number, address: StoreAddress): Screen {
  const fee = (fen: number) => (fen === 0 ? f.t('store.free') : f.money(fen));
  return {
    text: f.t('store.shipping_title', { recipient: escapeHtml(address.recipient), address: escapeHtml(address.address), total: f.money(goodsFen) }),
    keyboard: [
      ...(['standard', 'express'] as const).map((o) => [
        button(f.t('store.shipping_button', { name: f.t(`store.shipping.${o}`), price: fee(shippingFen(o, goodsFen)) }), cb.storeShipping.pack({ option: o })),
      ]),
      [button(f.t('store.back_to_cart'), cb.storeCart.pack({}))],
    ],
  };
}
