import type { Order } from '../../db/schema/index.js';
import { canBookInstallation } from '../../domain/orders/transitions.js';
import type { CarReminder, ReminderContext } from '../../domain/reminders/repository.js';
import type { Reminder } from '../../domain/reminders/types.js';
import { escapeHtml } from '../../i18n.js';
import { localDateKey } from '../../shared/time.js';
import { cb } from '../callback-data.js';
import type { Fmt } from '../format.js';
import type { Screen } from '../screen.js';
import { button, menuButton, weekRange } from './common.js';
import { bookingLine } from './common.js';

/** The messages the reminders worker sends, and the check-in answers; pure (Fmt, rows) → Screen. */

const model = (order: Order) => escapeHtml(order.snapshot.modelName);
const viewOrder = (f: Fmt, order: Order) => button(f.t('booking.view_order'), cb.orderDetail.pack({ orderId: order.id }));
const bookInstallation = (f: Fmt, order: Order) => button(f.t('menu.installation'), cb.bookInstallation.pack({ orderId: order.id }));

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

/** "Tue 1 Dec, 14:30" / "12月1日周二 14:30" in the business time zone. */
function dateTime(f: Fmt, at: Date): string {
  const key = `${f.locale}|${f.timeZone}`;
  let format = dateTimeFormats.get(key);
  if (!format) {
    const locale = f.locale === 'en' ? 'en-GB' : f.locale;
    format = new Intl.DateTimeFormat(locale, { timeZone: f.timeZone, month: 'short', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    dateTimeFormats.set(key, format);
  }
  return format.format(at);
}

/** The message for a reminder that is still due (see relevance.ts), in the customer's language. */
export function reminderScreen(f: Fmt, r: Exclude<CarReminder, { kind: 'expire-order' }>, ctx: ReminderContext): Screen {
  const { order } = ctx;
  const base = { number: order.number, model: model(order) };
  switch (r.kind) {
    case 'deposit':
      return {
        text: f.t(`reminders.deposit.${r.step}`, { ...base, deposit: f.money(order.depositFen), expires: dateTime(f, new Date(r.expiresAt)) }),
        keyboard: [[button(f.t('order.pay_again', { deposit: f.money(order.depositFen) }), cb.pay.pack({ orderId: order.id }))], [viewOrder(f, order)]],
      };
    case 'delivery': {
      const booking = ctx.booking!;
      const place = booking.method === 'pickup' && booking.centre ? f.t('reminders.delivery.centre_address', { address: f.text(booking.centre.address) }) : '';
      const bring = f.t('reminders.delivery.bring', { balance: f.money(order.totalFen - order.depositFen) });
      return { text: f.t(`reminders.delivery.${r.step}`, { ...base, line: bookingLine(f, booking), place, bring }), keyboard: [[viewOrder(f, order)]] };
    }
    case 'installation': {
      const parking = f.t(`booking.parking_${ctx.installation?.parking ?? ctx.booking!.parking ?? 'garage'}`);
      return { text: f.t('reminders.installation.t24h', { number: order.number, line: bookingLine(f, ctx.booking!), parking }), keyboard: [[viewOrder(f, order)]] };
    }
    case 'checkin':
      return checkinQuestion(f, order);
    case 'notify-installation':
      return {
        text: f.t('reminders.notify.installed', { number: order.number, address: escapeHtml(ctx.installation!.address) }),
        keyboard: [[menuButton(f)]],
      };
    case 'notify-order':
      return orderNotice(f, r.state, ctx);
  }
}

function orderNotice(f: Fmt, state: (Reminder & { kind: 'notify-order' })['state'], ctx: ReminderContext): Screen {
  const { order } = ctx;
  const base = { number: order.number, model: model(order) };
  switch (state) {
    case 'vehicle_allocated': {
      const week = order.expectedDeliveryWeek ? weekRange(f, localDateKey(order.expectedDeliveryWeek, f.timeZone)) : '—';
      return { text: f.t('reminders.notify.vehicle_allocated', { ...base, vin: escapeHtml(order.vin ?? ''), week }), keyboard: [[viewOrder(f, order)]] };
    }
    case 'ready_for_delivery':
      if (ctx.booking) return { text: f.t('reminders.notify.ready_booked', { ...base, line: bookingLine(f, ctx.booking) }), keyboard: [[viewOrder(f, order)]] };
      return {
        text: f.t('reminders.notify.ready_for_delivery', base),
        keyboard: [[button(f.t('menu.delivery'), cb.bookDelivery.pack({ orderId: order.id }))], [viewOrder(f, order)]],
      };
    case 'delivered':
      return {
        text: f.t('reminders.notify.delivered', { ...base, vin: escapeHtml(order.vin ?? '') }),
        keyboard: ctx.hasInstallation ? [[menuButton(f)]] : [[bookInstallation(f, order)], [menuButton(f)]],
      };
    case 'expired':
      return { text: f.t('reminders.notify.expired', { ...base, deposit: f.money(order.depositFen) }), keyboard: [[button(f.t('menu.browse'), cb.models.pack({}))]] };
    case 'refunded':
      return { text: f.t('reminders.notify.refunded', { number: order.number, deposit: f.money(order.depositFen) }), keyboard: [[viewOrder(f, order)]] };
  }
}

/** The 3-day check-in: five rating buttons and a way to ask for help. */
export function checkinQuestion(f: Fmt, order: Order): Screen {
  const scores = (['1', '2', '3', '4', '5'] as const).map((score) => button(f.t('reminders.checkin.score', { score }), cb.rate.pack({ orderId: order.id, score })));
  return {
    text: f.t('reminders.checkin.ask', { number: order.number, model: model(order) }),
    keyboard: [scores, [button(f.t('reminders.checkin.help_button'), cb.checkinHelp.pack({ orderId: order.id }))]],
  };
}

/** After a rating: thanks (and help on offer when it was not good), or thanks again for a repeat. */
export function checkinThanks(f: Fmt, order: Order, score: number, repeat: boolean): Screen {
  return {
    text: f.t(repeat ? 'reminders.checkin.already' : score <= 3 ? 'reminders.checkin.thanks_low' : 'reminders.checkin.thanks', { score }),
    keyboard: [[button(f.t('reminders.checkin.help_button'), cb.checkinHelp.pack({ orderId: order.id }))], [menuButton(f)]],
  };
}

/**
 * Help after delivery. Agents cannot take over the chat yet, so this names the hotline; a charger
 * installation is offered when the order has none and can still get one.
 */
export function checkinHelp(f: Fmt, order: Order, hasInstallation: boolean): Screen {
  const offerCharger = !hasInstallation && canBookInstallation(order.state);
  return {
    text: f.t('reminders.help.text', { number: order.number }) + (offerCharger ? f.t('reminders.help.charger_hint') : ''),
    keyboard: [...(offerCharger ? [[bookInstallation(f, order)]] : []), [viewOrder(f, order), menuButton(f)]],
  };
}
