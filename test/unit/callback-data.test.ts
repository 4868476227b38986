import { describe, expect, it } from 'vitest';
import { cb, codec } from '../../src/telegram/callback-data.js';

type AnyCodec = {
  prefix: string;
  trigger: RegExp;
  pack(values: Record<string, unknown>): string;
  unpack(data: string): Record<string, unknown> | null;
  read(ctx: { callbackQuery?: object | undefined }): Record<string, unknown> | null;
};
const codecs = cb as unknown as Record<keyof typeof cb, AnyCodec>;

/**
 * One representative value set per codec, at the long end of what the bot really sends. A codec
 * added to `cb` without a sample here fails the first test below, so every codec is round-tripped.
 */
const samples: Partial<Record<keyof typeof cb, Record<string, unknown>>> = {
  menu: {},
  help: {},
  language: { locale: 'zh-CN' },
  models: {},
  model: { modelId: 'model-y' },
  configure: { modelId: 'model-3' },
  choose: { step: 'interior', optionId: 'my-wheels-20' },
  back: { to: 'summary' },
  orderStart: {},
  useName: {},
  changePick: {},
  change: { step: 'paint' },
  cityOther: {},
  waitlist: {},
  orderEdit: { field: 'phone' },
  orderConfirm: {},
  orderReview: {},
  preferWeek: { orderId: 42 },
  preferWeekPick: { orderId: 42, date: '2026-12-14' },
  rate: { orderId: 42, score: '5' },
  checkinHelp: { orderId: 42 },
  opsList: {},
  opsOrder: { orderId: 42 },
  opsAllocate: { orderId: 42 },
  opsReady: { orderId: 42 },
  opsDelivered: { orderId: 42 },
  opsDeliveredConfirm: { orderId: 2147483647 },
  opsInstalled: { installationId: 7 },
  opsRefund: { kind: 'store', paymentId: 12 },
  opsRefundConfirm: { kind: 'car', paymentId: 12 },
  city: { city: 'shanghai' },
  pay: { orderId: 42 },
  orders: {},
  orderDetail: { orderId: 1 },
  cancelOrder: { orderId: 2147483647 },
  cancelOrderConfirm: { orderId: 100001 },
  bookDelivery: { orderId: 7 },
  bookInstallation: { orderId: 8 },
  bookPick: { kind: 'installation' },
  deliveryMethod: { method: 'pickup' },
  centre: { centreId: 'sh-lingang' },
  parking: { parking: 'assigned' },
  permission: { answer: 'no' },
  days: {},
  day: { date: '2026-11-28' },
  slot: { slotId: 9999 },
  reschedule: { bookingId: 12 },
  cancelBooking: { bookingId: 13 },
  cancelBookingConfirm: { bookingId: 14 },
  // Support handoff
  supportTalk: {},
  supportEnd: {},
  supportContinue: {},
  supportRate: { conversationId: 4242, score: '5' },
  supportClaim: { conversationId: 4242 },
  supportClose: { conversationId: 4242 },
  // Store
  storeHome: {},
  storeCategory: { category: 'accessories', page: 2 },
  storeProduct: { productId: 'centre-console-organiser-xl-2026' },
  storeVariant: { variantId: 'a2345678901234567890123456789012' },
  storeAdd: { variantId: 'a2345678901234567890123456789012', have: 9999 },
  storeCart: {},
  storeCartQty: { variantId: 'a2345678901234567890123456789012', op: 'del', have: 0 },
  storeCheckout: {},
  storeAddress: { addressId: 2147483647 },
  storeNewAddress: {},
  storeShipping: { option: 'express' },
  storeOrder: { orderId: 2147483647 },
  storeInstall: { orderId: 2147483647 },
  bookCity: { city: 'a2345678901234567890123456789012' },
  opsStoreList: {},
  opsStoreOrder: { orderId: 2147483647 },
  opsStoreShip: { orderId: 2147483647 },
  opsStoreDelivered: { orderId: 2147483647 },
  opsStoreDeliveredConfirm: { orderId: 2147483647 },
  // Campaigns
  campaignLocale: { locale: 'zh-CN' },
  campaignNoButtons: {},
  campaignSecond: { answer: 'add' },
  campaignSegment: { field: 'next' },
  campaignToggle: { field: 'orders', value: 'awaiting-deposit' },
  campaignNow: {},
  campaignConfirm: {},
  campaignAbort: {},
  campaignControl: { action: 'refresh', campaignId: 2147483647 },
  campaignUnsubscribe: { campaignId: 2147483647 },
  campaignModel: { campaignId: 2147483647, button: 5 },
  campaignPreview: {},
  consent: { answer: 'yes' },
  settings: { what: 'open' },
  eraseData: { answer: 'yes' },
  reportMenu: {},
  reportKind: { kind: 'funnel' },
  reportRun: { kind: 'fulfilment', period: '30d' },
  reportCustom: { kind: 'campaigns' },
};

/** Every allowed value of every enum field, so each one is round-tripped. */
const enumValues: Partial<Record<keyof typeof cb, Record<string, string[]>>> = {
  language: { locale: ['zh-CN', 'en'] },
  choose: { step: ['trim', 'paint', 'wheels', 'interior'] },
  change: { step: ['trim', 'paint', 'wheels', 'interior'] },
  orderEdit: { field: ['name', 'phone', 'city'] },
  back: { to: ['models', 'model', 'trim', 'paint', 'wheels', 'interior', 'summary'] },
  bookPick: { kind: ['delivery', 'installation'] },
  deliveryMethod: { method: ['home', 'pickup'] },
  parking: { parking: ['garage', 'assigned', 'none'] },
  permission: { answer: ['yes', 'no'] },
  rate: { score: ['1', '2', '3', '4', '5'] },
  supportRate: { score: ['1', '2', '3', '4', '5'] },
  storeCategory: { category: ['charging', 'accessories', 'apparel'] },
  storeCartQty: { op: ['inc', 'dec', 'del'] },
  storeShipping: { option: ['standard', 'express'] },
  opsRefund: { kind: ['car', 'store'] },
  opsRefundConfirm: { kind: ['car', 'store'] },
  campaignLocale: { locale: ['zh-CN', 'en'] },
  campaignSecond: { answer: ['add', 'skip'] },
  campaignSegment: { field: ['lang', 'models', 'orders', 'cities', 'active', 'source', 'back', 'next'] },
  campaignToggle: { field: ['models', 'orders', 'cities'] },
  campaignControl: { action: ['pause', 'resume', 'cancel', 'refresh'] },
  consent: { answer: ['yes', 'no', 'lang', 'lang_en', 'lang_zh'] },
  eraseData: { answer: ['yes', 'no'] },
  settings: { what: ['open', 'news', 'lang', 'news_on', 'news_off', 'lang_en', 'lang_zh', 'report_on', 'report_off'] },
  reportKind: { kind: ['funnel', 'revenue', 'campaigns', 'support', 'fulfilment'] },
  reportRun: { kind: ['funnel', 'revenue', 'campaigns', 'support', 'fulfilment'], period: ['today', '7d', '30d'] },
  reportCustom: { kind: ['funnel', 'revenue', 'campaigns', 'support', 'fulfilment'] },
};

const names = Object.keys(samples) as Array<keyof typeof cb>;

describe('cb codecs', () => {
  it('has a sample for every codec and no two codecs share a prefix', () => {
    const missing = Object.keys(cb).filter((n) => !(n in samples));
    expect(missing, 'codecs without a sample in this test').toEqual([]);
    const prefixes = names.map((n) => codecs[n].prefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
  });

  it.each(names)('%s round-trips its sample', (name) => {
    const c = codecs[name];
    const data = c.pack(samples[name]!);
    expect(data.startsWith(c.prefix)).toBe(true);
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    expect(c.unpack(data)).toEqual(samples[name]);
    expect(c.trigger.test(data)).toBe(true);
  });

  it.each(Object.entries(enumValues))('%s round-trips every enum value', (name, fields) => {
    const c = codecs[name as keyof typeof cb];
    for (const [field, values] of Object.entries(fields)) {
      for (const value of values) {
        const v = { ...samples[name as keyof typeof cb], [field]: value };
        expect(c.unpack(c.pack(v))).toEqual(v);
      }
    }
  });

  it('packs to the short documented forms', () => {
    expect(cb.menu.pack({})).toBe('menu');
    expect(cb.orderDetail.pack({ orderId: 1 })).toBe('od:1');
    expect(cb.choose.pack({ step: 'wheels', optionId: 'my-wheels-20' })).toBe('pick:wheels:my-wheels-20');
    expect(cb.day.pack({ date: '2026-11-28' })).toBe('day:20261128');
    expect(cb.day.unpack('day:20261128')).toEqual({ date: '2026-11-28' });
  });

  it("each trigger matches only its own codec's data", () => {
    for (const a of names) {
      for (const b of names) {
        const data = codecs[b].pack(samples[b]!);
        expect(codecs[a].trigger.test(data), `${a}.trigger vs ${data}`).toBe(a === b);
      }
    }
  });

  it('a codec only unpacks its own data', () => {
    for (const a of names) {
      for (const b of names) {
        if (a === b) continue;
        expect(codecs[a].unpack(codecs[b].pack(samples[b]!)), `${a}.unpack(${b})`).toBeNull();
      }
    }
  });
});

describe('the 64-byte limit', () => {
  it('pack throws beyond 64 bytes and allows exactly 64', () => {
    const wide = codec('w', { a: { kind: 'id' }, b: { kind: 'id' } });
    // 'w:' + 31 + ':' + 30 = 64 bytes
    const at64 = { a: 'a'.repeat(31), b: 'b'.repeat(30) };
    expect(Buffer.byteLength(wide.pack(at64))).toBe(64);
    expect(() => wide.pack({ a: 'a'.repeat(31), b: 'b'.repeat(31) })).toThrow(/64 bytes/);
  });

  it('counts bytes, not characters', () => {
    const c = codec('x', { v: { kind: 'enum', values: ['一'.repeat(21)] } });
    // 'x:' + 21 three-byte characters = 65 bytes but only 23 characters
    expect(() => c.pack({ v: '一'.repeat(21) })).toThrow(/64 bytes/);
  });

  it('the longest real data fits: the longest id in both id fields', () => {
    const longestId = 'a'.repeat(32);
    for (const name of names) {
      const c = codecs[name];
      const v: Record<string, unknown> = { ...samples[name] };
      for (const [field, value] of Object.entries(v)) {
        if (typeof value === 'number') v[field] = 9_999_999_999;
        else if (!enumValues[name]?.[field] && field !== 'date') v[field] = longestId;
      }
      expect(() => c.pack(v), name).not.toThrow();
      expect(c.unpack(c.pack(v)), name).toEqual(v);
    }
  });
});

describe('unpack rejects forged data', () => {
  it.each([
    ['empty', ''],
    ['wrong prefix', 'ox:1'],
    ['prefix case', 'OD:1'],
    ['prefix only', 'od'],
    ['prefix with empty field', 'od:'],
    ['extra field', 'od:1:2'],
    ['negative id', 'od:-1'],
    ['exponent', 'od:1e3'],
    ['hex', 'od:0x10'],
    ['leading zero', 'od:01'],
    ['zero', 'od:0'],
    ['decimal', 'od:1.5'],
    ['spaces', 'od: 1'],
    ['trailing space', 'od:1 '],
    ['overlong int (11 digits)', 'od:12345678901'],
    ['letters', 'od:abc'],
    ['Infinity', 'od:Infinity'],
    ['NaN', 'od:NaN'],
    ['leading plus', 'od:+1'],
    ['injected prefix', 'od:od:1'],
  ])('orderDetail: %s (%j)', (_what, data) => {
    expect(cb.orderDetail.unpack(data)).toBeNull();
  });

  it.each([
    ['uppercase id', 'model:Model-Y'],
    ['id starting with a hyphen', 'model:-model-y'],
    ['id with a space', 'model:model y'],
    ['id with a slash', 'model:../etc'],
    ['id with SQL', "model:y'--"],
    ['overlong id (33 characters)', `model:${'a'.repeat(33)}`],
    ['empty id', 'model:'],
    ['id with non-ASCII', 'model:型号'],
  ])('model: %s (%j)', (_what, data) => {
    expect(cb.model.unpack(data)).toBeNull();
  });

  it('accepts an id of exactly 32 characters', () => {
    expect(cb.model.unpack(`model:${'a'.repeat(32)}`)).toEqual({ modelId: 'a'.repeat(32) });
  });

  it.each([
    ['unknown locale', 'lang:de'],
    ['locale in another case', 'lang:zh-cn'],
    ['prototype name', 'lang:constructor'],
    ['empty', 'lang:'],
    ['step outside the list', 'pick:engine:my-v8'],
    ['enum in the id position', 'pick:my-wheels-20:wheels'],
    ['back target outside the list', 'back:orders'],
    ['booking kind outside the list', 'bk:repair'],
    ['method outside the list', 'dm:drone'],
    ['parking outside the list', 'park:street'],
    ['permission outside the list', 'perm:maybe'],
  ])('enums: %s (%j)', (_what, data) => {
    const results = names.map((n) => codecs[n].unpack(data));
    expect(results.every((r) => r === null)).toBe(true);
  });

  it.each([
    ['7 digits', 'day:2026112'],
    ['9 digits', 'day:202611280'],
    ['dashes', 'day:2026-11-28'],
    ['letters', 'day:2026112a'],
  ])('day: %s (%j)', (_what, data) => {
    expect(cb.day.unpack(data)).toBeNull();
  });

  it('day: impossible calendar dates are refused, not passed on as 2026-13-99', () => {
    // "unpack validates every field, so handlers receive clean values or nothing"
    expect(cb.day.unpack('day:20261399')).toBeNull();
    expect(cb.day.unpack('day:20260230')).toBeNull();
    expect(cb.day.unpack('day:20260000')).toBeNull();
  });

  it('codecs without fields accept only the bare prefix', () => {
    expect(cb.menu.unpack('menu')).toEqual({});
    expect(cb.menu.unpack('menu:')).toBeNull();
    expect(cb.menu.unpack('menu:1')).toBeNull();
    expect(cb.menu.unpack('menus')).toBeNull();
  });

  it('two-field codecs need exactly two fields', () => {
    expect(cb.choose.unpack('pick:paint')).toBeNull();
    expect(cb.choose.unpack('pick:paint:my-paint-red:x')).toBeNull();
    expect(cb.choose.unpack('pick:paint:my-paint-red')).toEqual({ step: 'paint', optionId: 'my-paint-red' });
  });
});

describe('read(ctx)', () => {
  it('unpacks the data of a callback query', () => {
    expect(cb.orderDetail.read({ callbackQuery: { id: '1', data: 'od:42' } })).toEqual({ orderId: 42 });
    expect(cb.day.read({ callbackQuery: { data: 'day:20261128' } })).toEqual({ date: '2026-11-28' });
  });

  it('is null without a callback query, without data, with non-string or invalid data', () => {
    expect(cb.orderDetail.read({})).toBeNull();
    expect(cb.orderDetail.read({ callbackQuery: undefined })).toBeNull();
    expect(cb.orderDetail.read({ callbackQuery: { id: '1', game_short_name: 'race' } })).toBeNull();
    expect(cb.orderDetail.read({ callbackQuery: { data: 42 } })).toBeNull();
    expect(cb.orderDetail.read({ callbackQuery: { data: 'od:-1' } })).toBeNull();
    expect(cb.orderDetail.read({ callbackQuery: { data: 'oc:42' } })).toBeNull();
  });
});
