import { describe, expect, it } from 'vitest';
import { cb } from '../../src/telegram/callback-data.js';
import { parseArgs } from '../../src/ops/cli.js';
import { createI18n } from '../../src/i18n.js';
import { formatAddress, modelName } from '../../src/domain/store/checkout.js';
import { parseStorePayload, paymentLimitProblem, shippingFen, storePayload } from '../../src/domain/store/rules.js';
import { CNY_MAX_FEN } from '../../src/shared/money.js';

describe('store rules', () => {
  it('JD standard is free from ¥500 of goods, ¥15 below; next-day is ¥30', () => {
    expect(shippingFen('standard', 49_999)).toBe(1_500);
    expect(shippingFen('standard', 50_000)).toBe(0);
    expect(shippingFen('express', 50_000)).toBe(3_000);
  });

  it('refuses carts whose invoice could exceed Telegram’s CNY maximum even with the dearest shipping', () => {
    expect(paymentLimitProblem(CNY_MAX_FEN - 3_000)).toBeNull();
    expect(paymentLimitProblem(CNY_MAX_FEN - 2_999)).toBe('over_limit');
    expect(paymentLimitProblem(500)).toBe('under_limit');
  });

  it('invoice payloads round-trip and reject anything else', () => {
    expect(parseStorePayload(storePayload(42))).toBe(42);
    for (const bad of ['deposit:42', 'store:', 'store:abc', 'store:1;drop', 'store:12345678901']) expect(parseStorePayload(bad)).toBeNull();
  });

  it('formats a Telegram shipping address on one line; model ids read as names', () => {
    expect(formatAddress({ country_code: 'CN', state: 'Shanghai', city: 'Shanghai', street_line1: '88 Century Ave', street_line2: '', post_code: '200120' })).toBe(
      '88 Century Ave, Shanghai, Shanghai 200120',
    );
    expect(modelName('model-y')).toBe('Model Y');
  });
});

describe('store callback data', () => {
  it('packs the longest ids within 64 bytes and validates on the way in', () => {
    const longest = 'a'.repeat(32);
    expect(cb.storeCartQty.unpack(cb.storeCartQty.pack({ variantId: longest, op: 'dec', have: 20 }))).toEqual({ variantId: longest, op: 'dec', have: 20 });
    expect(cb.storeCategory.unpack('shc:apparel:2')).toEqual({ category: 'apparel', page: 2 });
    expect(cb.storeCategory.unpack('shc:weapons:1')).toBeNull();
    expect(cb.storeCategory.unpack('shc:apparel:0')).toBeNull();
    expect(cb.storeVariant.unpack('shv:../etc')).toBeNull();
    expect(cb.storeOrder.unpack('sho:-1')).toBeNull();
    // The quantity the customer saw may be 0 (nothing in the cart yet), never negative or padded.
    expect(cb.storeAdd.unpack('sha:wall-connector:0')).toEqual({ variantId: 'wall-connector', have: 0 });
    expect(cb.storeAdd.unpack('sha:wall-connector:-1')).toBeNull();
    expect(cb.storeAdd.unpack('sha:wall-connector:01')).toBeNull();
    expect(cb.storeAdd.unpack('sha:wall-connector')).toBeNull();
  });

  it('store prefixes are not claimed by any other codec', () => {
    const prefixes = Object.values(cb).map((c) => c.prefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
  });
});

describe('ops CLI: shipped', () => {
  const i18n = createI18n('en');
  const parse = (argv: string[]) => parseArgs(argv, (lang) => i18n.t(lang));
  it('takes --carrier and --tracking (with = or a space) and needs both', () => {
    expect(parse(['shipped', 'S10001', '--carrier', 'JD', '--tracking=JDV123456']).args).toEqual(['S10001', 'JD', 'JDV123456']);
    expect(parse(['shipped', 'S10001', '--carrier', 'JD']).problem).toContain('--tracking');
    expect(parse(['shipped', 'S10001', '--carrier']).problem).toContain('--carrier');
    expect(parse(['delivered', 'S10001']).command).toBe('delivered');
  });
});
