/**
 * The catalog without SQL on real Postgres (StockService): every change audited with who, before and
 * after; a delivery CSV with a bad line applies nothing; a price change leaves a placed order and its
 * invoice alone and pre-checkout refuses the stale price; a hidden variant cannot be bought; the
 * low-stock alert fires once per crossing and is re-armed by a restock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../src/deps.js';
import type { LowStockAlert } from '../../src/domain/stock/index.js';
import { StockError } from '../../src/domain/stock/index.js';
import { noStoreEvents } from '../../src/domain/store/events.js';
import { storePayload } from '../../src/domain/store/rules.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { configFor, newCustomer, rejectionOf } from './helpers.js';

let t: TestDb;
let s: Services;
const alerts: LowStockAlert[][] = [];

beforeAll(async () => {
  t = await createTestDb();
  s = createServices(t.db, configFor(t.url), { storeEvents: { ...noStoreEvents, lowStock: (a) => Promise.resolve(void alerts.push(a)) } });
});
afterAll(async () => {
  await t?.drop();
});

const audit = (entityId: string) =>
  t.sql<Array<{ actor: string; entity: string; field: string; before: unknown; after: unknown; note: string | null }>>`
    select actor, entity, field, before, after, note from catalog_audit where entity_id = ${entityId} order by id`;
const variantRow = async (id: string) =>
  (
    await t.sql<[{ stock: number; held: number; price_fen: number; hidden: boolean; low_stock_alerted_at: string | null }]>`
    select stock, held, price_fen, hidden, low_stock_alerted_at::text from store_variants where id = ${id}`
  )[0];

/** A customer buys `qty` of a variant: checkout, pre-checkout (the hold) and the payment. */
async function buy(variantId: string, qty = 1, charge = `c-${variantId}-${Math.random().toString(36).slice(2)}`) {
  const customer = await newCustomer(s);
  await s.store.add(customer.id, variantId, qty);
  const { order } = await s.storeCheckout.place(customer.id);
  const facts = {
    payload: storePayload(order.id),
    currency: 'CNY',
    totalAmount: order.goodsFen + (order.goodsFen >= 50_000 ? 0 : 1_500),
    payerTelegramId: customer.telegramId,
    shippingOptionId: 'standard',
    orderInfo: {
      name: 'Li Na',
      phone_number: '13900000000',
      shipping_address: { country_code: 'CN', state: 'Shanghai', city: 'Shanghai', street_line1: '1 Road', street_line2: '', post_code: '200000' },
    },
  };
  const pre = await s.storeCheckout.preCheckout(facts);
  if (!pre.ok) return { pre, order };
  return { pre, order, paid: await s.storeCheckout.recordPayment({ ...facts, telegramChargeId: charge, providerChargeId: 'p' }) };
}

describe('changes and their audit', () => {
  it('restock, set stock, price, threshold, hide: each with who, before and after', async () => {
    expect(await s.stock.restock('inflator', 5, 'staff:42')).toEqual({ before: 9, after: 14 });
    expect(await s.stock.setStock('inflator', 20, 'cli:li')).toEqual({ before: 14, after: 20 });
    expect(await s.stock.setPrice('inflator', 399_00, 'staff:42')).toEqual({ before: 450_00, after: 399_00 });
    expect(await s.stock.setThreshold('inflator', 4, 'staff:42')).toEqual({ before: 0, after: 4 });
    expect(await s.stock.setHidden('variant', 'inflator', true, 'staff:42')).toEqual({ before: false, after: true });
    expect(await s.stock.setHidden('variant', 'inflator', false, 'staff:42')).toEqual({ before: true, after: false });
    expect(await audit('inflator')).toEqual([
      { actor: 'staff:42', entity: 'variant', field: 'stock', before: 9, after: 14, note: 'restock +5' },
      { actor: 'cli:li', entity: 'variant', field: 'stock', before: 14, after: 20, note: 'set' },
      { actor: 'staff:42', entity: 'variant', field: 'price', before: 450_00, after: 399_00, note: null },
      { actor: 'staff:42', entity: 'variant', field: 'threshold', before: 0, after: 4, note: null },
      { actor: 'staff:42', entity: 'variant', field: 'hidden', before: false, after: true, note: null },
      { actor: 'staff:42', entity: 'variant', field: 'hidden', before: true, after: false, note: null },
    ]);
    expect(await variantRow('inflator')).toMatchObject({ stock: 20, price_fen: 399_00, hidden: false });
  });

  it('refuses what cannot be: unknown ids, bad numbers, stock below the held units, a restock on a stale screen', async () => {
    const code = async (p: Promise<unknown>) => ((await rejectionOf(p)) as StockError).code;
    expect(await code(s.stock.restock('nope', 1, 'staff:1'))).toBe('unknown_variant');
    expect(await code(s.stock.restock('screen', 0, 'staff:1'))).toBe('bad_quantity');
    expect(await code(s.stock.setPrice('screen', 0, 'staff:1'))).toBe('bad_price');
    expect(await code(s.stock.setHidden('product', 'nope', true, 'staff:1'))).toBe('unknown_product');
    expect(await code(s.stock.setModelAvailable('model-q', false, 'staff:1'))).toBe('unknown_model');
    // Two units held by an invoice being paid: the stock cannot be set below them.
    const customer = await newCustomer(s);
    await s.store.add(customer.id, 'tray-m3', 2);
    const { order } = await s.storeCheckout.place(customer.id);
    const pre = await s.storeCheckout.preCheckout({
      payload: storePayload(order.id),
      currency: 'CNY',
      totalAmount: order.goodsFen + 1_500,
      payerTelegramId: customer.telegramId,
      shippingOptionId: 'standard',
      orderInfo: { name: 'L', phone_number: '1', shipping_address: { country_code: 'CN', state: 'SH', city: 'SH', street_line1: '1', street_line2: '', post_code: '200000' } },
    });
    expect(pre.ok).toBe(true);
    const err = (await rejectionOf(s.stock.setStock('tray-m3', 1, 'staff:1'))) as StockError;
    expect([err.code, err.details.held]).toEqual(['below_held', 2]);
    expect((await variantRow('tray-m3')).stock).toBe(12);
    // The screen showed 12; a second press of "+5" that still says 12 adds nothing.
    await s.stock.restock('tray-m3', 5, 'staff:1', { expected: 12 });
    const stale = (await rejectionOf(s.stock.restock('tray-m3', 5, 'staff:1', { expected: 12 }))) as StockError;
    expect([stale.code, stale.details.stock]).toEqual(['stock_changed', 17]);
    expect((await audit('tray-m3')).filter((r) => r.field === 'stock')).toHaveLength(1);
  });

  it('pauses and resumes a car model, audited', async () => {
    expect(await s.stock.setModelAvailable('model-3', false, 'staff:7')).toEqual({ before: true, after: false });
    expect((await s.catalog.model('model-3'))!.model.available).toBe(false);
    expect(await s.stock.setModelAvailable('model-3', true, 'staff:7')).toEqual({ before: false, after: true });
    expect(await audit('model-3')).toEqual([
      { actor: 'staff:7', entity: 'model', field: 'available', before: true, after: false, note: null },
      { actor: 'staff:7', entity: 'model', field: 'available', before: false, after: true, note: null },
    ]);
  });
});

describe('a delivery from a CSV', () => {
  it('a bad line applies nothing and every line is reported; fixed, all lines apply in one go', async () => {
    const before = { cap: (await variantRow('cap-blk')).stock, mats: (await variantRow('mats-my')).stock };
    const bad = await s.stock.importDelivery(
      [
        { line: 2, variantId: 'cap-blk', qty: '10' },
        { line: 3, variantId: 'mats-my', qty: 'ten' },
        { line: 4, variantId: 'no-such', qty: '1' },
        { line: 5, variantId: 'mats-my', qty: '4' },
      ],
      'cli:li',
      'csv delivery.csv',
    );
    expect(bad.applied).toBe(false);
    expect(bad.results.map((r) => [r.line, r.status, r.error?.code])).toEqual([
      [2, 'valid', undefined],
      [3, 'error', 'bad_quantity'],
      [4, 'error', 'unknown_variant'],
      [5, 'valid', undefined],
    ]);
    expect((await variantRow('cap-blk')).stock).toBe(before.cap);
    expect((await variantRow('mats-my')).stock).toBe(before.mats);
    expect(await audit('cap-blk')).toHaveLength(0);

    const good = await s.stock.importDelivery(
      [
        { line: 2, variantId: 'cap-blk', qty: '10' },
        { line: 3, variantId: 'mats-my', qty: '4' },
      ],
      'cli:li',
      'csv delivery.csv',
    );
    expect(good.applied).toBe(true);
    expect(good.results.map((r) => [r.line, r.status, r.before, r.after])).toEqual([
      [2, 'restocked', before.cap, before.cap + 10],
      [3, 'restocked', before.mats, before.mats + 4],
    ]);
    expect(await audit('mats-my')).toEqual([
      { actor: 'cli:li', entity: 'variant', field: 'stock', before: before.mats, after: before.mats + 4, note: 'csv delivery.csv line 3: +4' },
    ]);
  });
});

describe('a price change and what was already sold or invoiced', () => {
  it('the placed order and its invoice keep the old price; pre-checkout refuses it; a new checkout has the new price', async () => {
    const customer = await newCustomer(s);
    await s.store.add(customer.id, 'shade-my');
    const { order } = await s.storeCheckout.place(customer.id);
    expect(order.goodsFen).toBe(650_00);
    await s.stock.setPrice('shade-my', 700_00, 'staff:42');
    const lines = await t.sql<[{ unit_price_fen: number }]>`select unit_price_fen from store_order_lines where order_id = ${order.id}`;
    expect(lines[0].unit_price_fen).toBe(650_00);
    expect((await s.storeCheckout.byId(order.id))!.goodsFen).toBe(650_00);
    const facts = {
      payload: storePayload(order.id),
      currency: 'CNY',
      totalAmount: 650_00, // free shipping from ¥500
      payerTelegramId: customer.telegramId,
      shippingOptionId: 'standard',
      orderInfo: { name: 'L', phone_number: '1', shipping_address: { country_code: 'CN', state: 'SH', city: 'SH', street_line1: '1', street_line2: '', post_code: '200000' } },
    };
    expect(await s.storeCheckout.preCheckout(facts)).toEqual({ ok: false, reason: 'price_changed' });
    expect((await variantRow('shade-my')).held).toBe(0);
    // Checking out again makes a new invoice at the new price.
    const again = await s.storeCheckout.place(customer.id);
    expect(again.order.goodsFen).toBe(700_00);
  });
});

describe('hidden products and variants', () => {
  it('are not listed or sold; an invoice out there is refused at pre-checkout', async () => {
    const customer = await newCustomer(s);
    await s.store.add(customer.id, 'flaps-m3');
    const { order } = await s.storeCheckout.place(customer.id);
    await s.stock.setHidden('product', 'mud-flaps', true, 'staff:42');
    expect(await s.store.product('mud-flaps')).toBeNull();
    expect((await s.store.page('accessories', 1)).items.map((i) => i.product.id)).not.toContain('mud-flaps');
    expect((await s.store.cart(customer.id)).lines[0]!.problem).toBe('sold_out');
    expect(((await rejectionOf(s.store.add(customer.id, 'flaps-m3'))) as { code: string }).code).toBe('sold_out');
    const pre = await s.storeCheckout.preCheckout({
      payload: storePayload(order.id),
      currency: 'CNY',
      totalAmount: order.goodsFen, // free shipping from ¥500
      payerTelegramId: customer.telegramId,
      shippingOptionId: 'standard',
      orderInfo: { name: 'L', phone_number: '1', shipping_address: { country_code: 'CN', state: 'SH', city: 'SH', street_line1: '1', street_line2: '', post_code: '200000' } },
    });
    expect(pre).toEqual({ ok: false, reason: 'sold_out' });
    await s.stock.setHidden('product', 'mud-flaps', false, 'staff:42');
    expect((await s.store.product('mud-flaps'))!.variants.map((v) => v.id)).toEqual(['flaps-m3']);
    // One variant of two hidden: the product stays, without it.
    await s.stock.setHidden('variant', 'tee-blk-s', true, 'staff:42');
    expect((await s.store.product('tee'))!.variants.map((v) => v.id)).not.toContain('tee-blk-s');
  });
});

describe('the low-stock alert', () => {
  it('fires once when a sale takes the stock below the threshold, not on the next sales; a restock re-arms it', async () => {
    await s.stock.setThreshold('jkt-blk-m', 3, 'staff:42');
    alerts.length = 0;
    // 4 → 3: not below 3.
    await buy('jkt-blk-m');
    expect(alerts).toHaveLength(0);
    // 3 → 2: below, told once.
    const { paid } = await buy('jkt-blk-m');
    expect(paid?.status).toBe('recorded');
    expect(alerts.flat().map((a) => [a.variantId, a.stock, a.threshold])).toEqual([['jkt-blk-m', 2, 3]]);
    expect((await variantRow('jkt-blk-m')).low_stock_alerted_at).not.toBeNull();
    // 2 → 1: still low, nobody told again.
    await buy('jkt-blk-m');
    expect(alerts).toHaveLength(1);
    // Restocked to 1 + 2 = 3 (at the threshold): re-armed; the next sale below tells ops again.
    await s.stock.restock('jkt-blk-m', 2, 'staff:42');
    expect((await variantRow('jkt-blk-m')).low_stock_alerted_at).toBeNull();
    await buy('jkt-blk-m');
    expect(alerts.flat().map((a) => [a.variantId, a.stock])).toEqual([
      ['jkt-blk-m', 2],
      ['jkt-blk-m', 2],
    ]);
  });

  it('a restock that stays below the threshold does not re-arm it', async () => {
    await s.stock.setStock('jkt-gry-l', 3, 'staff:42');
    await s.stock.setThreshold('jkt-gry-l', 5, 'staff:42');
    alerts.length = 0;
    await buy('jkt-gry-l');
    expect(alerts.flat().map((a) => a.variantId)).toEqual(['jkt-gry-l']);
    await s.stock.restock('jkt-gry-l', 1, 'staff:42');
    await buy('jkt-gry-l');
    expect(alerts).toHaveLength(1);
  });
});
