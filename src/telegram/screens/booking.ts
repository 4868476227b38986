import type { BookingKind, DeliveryCentre, Order, Slot } from '../../db/schema/index.js';
import type { DayAvailability } from '../../domain/bookings/service.js';
import { escapeHtml } from '../../i18n.js';
import { cb } from '../callback-data.js';
import type { Fmt } from '../format.js';
import type { Screen } from '../screen.js';
import { button, menuButton, rows } from './common.js';
import type { BookingView } from '../../domain/bookings/views.js';
import { bookingLine } from './common.js';

/** "Back" to the order being booked for (`back` is the callback data of its screen: a car or a store order). */
const backToOrder = (f: Fmt, back: string) => [button(f.t('nav.back'), back), menuButton(f)];

export function pickOrder(f: Fmt, kind: BookingKind, orders: Order[]): Screen {
  if (orders.length === 0) {
    return {
      text: f.t(`booking.no_paid_order_${kind}`),
      keyboard: [[button(f.t('menu.browse'), cb.models.pack({}))], [button(f.t('menu.orders'), cb.orders.pack({})), menuButton(f)]],
    };
  }
  const data = (id: number) => (kind === 'delivery' ? cb.bookDelivery.pack({ orderId: id }) : cb.bookInstallation.pack({ orderId: id }));
  return {
    text: f.t('booking.pick_order'),
    keyboard: [...orders.map((o) => [button(`${o.number} · ${o.snapshot.modelName}`, data(o.id))]), [menuButton(f)]],
  };
}

export function deliveryMethod(f: Fmt, order: Order, cityName: string): Screen {
  return {
    text: f.t('booking.delivery_method', { number: order.number, city: escapeHtml(cityName) }),
    keyboard: [
      [button(f.t('booking.method_home'), cb.deliveryMethod.pack({ method: 'home' }))],
      [button(f.t('booking.method_pickup'), cb.deliveryMethod.pack({ method: 'pickup' }))],
      backToOrder(f, cb.orderDetail.pack({ orderId: order.id })),
    ],
  };
}

/** A store order's installation: the city whose installers come (a store order has no city). */
export function cityPicker(f: Fmt, cities: Array<Pick<DeliveryCentre, 'city' | 'cityName'>>, number: string, back: string): Screen {
  return {
    text: f.t('store.install_pick_city', { number }),
    keyboard: [
      ...rows(
        cities.map((c) => button(f.plain(c.cityName), cb.bookCity.pack({ city: c.city }))),
        2,
      ),
      backToOrder(f, back),
    ],
  };
}

export function askAddress(f: Fmt, kind: BookingKind, back: string): Screen {
  return { text: f.t(`booking.ask_address_${kind}`), keyboard: [backToOrder(f, back)] };
}

export function centrePicker(f: Fmt, centres: DeliveryCentre[], back: string): Screen {
  return {
    text: f.t('booking.pick_centre'),
    keyboard: [...centres.map((c) => [button(f.plain(c.name), cb.centre.pack({ centreId: c.id }))]), backToOrder(f, back)],
  };
}

/**
 * The installation's first question. For a car order it first says what the installation costs:
 * the basic one comes with the car, extra materials are charged on site.
 */
export function parkingPicker(f: Fmt, back: string, carOrder: boolean): Screen {
  return {
    text: carOrder ? `${f.t('booking.installation_included')}\n\n${f.t('booking.ask_parking')}` : f.t('booking.ask_parking'),
    keyboard: [
      [button(f.t('booking.parking_garage'), cb.parking.pack({ parking: 'garage' }))],
      [button(f.t('booking.parking_assigned'), cb.parking.pack({ parking: 'assigned' }))],
      [button(f.t('booking.parking_none'), cb.parking.pack({ parking: 'none' }))],
      backToOrder(f, back),
    ],
  };
}

export function permissionPicker(f: Fmt, back: string): Screen {
  return {
    text: f.t('booking.ask_permission'),
    keyboard: [
      [button(f.t('booking.permission_yes'), cb.permission.pack({ answer: 'yes' })), button(f.t('booking.permission_no'), cb.permission.pack({ answer: 'no' }))],
      backToOrder(f, back),
    ],
  };
}

/** Installation cannot be booked: say what is needed instead. */
export function installationBlocked(f: Fmt, reason: 'no_parking' | 'no_permission', back: string): Screen {
  return { text: f.t(`booking.blocked_${reason}`), keyboard: [backToOrder(f, back)] };
}

export function dayPicker(f: Fmt, question: 'home' | 'pickup' | 'installation', days: DayAvailability[], back: string, centre: string): Screen {
  if (days.length === 0) return { text: f.t('booking.no_days'), keyboard: [backToOrder(f, back)] };
  return {
    text: f.t(`booking.pick_day_${question}`, { centre }),
    keyboard: [
      ...rows(
        days.map((d) => button(f.day(d.dateKey), cb.day.pack({ date: d.dateKey }))),
        3,
      ),
      backToOrder(f, back),
    ],
  };
}

export function slotPicker(f: Fmt, kind: BookingKind, dateKey: string, slots: Slot[], back: string): Screen {
  if (slots.length === 0) {
    return { text: f.t('booking.day_full', { day: f.day(dateKey) }), keyboard: [[button(f.t('booking.other_day'), cb.days.pack({}))], backToOrder(f, back)] };
  }
  return {
    text: f.t('booking.pick_slot', { day: f.day(dateKey) }),
    keyboard: [
      ...slots.map((s) => [button(f.t('booking.slot_button', { time: f.timeRange(s.startsAt, s.endsAt), left: s.capacity - s.booked }), cb.slot.pack({ slotId: s.id }))]),
      [button(f.t('booking.other_day'), cb.days.pack({}))],
      backToOrder(f, back),
    ],
  };
}

export function booked(f: Fmt, number: string, back: string, booking: BookingView, rescheduled: boolean): Screen {
  return {
    text: f.t(rescheduled ? 'booking.rescheduled' : 'booking.booked', { number, line: bookingLine(f, booking) }),
    keyboard: [[button(f.t('booking.view_order'), back)], [menuButton(f)]],
  };
}

export function confirmCancelBooking(f: Fmt, booking: BookingView): Screen {
  return {
    text: f.t('booking.confirm_cancel', { line: bookingLine(f, booking) }),
    keyboard: [
      [button(f.t('booking.cancel_yes'), cb.cancelBookingConfirm.pack({ bookingId: booking.id }))],
      [button(f.t('orders.cancel_no'), booking.storeOrderId ? cb.storeOrder.pack({ orderId: booking.storeOrderId }) : cb.orderDetail.pack({ orderId: booking.orderId! }))],
    ],
  };
}
