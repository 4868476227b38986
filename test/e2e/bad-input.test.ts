/**
 * Bad input, end to end (issue 2, "Bad input"): what a customer notices when they type where a
 * button is expected, press stale or forged buttons, try another customer's order ids, mistype
 * their phone, name or address, send an unknown command, or double-click. Replies are checked in
 * the customer's language against the locale files, and the database is checked for side effects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cb } from '../../src/telegram/callback-data.js';
import { createI18n } from '../../src/i18n.js';
import type { RecordedCall } from '../support/bot-api-stand-in.js';
import { chatFactory, conversationState, TestChat, textsIn, toastsIn, type SeenMessage } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { configureCar, latestOrder, makeReady, placeCarOrder, type OrderRow } from '../support/orders.js';
import { contactUpdate } from '../support/updates.js';

type Lng = 'en' | 'zh-CN';
const i18n = createI18n('zh-CN');
/** The text the bot should send, straight from locales/ (same i18next options as the app). */
const t = (lng: Lng, key: string, vars: Record<string, unknown> = {}): string => String(i18n.t(lng)(key, vars));

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const chat = chatFactory(() => h, 71_000);
const newChat = (lng: Lng, firstName = 'Wei') => chat(lng === 'en' ? 'en' : 'zh-hans', firstName);

// ---- helpers (this file's own; shared ones are in test/support) -----------------------------

const MODEL_Y = { modelId: 'model-y', picks: ['my-lr', 'my-paint-red', 'my-wheels-20', 'my-int-white'] } as const;

const stateOf = (chatId: number) => conversationState(h, chatId);

/** /start → models → Model Y → configure, then the first `steps` choices. */
const configure = (c: TestChat, steps: number) => configureCar(c, MODEL_Y, steps);

/** A complete Model Y order awaiting its deposit (contact name and phone as given). */
const placeOrder = (c: TestChat, contact?: { name: string; phone: string }): Promise<OrderRow> => placeCarOrder(c, MODEL_Y, { contact, city: 'shanghai' });

async function paidOrder(c: TestChat, contact?: { name: string; phone: string }): Promise<OrderRow> {
  await placeOrder(c, contact);
  const paid = await c.pay();
  expect(paid.approved).toBe(true);
  return latestOrder(c);
}

/** From a paid order to the slot list of the first bookable day (pickup in Shanghai). */
async function toSlots(c: TestChat, orderId: number): Promise<Array<{ text: string; data: string }>> {
  // Delivery is booked once the car is ready.
  const [row] = await c.h.db.sql<Array<{ state: string }>>`select state from orders where id = ${orderId}`;
  if (row!.state === 'deposit_paid') await makeReady(c, orderId);
  await c.press(cb.bookDelivery.pack({ orderId }));
  await c.press(cb.deliveryMethod.pack({ method: 'pickup' }));
  const day = c
    .screen()!
    .buttons.flat()
    .find((b) => b.data?.startsWith('day:'));
  if (!day?.data) throw new Error(`no day offered: ${c.lastText()}`);
  await c.press(day.data);
  return c
    .screen()!
    .buttons.flat()
    .filter((b): b is { text: string; data: string } => !!b.data?.startsWith('slot:'));
}

const slotIdOf = (data: string) => Number(data.split(':')[1]);

/** Shares someone else's contact card (contact.user_id is another user), as a customer might. */
async function foreignContact(c: TestChat, phone: string): Promise<RecordedCall[]> {
  const from = h.api.calls.length;
  await h.deliver(contactUpdate(c.user, phone, { ownContact: false, contactUserId: c.id + 99_999, firstName: 'Neighbour' }));
  return h.api.calls.slice(from).filter((x) => String(x.params.chat_id) === String(c.id));
}

// ---- free text and stickers where a button is expected -----------------------------------------

describe('free text or a sticker where a button is expected', () => {
  for (const lng of ['en', 'zh-CN'] as const) {
    it(`re-asks the paint step with the trim kept (${lng})`, async () => {
      const c = newChat(lng);
      await configure(c, 1); // trim chosen → paint step
      expect((await stateOf(c.id)).step).toBe('config.paint');
      const trimName = (await h.db.sql`select name from trims where id = ${MODEL_Y.picks[0]}`)[0]!.name[lng] as string;

      for (const send of [() => c.text('red please'), () => c.sticker(), () => c.photo()]) {
        const calls = await send();
        const texts = textsIn(calls);
        expect(texts[0]).toBe(t(lng, 'errors.use_buttons'));
        // The paint question again, as a new message, with the trim chosen so far in it.
        const again = c.screen()!;
        expect(again.text).toContain(t(lng, 'catalog.step_paint', { name: 'Model Y' }));
        expect(again.text).toContain(trimName);
        expect(again.buttons.flat().filter((b) => b.data?.startsWith('pick:paint:')).length).toBeGreaterThan(1);
        const state = await stateOf(c.id);
        expect(state.step).toBe('config.paint');
        expect(state.data.cfg).toEqual({ modelId: 'model-y', trimId: 'my-lr' });
      }
      // The re-asked question works.
      await c.press(cb.choose.pack({ step: 'paint', optionId: 'my-paint-red' }));
      expect((await stateOf(c.id)).step).toBe('config.wheels');
    });
  }

  it('on the main menu: "please choose from the menu" and the menu again', async () => {
    const c = newChat('zh-CN');
    await c.text('/start');
    const calls = await c.text('你好');
    expect(textsIn(calls)[0]).toBe(t('zh-CN', 'errors.use_menu'));
    expect(c.buttonLabels()).toContain(t('zh-CN', 'menu.browse'));
  });
});

// ---- stale buttons ----------------------------------------------------------------------------

describe('stale buttons', () => {
  it('a trim button on an older message after moving on: toast, the paint step offered, nothing changed', async () => {
    const c = newChat('en');
    await configure(c, 0); // trim step (message A)
    const messageA = c.screen()!;
    await c.sticker(); // the trim step again (message B); A still shows trim buttons
    const messageB = c.screen()!;
    expect(messageB.messageId).not.toBe(messageA.messageId);
    await c.press(cb.choose.pack({ step: 'trim', optionId: 'my-lr' }), messageB);
    expect((await stateOf(c.id)).step).toBe('config.paint');

    const calls = await c.press(cb.choose.pack({ step: 'trim', optionId: 'my-perf' }), messageA);
    expect(toastsIn(calls)).toEqual([t('en', 'stale.button')]);
    expect(c.screen()!.text).toContain(t('en', 'catalog.step_paint', { name: 'Model Y' }));
    const state = await stateOf(c.id);
    expect(state.step).toBe('config.paint');
    expect(state.data.cfg).toEqual({ modelId: 'model-y', trimId: 'my-lr' });
  });

  it('the same message, pressed again with its earlier (trim) buttons: refused as stale (zh-CN)', async () => {
    const c = newChat('zh-CN');
    await configure(c, 0);
    const before: SeenMessage = c.screen()!; // the trim step as the customer saw it
    await c.press(cb.choose.pack({ step: 'trim', optionId: 'my-lr' }), before); // edited into the paint step
    const calls = await c.press(cb.choose.pack({ step: 'trim', optionId: 'my-rwd' }), before);
    expect(toastsIn(calls)).toEqual([t('zh-CN', 'stale.button')]);
    expect((await stateOf(c.id)).data.cfg).toEqual({ modelId: 'model-y', trimId: 'my-lr' });
    expect(c.screen()!.text).toContain(t('zh-CN', 'catalog.step_paint', { name: 'Model Y' }));
  });

  it('buttons of a cancelled order say so; nothing changes', async () => {
    const c = newChat('en');
    const order = await placeOrder(c);
    await c.press(cb.orderDetail.pack({ orderId: order.id }));
    const detail = c.screen()!; // shows pay + cancel buttons
    await c.press(cb.cancelOrder.pack({ orderId: order.id }));
    await c.press(cb.cancelOrderConfirm.pack({ orderId: order.id }));
    expect((await latestOrder(c)).state).toBe('cancelled');
    const events = (await h.db.sql`select count(*)::int as n from order_events where order_id = ${order.id}`)[0]!.n as number;
    const invoicesBefore = h.api.callsTo('sendInvoice').length;

    // The pay button on the old order detail message.
    let calls = await c.press(cb.pay.pack({ orderId: order.id }), detail);
    expect(toastsIn(calls)).toEqual([t('en', 'deposit.already_paid_or_closed')]);
    expect(h.api.callsTo('sendInvoice').length).toBe(invoicesBefore);

    // Book delivery for it.
    calls = await c.press(cb.bookDelivery.pack({ orderId: order.id }), detail);
    expect(toastsIn(calls)).toEqual([t('en', 'booking.not_bookable_delivery')]);
    expect(c.screen()!.text).toContain(t('en', 'order_state.cancelled')); // the order as it is now

    // Confirming the cancel again: it is done (a rerun of the first press must not say otherwise), nothing written.
    calls = await c.press(cb.cancelOrderConfirm.pack({ orderId: order.id }), detail);
    expect(toastsIn(calls)).toEqual([t('en', 'orders.cancelled', { number: order.number })]);

    expect((await latestOrder(c)).state).toBe('cancelled');
    expect((await h.db.sql`select count(*)::int as n from order_events where order_id = ${order.id}`)[0]!.n).toBe(events);
  });

  it('the pay button on the "order created" message of a cancelled order: toast, and the order as it is now', async () => {
    const c = newChat('zh-CN');
    const order = await placeOrder(c);
    const created = c.screen()!; // "✅ Order … created" with the pay button
    expect(created.buttons.flat().some((b) => b.data === cb.pay.pack({ orderId: order.id }))).toBe(true);
    await c.text('/orders'); // a new message; the "created" one keeps its pay button
    await c.press(cb.orderDetail.pack({ orderId: order.id }));
    await c.press(cb.cancelOrder.pack({ orderId: order.id }));
    await c.press(cb.cancelOrderConfirm.pack({ orderId: order.id }));
    expect(c.screen()!.messageId).not.toBe(created.messageId);

    const calls = await c.press(cb.pay.pack({ orderId: order.id }), created);
    expect(toastsIn(calls)).toEqual([t('zh-CN', 'deposit.already_paid_or_closed')]);
    expect(calls.filter((x) => x.method === 'sendInvoice')).toHaveLength(0);
    // The current state of the order is offered (as other stale buttons do).
    // GAP (src/bot/features/deposit.ts, pay action: toast only, the customer is left on the old screen).
    expect(textsIn(calls).join('\n')).toContain(t('zh-CN', 'order_state.cancelled'));
  });

  it('the cancel button of an already cancelled order does not ask "Cancel order …?" again', async () => {
    const c = newChat('en');
    const order = await placeOrder(c);
    await c.press(cb.orderDetail.pack({ orderId: order.id }));
    const detail = c.screen()!;
    await c.press(cb.cancelOrder.pack({ orderId: order.id }));
    await c.press(cb.cancelOrderConfirm.pack({ orderId: order.id }));

    const calls = await c.press(cb.cancelOrder.pack({ orderId: order.id }), detail);
    // BUG (src/bot/features/my-orders.ts, cancelOrder action): the confirm screen is shown for an
    // order that is already cancelled ("No deposit has been paid, so nothing is charged.").
    expect(textsIn(calls).join('\n')).not.toContain(t('en', 'orders.confirm_cancel_unpaid', { number: order.number }));
    expect(toastsIn(calls)).toEqual([t('en', 'errors.order_not_cancellable')]);
  });

  it('a slot that filled up meanwhile: toast, the remaining slots offered, no booking', async () => {
    const c = newChat('en');
    const order = await paidOrder(c);
    const slots = await toSlots(c, order.id);
    expect(slots.length).toBeGreaterThan(1);
    const full = slotIdOf(slots[0]!.data);
    await h.db.sql`update slots set booked = capacity where id = ${full}`;

    const calls = await c.press(slots[0]!.data);
    expect(toastsIn(calls)).toEqual([t('en', 'booking.slot_taken')]);
    const offered = c
      .screen()!
      .buttons.flat()
      .map((b) => b.data);
    expect(offered).not.toContain(slots[0]!.data);
    expect(offered).toContain(slots[1]!.data);
    expect((await stateOf(c.id)).step).toBe('booking.slot');
    expect((await h.db.sql`select count(*)::int as n from bookings where order_id = ${order.id}`)[0]!.n).toBe(0);
    const [s] = await h.db.sql`select booked, capacity from slots where id = ${full}`;
    expect(s!.booked).toBe(s!.capacity);

    // Another slot still books.
    await c.press(slots[1]!.data);
    expect(c.lastText()).toContain(order.number);
    expect((await h.db.sql`select count(*)::int as n from bookings where order_id = ${order.id} and state = 'active'`)[0]!.n).toBe(1);
  });
});

// ---- forged callback data ---------------------------------------------------------------------

describe('forged callback data', () => {
  it('a Model S trim while configuring a Model Y is refused; the configuration is unchanged', async () => {
    const c = newChat('en');
    await configure(c, 0);
    const calls = await c.press(cb.choose.pack({ step: 'trim', optionId: 'ms-plaid' }));
    const toasts = toastsIn(calls);
    expect(toasts).toHaveLength(1);
    expect([t('en', 'stale.button'), t('en', 'errors.bad_button'), t('en', 'errors.invalid_configuration')]).toContain(toasts[0]);
    const state = await stateOf(c.id);
    expect(state.step).toBe('config.trim');
    expect(state.data.cfg).toEqual({ modelId: 'model-y' });
    expect(c.screen()!.text).toContain(t('en', 'catalog.step_trim', { name: 'Model Y' }));
  });

  for (const lng of ['en', 'zh-CN'] as const) {
    it(`'od:999999', 'zzz', 'od:abc' are refused with a clear message, nothing changes (${lng})`, async () => {
      const c = newChat(lng);
      await configure(c, 1);
      const before = await stateOf(c.id);
      const orders = (await h.db.sql`select count(*)::int as n from orders`)[0]!.n as number;

      let calls = await c.press('od:999999');
      expect(toastsIn(calls)).toEqual([t(lng, 'errors.not_found')]);

      calls = await c.press('zzz');
      expect(toastsIn(calls)).toEqual([t(lng, 'errors.bad_button')]);
      expect(c.screen()!.text).toContain(t(lng, 'catalog.step_paint', { name: 'Model Y' })); // current step offered

      calls = await c.press('od:abc');
      const [toast] = toastsIn(calls);
      expect([t(lng, 'errors.bad_button'), t(lng, 'stale.button')]).toContain(toast);

      const after = await stateOf(c.id);
      expect(after.step).toBe(before.step);
      expect(after.data).toEqual(before.data);
      expect((await h.db.sql`select count(*)::int as n from orders`)[0]!.n).toBe(orders);
    });
  }
});

describe('forged slot ids', () => {
  it("an installation slot, another city's slot, or an unknown slot books nothing", async () => {
    const c = newChat('zh-CN');
    const order = await paidOrder(c);
    const offered = await toSlots(c, order.id); // Shanghai pickup (delivery) slots
    const live = c.screen()!;
    const [install] = await h.db.sql`select id from slots where kind = 'installation' and centre_id = 'sh-lingang' and booked < capacity order by starts_at limit 1`;
    const [beijing] = await h.db
      .sql`select id from slots where kind = 'delivery' and centre_id = 'bj-yizhuang' and booked < capacity and starts_at > now() + interval '1 day' order by starts_at limit 1`;
    const before = await h.db.sql`select id, booked from slots where id in (${install!.id}, ${beijing!.id}) order by id`;
    for (const slotId of [install!.id as number, beijing!.id as number, 999_999]) {
      const calls = await c.press(cb.slot.pack({ slotId }), live);
      expect(toastsIn(calls)).toHaveLength(1);
      expect(toastsIn(calls)[0]).not.toBe('');
      expect((await stateOf(c.id)).step).toBe('booking.slot');
    }
    expect(await h.db.sql`select id, booked from slots where id in (${install!.id}, ${beijing!.id}) order by id`).toEqual(before);
    expect((await h.db.sql`select count(*)::int as n from bookings where order_id = ${order.id}`)[0]!.n).toBe(0);
    // The real choices are still offered and work.
    await c.press(offered[0]!.data);
    expect((await h.db.sql`select count(*)::int as n from bookings where order_id = ${order.id}`)[0]!.n).toBe(1);
  });
});

// ---- another customer's ids -------------------------------------------------------------------

describe("another customer's order and booking ids", () => {
  it("od/oc/ocy/bd/bi/pay/rs/bx/bxy with the victim's ids are refused; nothing of the victim leaks or changes", async () => {
    const victim = newChat('en', 'Victim');
    const order = await paidOrder(victim, { name: 'Li Secret', phone: '13912345678' });
    const slots = await toSlots(victim, order.id);
    await victim.press(slots[0]!.data);
    const [booking] = await h.db.sql`select id, slot_id, state from bookings where order_id = ${order.id}`;
    expect(booking).toBeDefined();
    const snapshot = async () => ({
      order: (await h.db.sql`select state, updated_at from orders where id = ${order.id}`)[0],
      events: (await h.db.sql`select count(*)::int as n from order_events where order_id = ${order.id}`)[0]!.n,
      bookings: await h.db.sql`select id, state, slot_id from bookings where order_id = ${order.id} order by id`,
      slot: (await h.db.sql`select booked from slots where id = ${booking!.slot_id}`)[0]!.booked,
    });
    const before = await snapshot();

    for (const lng of ['en', 'zh-CN'] as const) {
      const attacker = newChat(lng, 'Mallory');
      await attacker.text('/start');
      const from = h.api.calls.length;
      const datas = [
        cb.orderDetail.pack({ orderId: order.id }),
        cb.cancelOrder.pack({ orderId: order.id }),
        cb.cancelOrderConfirm.pack({ orderId: order.id }),
        cb.bookDelivery.pack({ orderId: order.id }),
        cb.bookInstallation.pack({ orderId: order.id }),
        cb.pay.pack({ orderId: order.id }),
        cb.reschedule.pack({ bookingId: booking!.id }),
        cb.cancelBooking.pack({ bookingId: booking!.id }),
        cb.cancelBookingConfirm.pack({ bookingId: booking!.id }),
      ];
      for (const data of datas) {
        const calls = await attacker.press(data);
        expect(toastsIn(calls), data).toEqual([t(lng, 'errors.forbidden')]);
      }
      const seen = JSON.stringify(h.api.calls.slice(from).filter((x) => String(x.params.chat_id) === String(attacker.id) || x.method === 'answerCallbackQuery'));
      for (const secret of [order.number, 'Li Secret', '13912345678', '139 1234 5678', 'Lingang', '临港']) expect(seen).not.toContain(secret);
      expect(h.api.callsTo('sendInvoice').filter((x) => String(x.params.chat_id) === String(attacker.id))).toHaveLength(0);
      expect((await stateOf(attacker.id)).step).toBe('menu');
    }
    expect(await snapshot()).toEqual(before);
  });
});

// ---- typed input: phone, contact, name, address, commands ------------------------------------

describe('typed input', () => {
  it('malformed phone numbers get a localized explanation, the step is kept, a valid one works (en)', async () => {
    const c = newChat('en');
    await configure(c, 4);
    await c.press(cb.orderStart.pack({}));
    await c.text('Zhang Wei');
    for (const bad of ['12345', 'abc', '+86 12345', '1380013800']) {
      const calls = await c.text(bad);
      expect(textsIn(calls)).toEqual([t('en', 'order.bad_phone', { input: bad })]);
      const state = await stateOf(c.id);
      expect(state.step).toBe('order.phone');
      expect(state.data.contactName).toBe('Zhang Wei');
    }
    expect((await h.db.sql`select phone from customers where telegram_id = ${c.id}`)[0]!.phone).toBeNull();
    await c.text('138 0013 8000');
    expect(c.messages().some((m) => m.text.startsWith(t('en', 'order.phone_saved', { phone: '' })))).toBe(true);
    // Held with the order's answers; written only when the order is confirmed.
    expect((await stateOf(c.id)).data.phone).toBe('+8613800138000');
    expect((await h.db.sql`select phone from customers where telegram_id = ${c.id}`)[0]!.phone).toBeNull();
    expect(c.lastText()).toBe(t('en', 'order.ask_city'));
    expect((await stateOf(c.id)).step).toBe('order.city');
  });

  it("a malformed phone in zh-CN, then someone else's contact card, then the customer's own", async () => {
    const c = newChat('zh-CN');
    await configure(c, 4);
    await c.press(cb.orderStart.pack({}));
    await c.text('张伟');
    let calls = await c.text('1380013800');
    expect(textsIn(calls)).toEqual([t('zh-CN', 'order.bad_phone', { input: '1380013800' })]);

    // A contact card of another Telegram user (TestChat.contact's own:false does not set
    // ownContact, so the update is built here).
    calls = await foreignContact(c, '+8613912345678');
    expect(textsIn(calls)).toEqual([t('zh-CN', 'order.not_own_contact')]);
    expect((await stateOf(c.id)).step).toBe('order.phone');
    expect((await h.db.sql`select phone from customers where telegram_id = ${c.id}`)[0]!.phone).toBeNull();

    await c.contact('8613800138000');
    expect((await stateOf(c.id)).step).toBe('order.city');
    expect((await stateOf(c.id)).data.phone).toBe('+8613800138000');
    expect(c.lastText()).toBe(t('zh-CN', 'order.ask_city'));
  });

  for (const [label, bad] of [
    ['empty', ''],
    ['blank', '   '],
    ['41 characters', 'A'.repeat(41)],
    ['digits', '12345'],
  ] as const) {
    it(`an invalid contact name (${label}) is re-asked`, async () => {
      const c = newChat('en');
      await configure(c, 4);
      await c.press(cb.orderStart.pack({}));
      const calls = await c.text(bad);
      expect(textsIn(calls)).toEqual([t('en', 'order.bad_name')]);
      expect((await stateOf(c.id)).step).toBe('order.name');
      await c.text('Zhang Wei');
      expect((await stateOf(c.id)).step).toBe('order.phone');
    });
  }

  it('a name that looks like a command ("/x") re-asks the name (zh-CN)', async () => {
    const c = newChat('zh-CN');
    await configure(c, 4);
    await c.press(cb.orderStart.pack({}));
    const calls = await c.text('/x');
    const texts = textsIn(calls);
    expect(texts.length).toBeGreaterThan(0);
    expect((await stateOf(c.id)).step).toBe('order.name');
    // The customer must be told what is expected now, not only that the command is unknown.
    // BUG (src/bot/features/unhandled.ts: unknown command returns without re-showing the step).
    expect(texts.some((x) => x === t('zh-CN', 'order.bad_name') || x.includes(t('zh-CN', 'order.ask_name', { name: 'Model Y' })))).toBe(true);
    await c.text('张伟');
    expect((await stateOf(c.id)).step).toBe('order.phone');
  });

  it('a too-short address is re-asked; a proper one moves on (en)', async () => {
    const c = newChat('en');
    const order = await paidOrder(c);
    await makeReady(c, order.id);
    await c.press(cb.bookDelivery.pack({ orderId: order.id }));
    await c.press(cb.deliveryMethod.pack({ method: 'home' }));
    expect((await stateOf(c.id)).step).toBe('booking.address');
    for (const bad of ['abc', '  12 ', '------']) {
      const calls = await c.text(bad);
      expect(textsIn(calls)).toEqual([t('en', 'booking.bad_address')]);
      expect((await stateOf(c.id)).step).toBe('booking.address');
    }
    await c.text('88 Century Avenue, Pudong, Shanghai');
    expect((await stateOf(c.id)).step).toBe('booking.day');
    expect((await stateOf(c.id)).data.address).toBe('88 Century Avenue, Pudong, Shanghai');
  });

  for (const lng of ['en', 'zh-CN'] as const) {
    it(`an unknown command gets the help hint (${lng})`, async () => {
      const c = newChat(lng);
      await c.text('/start');
      const calls = await c.text('/foo');
      const texts = textsIn(calls);
      expect(texts).toHaveLength(1);
      expect(texts[0]!.startsWith(t(lng, 'errors.unknown_command'))).toBe(true);
      expect(texts[0]).toContain('/help');
      expect((await stateOf(c.id)).step).toBe('menu');
    });
  }

  it('/cancel mid-flow leaves it for the main menu; at the menu it says there is nothing to cancel (zh-CN, en)', async () => {
    const c = newChat('zh-CN');
    await configure(c, 4);
    await c.press(cb.orderStart.pack({}));
    expect((await stateOf(c.id)).step).toBe('order.name');
    const calls = await c.text('/cancel');
    expect(textsIn(calls)[0]).toBe(t('zh-CN', 'errors.cancelled_step'));
    expect((await stateOf(c.id)).step).toBe('menu');
    expect(c.buttonLabels()).toContain(t('zh-CN', 'menu.browse'));
    const again = await c.text('/cancel');
    expect(textsIn(again)).toEqual([t('zh-CN', 'errors.nothing_to_cancel')]);

    const e = newChat('en');
    await e.text('/start');
    expect(textsIn(await e.text('/cancel'))).toEqual([t('en', 'errors.nothing_to_cancel')]);
  });

  it('an unknown command in the middle of configuring keeps the step: the paint buttons still work', async () => {
    const c = newChat('en');
    await configure(c, 1);
    const paintStep = c.screen()!;
    const calls = await c.text('/foo');
    expect(textsIn(calls)[0]!.startsWith(t('en', 'errors.unknown_command'))).toBe(true);
    expect((await stateOf(c.id)).step).toBe('config.paint');
    // The customer goes back to the question they were answering.
    // BUG (src/bot/features/unhandled.ts: the help is shown with show(), which makes it the live
    // menu, so the paint step's buttons become "stale" although the step did not change).
    const tapped = await c.press(cb.choose.pack({ step: 'paint', optionId: 'my-paint-red' }), paintStep);
    expect(toastsIn(tapped)).not.toContain(t('en', 'stale.button'));
    expect((await stateOf(c.id)).step).toBe('config.wheels');
  });
});

// ---- double clicks ----------------------------------------------------------------------------

describe('double clicks', () => {
  it('the same slot pressed twice at once books once (slots.booked + 1)', async () => {
    const c = newChat('en');
    const order = await paidOrder(c);
    const slots = await toSlots(c, order.id);
    const data = slots[0]!.data;
    const slotId = slotIdOf(data);
    const bookedBefore = (await h.db.sql`select booked from slots where id = ${slotId}`)[0]!.booked as number;
    const live = c.screen()!;

    await Promise.all([c.press(data, live), c.press(data, live)]);

    expect((await h.db.sql`select count(*)::int as n from bookings where order_id = ${order.id}`)[0]!.n).toBe(1);
    expect((await h.db.sql`select booked from slots where id = ${slotId}`)[0]!.booked).toBe(bookedBefore + 1);
    const confirmations = h.api
      .messagesTo(c.id, { delivered: true })
      .filter((x) => String(x.params.text ?? '').startsWith(t('en', 'booking.booked', { number: order.number, line: '' }).trim()));
    expect(confirmations.length).toBeGreaterThanOrEqual(1);
  });

  it('"agree and pay" tapped twice at once creates one order', async () => {
    const c = newChat('en');
    await configure(c, 4);
    await c.press(cb.orderStart.pack({}));
    await c.text('Zhang Wei');
    await c.text('13800138000');
    await c.press(cb.city.pack({ city: 'shenzhen' }));
    const confirm = c.screen()!;
    const data = cb.orderConfirm.pack({});
    await Promise.all([c.press(data, confirm), c.press(data, confirm)]);
    const orders = await h.db.sql`
      select o.id from orders o join customers cu on cu.id = o.customer_id where cu.telegram_id = ${c.id}`;
    expect(orders).toHaveLength(1);
    expect((await stateOf(c.id)).step).toBe('deposit');
  });

  it('a double "Yes, cancel" writes one audit event', async () => {
    const c = newChat('zh-CN');
    const order = await placeOrder(c);
    await c.press(cb.orderDetail.pack({ orderId: order.id }));
    await c.press(cb.cancelOrder.pack({ orderId: order.id }));
    const confirm = c.screen()!;
    const data = cb.cancelOrderConfirm.pack({ orderId: order.id });
    const results = await Promise.all([c.press(data, confirm), c.press(data, confirm)]);

    const events = await h.db.sql`select from_state, to_state from order_events where order_id = ${order.id} order by id`;
    expect(events.map((e) => e.to_state)).toEqual(['awaiting_deposit', 'cancelled']);
    expect((await latestOrder(c)).state).toBe('cancelled');
    // Both are told it is cancelled (the second finds it done), never that it cannot be.
    expect(new Set(results.flatMap(toastsIn))).toEqual(new Set([t('zh-CN', 'orders.cancelled', { number: order.number })]));
  });
});
