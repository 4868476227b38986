import { describe, expect, it } from 'vitest';
import { cb } from '../../src/telegram/callback-data.js';
import { createFmt } from '../../src/telegram/format.js';
import { checkinHelp, checkinThanks, reminderScreen } from '../../src/telegram/screens/reminders.js';
import type { Customer, Order } from '../../src/db/schema/index.js';
import type { Locale } from '../../src/domain/customers/service.js';
import { skipReason } from '../../src/domain/reminders/relevance.js';
import type { BookingView, ReminderContext } from '../../src/domain/reminders/repository.js';
import type { Reminder } from '../../src/domain/reminders/types.js';
import { createI18n } from '../../src/i18n.js';
import type { Screen } from '../../src/telegram/screen.js';

const TZ = 'Asia/Shanghai';
const sh = (local: string) => new Date(`${local}+08:00`);
const i18n = createI18n('zh-CN');
const fmt = (locale: Locale) => createFmt(locale, i18n.t(locale), TZ);

const order = (over: Partial<Order> = {}): Order => ({
  id: 17,
  number: 'TJ100017',
  customerId: 1,
  modelId: 'model-y',
  snapshot: {
    modelId: 'model-y',
    modelName: 'Model Y',
    trim: { id: 'my-rwd', name: { 'zh-CN': '后轮驱动版', en: 'RWD' }, priceFen: 26_350_000 },
    options: [],
  },
  totalFen: 26_350_000,
  depositFen: 100_000,
  currency: 'CNY',
  state: 'awaiting_deposit',
  contactName: 'Zhang Wei',
  phone: '13800138000',
  city: 'shanghai',
  vin: null,
  expectedDeliveryWeek: null,
  deliveredAt: null,
  requestKey: null,
  refundPolicy: 'until_vin',
  termsAcceptedAt: null,
  preferredDeliveryWeek: null,
  createdAt: sh('2026-03-10T10:00:00'),
  updatedAt: sh('2026-03-10T10:00:00'),
  ...over,
});

const customer = (over: Partial<Customer> = {}): Customer => ({ id: 1, telegramId: 5551, firstName: 'Wei', language: 'zh-CN', blocked: false, ...over }) as Customer;

const booking = (over: Partial<BookingView> = {}): BookingView => ({
  id: 70,
  orderId: 17,
  storeOrderId: null,
  kind: 'delivery',
  method: 'pickup',
  slotId: 9,
  address: null,
  parking: null,
  permission: null,
  state: 'active',
  createdAt: sh('2026-03-10T10:00:00'),
  updatedAt: sh('2026-03-10T10:00:00'),
  slot: { id: 9, kind: 'delivery', centreId: 'sh-1', startsAt: sh('2026-03-14T10:00:00'), endsAt: sh('2026-03-14T12:00:00'), capacity: 4, booked: 1 },
  centre: {
    id: 'sh-1',
    city: 'shanghai',
    cityName: { 'zh-CN': '上海', en: 'Shanghai' },
    name: { 'zh-CN': '特斯拉上海交付中心', en: 'Tesla Shanghai Delivery Centre' },
    address: { 'zh-CN': '上海市浦东新区申江路 1 号', en: '1 Shenjiang Road, Pudong, Shanghai' },
    sort: 0,
  },
  ...over,
});

const ctx = (over: Partial<ReminderContext> = {}): ReminderContext => ({
  order: order(),
  customer: customer(),
  booking: null,
  installation: null,
  hasInstallation: false,
  rated: false,
  ...over,
});

const callbackData = (s: Screen) => (s.keyboard ?? []).flat().map((b) => ('callback_data' in b ? b.callback_data : undefined));
const NOW = sh('2026-03-12T12:00:00');

describe('is the reason still there when the job fires?', () => {
  const deposit: Reminder = { kind: 'deposit', orderId: 17, step: 't30m', expiresAt: 0 };
  const deliveryReminder: Reminder = { kind: 'delivery', bookingId: 70, step: 't24h' };

  it('a deposit reminder only while the deposit is unpaid', () => {
    expect(skipReason(deposit, ctx(), NOW)).toBeNull();
    expect(skipReason(deposit, ctx({ order: order({ state: 'deposit_paid' }) }), NOW)).toBe('order_paid_or_closed');
    expect(skipReason(deposit, ctx({ order: order({ state: 'cancelled' }) }), NOW)).toBe('order_paid_or_closed');
    expect(skipReason(deposit, null, NOW)).toBe('gone');
  });

  it('nothing is sent to a customer who blocked the bot, but the order still expires', () => {
    const blocked = ctx({ customer: customer({ blocked: true }) });
    expect(skipReason(deposit, blocked, NOW)).toBe('blocked');
    expect(skipReason({ kind: 'expire-order', orderId: 17 }, blocked, NOW)).toBeNull();
    expect(skipReason({ kind: 'expire-order', orderId: 17 }, ctx({ order: order({ state: 'deposit_paid' }) }), NOW)).toBe('order_paid_or_closed');
  });

  it('a delivery reminder only for a live booking of an order not yet delivered, before the slot', () => {
    const live = ctx({ order: order({ state: 'delivery_scheduled' }), booking: booking() });
    expect(skipReason(deliveryReminder, live, NOW)).toBeNull();
    expect(skipReason(deliveryReminder, { ...live, booking: booking({ state: 'cancelled' }) }, NOW)).toBe('booking_cancelled');
    expect(skipReason(deliveryReminder, { ...live, order: order({ state: 'refund_requested' }) }, NOW)).toBe('order_moved_on');
    expect(skipReason(deliveryReminder, { ...live, order: order({ state: 'delivered' }) }, NOW)).toBe('order_moved_on');
    expect(skipReason(deliveryReminder, live, sh('2026-03-14T10:00:00'))).toBe('slot_passed');
  });

  it('an installation reminder only while the installation is scheduled', () => {
    const r: Reminder = { kind: 'installation', bookingId: 70 };
    const inst = {
      id: 3,
      orderId: 17,
      storeOrderId: null,
      state: 'scheduled' as const,
      address: 'Room 1',
      parking: 'garage' as const,
      installedAt: null,
      createdAt: NOW,
      updatedAt: NOW,
    };
    const live = ctx({ order: order({ state: 'delivered' }), booking: booking({ kind: 'installation' }), installation: inst });
    expect(skipReason(r, live, NOW)).toBeNull();
    expect(skipReason(r, { ...live, installation: null }, NOW)).toBe('installation_not_scheduled');
  });

  it('the check-in only for a delivered order not yet rated; notices only while still true', () => {
    const delivered = ctx({ order: order({ state: 'delivered' }) });
    expect(skipReason({ kind: 'checkin', orderId: 17 }, delivered, NOW)).toBeNull();
    expect(skipReason({ kind: 'checkin', orderId: 17 }, { ...delivered, rated: true }, NOW)).toBe('already_rated');
    const allocated: Reminder = { kind: 'notify-order', orderId: 17, state: 'vehicle_allocated' };
    expect(skipReason(allocated, ctx({ order: order({ state: 'ready_for_delivery' }) }), NOW)).toBeNull();
    expect(skipReason(allocated, ctx({ order: order({ state: 'refund_requested' }) }), NOW)).toBe('state_changed');
  });
});

describe('messages in both languages', () => {
  it('deposit reminder: amount, expiry time in Shanghai time, a Pay button for this order', () => {
    const r: Reminder = { kind: 'deposit', orderId: 17, step: 't30m', expiresAt: sh('2026-03-13T10:00:00').getTime() };
    const zh = reminderScreen(fmt('zh-CN'), r, ctx());
    expect(zh.text).toContain('TJ100017');
    expect(zh.text).toContain('¥1,000');
    expect(zh.text).toContain('10:00');
    expect(zh.text).toMatch(/订金/);
    const en = reminderScreen(fmt('en'), r, ctx());
    expect(en.text).toMatch(/deposit/);
    expect(en.text).toContain('13 Mar');
    expect(callbackData(en)).toContain(cb.pay.pack({ orderId: 17 }));
  });

  it('delivery reminder: where, when and what to bring, and the balance settled before', () => {
    const r: Reminder = { kind: 'delivery', bookingId: 70, step: 't2h' };
    const c = ctx({ order: order({ state: 'delivery_scheduled' }), booking: booking() });
    const en = reminderScreen(fmt('en'), r, c).text;
    expect(en).toContain('Tesla Shanghai Delivery Centre');
    expect(en).toContain('1 Shenjiang Road');
    expect(en).toContain('10:00–12:00');
    expect(en).toMatch(/ID card/);
    expect(en).toMatch(/driving licence/);
    // Nobody brings the balance to the handover: it is settled before, and the reminder says so.
    expect(en).not.toContain('¥262,500');
    expect(en).toMatch(/settle the balance before delivery/);
    const zh = reminderScreen(fmt('zh-CN'), r, c).text;
    expect(zh).toContain('特斯拉上海交付中心');
    expect(zh).toMatch(/身份证/);
    expect(zh).toMatch(/驾驶证/);
    expect(zh).not.toContain('¥262,500');
    expect(zh).toMatch(/尾款请在交付前结清/);
    const home = reminderScreen(fmt('en'), { kind: 'delivery', bookingId: 70, step: 't24h' }, { ...c, booking: booking({ method: 'home', address: 'Room 2 &amp; 3' }) }).text;
    expect(home).toMatch(/tomorrow/);
    expect(home).toContain('Home delivery');
  });

  it('allocation notice: VIN and expected delivery week', () => {
    const c = ctx({ order: order({ state: 'vehicle_allocated', vin: 'LRWYGCEK1PC123456', expectedDeliveryWeek: sh('2026-03-23T00:00:00') }) });
    const r: Reminder = { kind: 'notify-order', orderId: 17, state: 'vehicle_allocated' };
    // A date range, not a promise of a day: the exact time is booked once the car is ready.
    expect(reminderScreen(fmt('en'), r, c).text).toMatch(/LRWYGCEK1PC123456[\s\S]*23 Mar – 29 Mar/);
    expect(reminderScreen(fmt('zh-CN'), r, c).text).toMatch(/LRWYGCEK1PC123456[\s\S]*3月23日至3月29日/);
    expect(reminderScreen(fmt('zh-CN'), r, c).text).not.toContain('当周');
  });

  it('ready notice: a Book delivery button when no slot is booked, the booking otherwise', () => {
    const r: Reminder = { kind: 'notify-order', orderId: 17, state: 'ready_for_delivery' };
    const unbooked = reminderScreen(fmt('en'), r, ctx({ order: order({ state: 'ready_for_delivery' }) }));
    expect(callbackData(unbooked)).toContain(cb.bookDelivery.pack({ orderId: 17 }));
    const booked = reminderScreen(fmt('en'), r, ctx({ order: order({ state: 'delivery_scheduled' }), booking: booking() }));
    expect(callbackData(booked)).not.toContain(cb.bookDelivery.pack({ orderId: 17 }));
    expect(booked.text).toContain('Tesla Shanghai Delivery Centre');
  });

  it('check-in: five rating buttons and help; thanks differ for low scores and repeats', () => {
    const c = ctx({ order: order({ state: 'delivered' }) });
    const s = reminderScreen(fmt('zh-CN'), { kind: 'checkin', orderId: 17 }, c);
    expect(callbackData(s)).toEqual([1, 2, 3, 4, 5].map((n) => `rate:17:${n}`).concat('chelp:17'));
    expect(checkinThanks(fmt('en'), c.order, 5, false).text).toMatch(/5\/5/);
    expect(checkinThanks(fmt('en'), c.order, 2, false).text).toMatch(/sorry/i);
    expect(checkinThanks(fmt('en'), c.order, 4, true).text).toMatch(/already/);
  });

  it('help: the hotline, and a charger booking only for an order without an installation', () => {
    const o = order({ state: 'delivered' });
    const none = checkinHelp(fmt('zh-CN'), o, false);
    expect(none.text).toContain('400-910-0707');
    expect(callbackData(none)).toContain(cb.bookInstallation.pack({ orderId: 17 }));
    expect(callbackData(checkinHelp(fmt('en'), o, true))).not.toContain(cb.bookInstallation.pack({ orderId: 17 }));
  });
});
