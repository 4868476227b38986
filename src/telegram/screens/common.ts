import type { InlineKeyboardButton } from 'telegraf/types';
import { cb } from '../callback-data.js';
import type { BookingView } from '../../domain/bookings/views.js';
import { escapeHtml } from '../../i18n.js';
import type { Fmt } from '../format.js';
import type { Screen } from '../screen.js';

export const button = (text: string, data: string): InlineKeyboardButton.CallbackButton => ({ text, callback_data: data });

/** Lays buttons out `perRow` to a row. */
export function rows<T>(items: T[], perRow: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += perRow) out.push(items.slice(i, i + perRow));
  return out;
}

export const menuButton = (f: Fmt) => button(f.t('nav.menu'), cb.menu.pack({}));

/** The main menu; the booking buttons only when the customer has an order that can take that booking. */
export function mainMenu(f: Fmt, name: string, can: { delivery: boolean; installation: boolean } = { delivery: false, installation: false }): Screen {
  const bookings = [
    ...(can.delivery ? [button(f.t('menu.delivery'), cb.bookPick.pack({ kind: 'delivery' }))] : []),
    ...(can.installation ? [button(f.t('menu.installation'), cb.bookPick.pack({ kind: 'installation' }))] : []),
  ];
  return {
    text: f.t('menu.text', { name }),
    keyboard: [
      [button(f.t('menu.browse'), cb.models.pack({})), button(f.t('store.menu'), cb.storeHome.pack({}))],
      [button(f.t('menu.orders'), cb.orders.pack({}))],
      [button(f.t('support.talk'), cb.supportTalk.pack({}))],
      ...(bookings.length ? [bookings] : []),
      [button(f.t('menu.language'), cb.language.pack({ locale: f.locale === 'en' ? 'zh-CN' : 'en' })), button(f.t('menu.help'), cb.help.pack({}))],
      [button(f.t('campaigns.menu_settings'), cb.settings.pack({ what: 'open' }))],
    ],
  };
}

export function helpScreen(f: Fmt): Screen {
  return { text: f.t('help.text'), keyboard: [[menuButton(f)]] };
}

export function languagePicker(f: Fmt): Screen {
  return {
    text: f.t('language.choose'),
    keyboard: [[button('简体中文', cb.language.pack({ locale: 'zh-CN' })), button('English', cb.language.pack({ locale: 'en' }))]],
  };
}

/** One line for a booking: when, and where (the address, or the delivery centre). */
export function bookingLine(f: Fmt, b: BookingView): string {
  const when = f.slot(b.slot.startsAt, b.slot.endsAt);
  if (b.kind === 'installation') return f.t('booking.line_installation', { when, address: escapeHtml(b.address ?? '') });
  if (b.method === 'home') return f.t('booking.line_home', { when, address: escapeHtml(b.address ?? '') });
  return f.t('booking.line_pickup', { when, centre: b.centre ? f.text(b.centre.name) : '' });
}

/** A week from its Monday ('YYYY-MM-DD'): 12月7日至12月13日 / 7 Dec – 13 Dec. */
export function weekRange(f: Fmt, mondayKey: string): string {
  const fmt = new Intl.DateTimeFormat(f.locale === 'en' ? 'en-GB' : f.locale, { timeZone: 'UTC', month: 'short', day: 'numeric' });
  const [y, m, d] = mondayKey.split('-').map(Number) as [number, number, number];
  const monday = new Date(Date.UTC(y, m - 1, d, 12));
  const sunday = new Date(monday.getTime() + 6 * 86_400_000);
  return f.t('common.week_range', { from: fmt.format(monday), to: fmt.format(sunday) });
}
