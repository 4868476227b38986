/**
 * What the customer hears as operations staff move their order (issue 5): the real app (bot and
 * workers) against the Bot API stand-in. Ops actions go through the fulfilment service; the
 * customer's messages arrive through the reminders queue, in English and in Chinese. Then the
 * 3-day check-in: the rating buttons work once per order, and a forged order id is refused.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cb } from '../../src/telegram/callback-data.js';
import type { Order } from '../../src/db/schema/index.js';
import { queueNames, type ReminderJob } from '../../src/jobs/queues.js';
import { createI18n } from '../../src/i18n.js';
import type { RecordedCall } from '../support/bot-api-stand-in.js';
import { callbackDataIn, chatFactory, type TestChat } from '../support/chat.js';
import { REDIS_URL } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { TestClock } from '../support/reminders.js';

type Lng = 'en' | 'zh-CN';
const i18n = createI18n('zh-CN');
const t = (lng: Lng, key: string, vars: Record<string, unknown> = {}): string => String(i18n.t(lng)(key, vars));

let h: Harness;
let queue: Queue<ReminderJob>;
let connection: Redis;
const clock = new TestClock();

beforeAll(async () => {
  // 11:00 in Shanghai, so no message is held back for quiet hours.
  clock.setShanghai(11);
  h = await startHarness({ mode: 'polling', now: clock.now });
  connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue<ReminderJob>(queueNames.reminders, { connection, prefix: h.config.queuePrefix });
});

afterAll(async () => {
  await queue?.close();
  connection?.disconnect();
  await h?.stop();
});

const newChat = chatFactory(() => h, 95_000);
const STAFF = 'staff:900001';

/** A customer who has talked to the bot, with a paid Model Y order. */
async function customerWithPaidOrder(lng: Lng): Promise<{ chat: TestChat; order: Order }> {
  const chat = newChat(lng);
  await chat.text('/start');
  const s = h.app.deps.services;
  const [row] = await h.db.sql<Array<{ id: number }>>`select id from customers where telegram_id = ${chat.id}`;
  const catalog = (await s.catalog.model('model-y'))!;
  const created = await s.orders.create(
    {
      customerId: row!.id,
      catalog,
      configuration: { modelId: 'model-y', trimId: 'my-rwd', paintId: 'my-paint-white', wheelsId: 'my-wheels-19', interiorId: 'my-int-black' },
      contactName: 'Zhang Wei',
      phone: '13800138000',
      city: 'shanghai',
    },
    `customer:${chat.id}`,
  );
  const order = await s.orders.transition(created.id, 'deposit_paid', `customer:${chat.id}`);
  return { chat, order };
}

/** Waits for the next message the bot sends this chat whose text matches. */
async function nextMessage(chat: TestChat, text: RegExp, since = 0): Promise<RecordedCall> {
  return h.api.waitFor((c) => c.method === 'sendMessage' && String(c.params.chat_id) === String(chat.id) && text.test(String(c.params.text)), {
    since,
    timeoutMs: 10_000,
  });
}

async function slotFor(kind: 'delivery' | 'installation') {
  const [slot] = await h.db.sql<Array<{ id: number; centre_id: string }>>`
    select id, centre_id from slots where kind = ${kind} and centre_id = 'sh-lingang' and starts_at > ${new Date(clock.now().getTime() + 86_400_000).toISOString()}::timestamptz
    order by starts_at limit 1`;
  return slot!;
}

const VIN = { en: 'LRWYGCEK1PC300001', 'zh-CN': 'LRWYGCEK1PC300002' } as const;

describe.each(['en', 'zh-CN'] as const)('ops actions tell the customer (%s)', (lng) => {
  let chat: TestChat;
  let order: Order;

  beforeAll(async () => {
    ({ chat, order } = await customerWithPaidOrder(lng));
  });

  it('vehicle allocated: the VIN and the expected delivery week', async () => {
    const since = h.api.calls.length;
    const allocated = await h.app.deps.services.fulfilment.allocate(order.id, VIN[lng], STAFF);
    const msg = await nextMessage(chat, new RegExp(VIN[lng]), since);
    expect(msg.params.text).toContain(allocated.number);
    // The week as a date range (Monday to Sunday), not one day.
    const week = new Intl.DateTimeFormat(lng === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', month: 'short', day: 'numeric' }).format(allocated.expectedDeliveryWeek!);
    expect(msg.params.text).toContain(week);
    expect(msg.params.text).toMatch(lng === 'en' ? /allocated/ : /配车/);
  });

  it('ready for delivery: a button to book the slot, which opens the booking', async () => {
    const since = h.api.calls.length;
    await h.app.deps.services.fulfilment.markReady(order.id, STAFF);
    const msg = await nextMessage(chat, lng === 'en' ? /ready for delivery/ : /已可交付/, since);
    expect(callbackDataIn(msg)).toContain(cb.bookDelivery.pack({ orderId: order.id }));
    const calls = await chat.tap(t(lng, 'menu.delivery'));
    const texts = calls.map((c) => String(c.params.text ?? ''));
    expect(texts.some((x) => x.includes(t(lng, 'booking.delivery_method', { number: order.number, city: lng === 'en' ? 'Shanghai' : '上海' }).split('\n')[0]!))).toBe(true);
  });

  it('delivered: the welcome, and a charger booking offered as none was booked', async () => {
    const slot = await slotFor('delivery');
    await h.app.deps.services.bookings.book({ orderId: order.id, kind: 'delivery', slotId: slot.id, centreId: slot.centre_id, method: 'pickup' });
    const since = h.api.calls.length;
    await h.app.deps.services.fulfilment.markDelivered(order.id, STAFF);
    const msg = await nextMessage(chat, lng === 'en' ? /Welcome to the Tesla family/ : /欢迎加入特斯拉大家庭/, since);
    expect(msg.params.text).toContain(VIN[lng]);
    expect(msg.params.text).toMatch(lng === 'en' ? /Tesla app/ : /特斯拉 App/);
    expect(callbackDataIn(msg)).toContain(cb.bookInstallation.pack({ orderId: order.id }));
  });

  it('the 3-day check-in: a rating is stored once and thanked; help names the hotline', async () => {
    const since = h.api.calls.length;
    await (await queue.getJob(`checkin-${order.id}-d3`))!.promote();
    const ask = await nextMessage(chat, lng === 'en' ? /How did the delivery go/ : /交付体验如何/, since);
    expect(callbackDataIn(ask)).toEqual(
      [1, 2, 3, 4, 5].map((n) => cb.rate.pack({ orderId: order.id, score: String(n) as '1' })).concat(cb.checkinHelp.pack({ orderId: order.id })),
    );

    await chat.tap(t(lng, 'reminders.checkin.score', { score: 4 }));
    expect(chat.lastText()).toBe(t(lng, 'reminders.checkin.thanks', { score: 4 }));
    expect(chat.toasts()).toContain(t(lng, 'reminders.checkin.thanks_toast'));
    // A second press (another score, on the same message) keeps the first answer.
    await chat.press(
      cb.rate.pack({ orderId: order.id, score: '1' }),
      chat.messages().find((m) => m.text.includes(t(lng, 'reminders.checkin.thanks', { score: 4 }))),
    );
    expect(chat.lastText()).toBe(t(lng, 'reminders.checkin.already', { score: 4 }));
    const rows = await h.db.sql<Array<{ score: number }>>`select score from feedback where order_id = ${order.id}`;
    expect(rows).toEqual([{ score: 4 }]);

    await chat.tap(t(lng, 'reminders.checkin.help_button'));
    expect(chat.lastText()).toContain('400-910-0707');
    expect(chat.buttonLabels()).toContain(t(lng, 'menu.installation'));
  });

  it('charger installed: the address and how to use it', async () => {
    const slot = await slotFor('installation');
    await h.app.deps.services.bookings.book({
      orderId: order.id,
      kind: 'installation',
      slotId: slot.id,
      centreId: slot.centre_id,
      address: 'Room 1201, 88 Century Avenue',
      parking: 'garage',
      permission: true,
    });
    const [inst] = await h.app.deps.services.fulfilment.installationsOf(order.id);
    const since = h.api.calls.length;
    await h.app.deps.services.fulfilment.markInstalled(inst!.id, STAFF);
    const msg = await nextMessage(chat, lng === 'en' ? /home charger is installed/ : /充电桩已安装完成/, since);
    expect(msg.params.text).toContain('88 Century Avenue');
  });
});

describe('forged check-in buttons', () => {
  it('another customer’s order id in rate: is refused and changes nothing', async () => {
    const { order } = await customerWithPaidOrder('en');
    const s = h.app.deps.services;
    await s.fulfilment.allocate(order.id, 'LRWYGCEK1PC300003', STAFF);
    await s.fulfilment.markReady(order.id, STAFF);
    const slot = await slotFor('delivery');
    await s.bookings.book({ orderId: order.id, kind: 'delivery', slotId: slot.id, centreId: slot.centre_id, method: 'pickup' });
    await s.fulfilment.markDelivered(order.id, STAFF);

    const intruder = newChat('zh-CN');
    await intruder.text('/start');
    const calls = await intruder.press(cb.rate.pack({ orderId: order.id, score: '1' }));
    const toasts = calls.filter((c) => c.method === 'answerCallbackQuery').map((c) => c.params.text);
    expect(toasts).toEqual([t('zh-CN', 'errors.forbidden')]);
    const help = await intruder.press(cb.checkinHelp.pack({ orderId: order.id }));
    expect(help.filter((c) => c.method === 'answerCallbackQuery').map((c) => c.params.text)).toEqual([t('zh-CN', 'errors.forbidden')]);
    expect(help.some((c) => c.method === 'sendMessage')).toBe(false);
    const rows = await h.db.sql`select 1 from feedback where order_id = ${order.id}`;
    expect(rows).toHaveLength(0);
  });

  it('an order id that does not exist is refused too', async () => {
    const chat = newChat('en');
    await chat.text('/start');
    const calls = await chat.press(cb.rate.pack({ orderId: 99_999_999, score: '5' }));
    expect(calls.filter((c) => c.method === 'answerCallbackQuery').map((c) => c.params.text)).toEqual([t('en', 'errors.not_found')]);
  });
});

describe('a delivery that has taken place', () => {
  it('My orders offers no reschedule or cancel for it, and an old Cancel button is refused with the reason', async () => {
    const { chat, order } = await customerWithPaidOrder('en');
    const s = h.app.deps.services;
    await s.fulfilment.allocate(order.id, 'LRWYGCEK1PC300004', STAFF);
    await s.fulfilment.markReady(order.id, STAFF);
    const [slot] = await h.db.sql<Array<{ id: number; centre_id: string }>>`
      select id, centre_id from slots where kind = 'delivery' and booked < capacity and starts_at > ${new Date(clock.now().getTime() + 3 * 86_400_000).toISOString()}::timestamptz
      order by starts_at limit 1`;
    if (!slot) throw new Error('no free delivery slot');
    const booking = await s.bookings.book({ orderId: order.id, kind: 'delivery', slotId: slot.id, centreId: slot.centre_id, method: 'pickup' });
    await chat.text('/orders');
    await chat.tap(order.number);
    expect(chat.buttonLabels()).toContain(t('en', 'orders.cancel_delivery'));
    const [row] = await h.db.sql<Array<{ starts_at: Date }>>`select starts_at from slots where id = ${slot.id}`;
    const saved = clock.offsetMs;
    try {
      clock.set(new Date(new Date(row!.starts_at).getTime() + 2 * 3600_000));
      await s.fulfilment.markDelivered(order.id, STAFF);
      await chat.text('/orders');
      await chat.tap(order.number);
      expect(chat.buttonLabels()).not.toContain(t('en', 'orders.cancel_delivery'));
      expect(chat.buttonLabels()).not.toContain(t('en', 'orders.reschedule_delivery'));
      const calls = await chat.press(cb.cancelBooking.pack({ bookingId: booking.id }));
      expect(calls.filter((c) => c.method === 'answerCallbackQuery').map((c) => c.params.text)).toEqual([t('en', 'errors.booking_past')]);
      const [after] = await h.db.sql<Array<{ state: string; booked: number }>>`
        select b.state, s.booked from bookings b join slots s on s.id = b.slot_id where b.id = ${booking.id}`;
      expect(after).toEqual({ state: 'active', booked: 1 });
    } finally {
      clock.offsetMs = saved;
    }
  });
});
