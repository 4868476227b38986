/**
 * Typed callback data. Each codec owns a short prefix and a fixed list of fields; `pack` checks
 * the 64-byte limit, `unpack` validates every field, so handlers receive clean values or nothing.
 * The values are still only claims: handlers check that an order or booking belongs to the sender.
 */

type FieldKind = 'id' | 'int' | 'count' | 'date' | 'enum';
interface FieldSpec {
  kind: FieldKind;
  values?: readonly string[];
}

const patterns: Record<Exclude<FieldKind, 'enum'>, RegExp> = {
  id: /^[a-z0-9][a-z0-9-]{0,31}$/,
  int: /^[1-9]\d{0,9}$/,
  /** A quantity that may be 0 (store: the quantity the customer saw, against double taps). */
  count: /^(?:0|[1-9]\d{0,9})$/,
  date: /^\d{8}$/,
};

/** 'YYYYMMDD' naming a real day (no 2026-13-99). */
function isCalendarDate(raw: string): boolean {
  const [y, m, d] = [Number(raw.slice(0, 4)), Number(raw.slice(4, 6)), Number(raw.slice(6))];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

type Values<F extends Record<string, FieldSpec>> = {
  [K in keyof F]: F[K]['kind'] extends 'int' | 'count' ? number : F[K] extends { values: readonly (infer V)[] } ? V : string;
};

export interface Codec<F extends Record<string, FieldSpec>> {
  prefix: string;
  pack(values: Values<F>): string;
  unpack(data: string): Values<F> | null;
  /** Unpacks the data of the callback query in `ctx`, or null when absent or invalid. */
  read(ctx: { callbackQuery?: object | undefined }): Values<F> | null;
  /** A RegExp matching this codec's data, for `composer.action`. */
  trigger: RegExp;
}

export function codec<F extends Record<string, FieldSpec>>(prefix: string, fields: F = {} as F): Codec<F> {
  const names = Object.keys(fields) as Array<keyof F & string>;
  const trigger = new RegExp(`^${prefix}(?::|$)`);
  const self: Codec<F> = {
    prefix,
    trigger,
    read(ctx) {
      const q = ctx.callbackQuery;
      return q && 'data' in q && typeof q.data === 'string' ? self.unpack(q.data) : null;
    },
    pack(values) {
      const parts = names.map((n) => {
        const v = values[n];
        return n in values && fields[n]!.kind === 'date' ? String(v).replace(/-/g, '') : String(v);
      });
      const data = [prefix, ...parts].join(':');
      if (Buffer.byteLength(data) > 64) throw new Error(`callback data over 64 bytes: ${data}`);
      return data;
    },
    unpack(data) {
      const [head, ...parts] = data.split(':');
      if (head !== prefix || parts.length !== names.length) return null;
      const out: Record<string, unknown> = {};
      for (const [i, name] of names.entries()) {
        const spec = fields[name]!;
        const raw = parts[i]!;
        if (spec.kind === 'enum') {
          if (!spec.values!.includes(raw)) return null;
          out[name] = raw;
        } else {
          if (!patterns[spec.kind].test(raw)) return null;
          if (spec.kind === 'date' && !isCalendarDate(raw)) return null;
          out[name] = spec.kind === 'int' || spec.kind === 'count' ? Number(raw) : spec.kind === 'date' ? `${raw.slice(0, 4)}-${raw.slice(4, 6)}-${raw.slice(6)}` : raw;
        }
      }
      return out as Values<F>;
    },
  };
  return self;
}

const id = { kind: 'id' } as const;
const int = { kind: 'int' } as const;
const count = { kind: 'count' } as const;
const date = { kind: 'date' } as const;
const oneOf = <V extends string>(...values: V[]) => ({ kind: 'enum', values }) as const;

export const cb = {
  menu: codec('menu'),
  help: codec('help'),
  language: codec('lang', { locale: oneOf('zh-CN', 'en') }),
  // Browsing and configuring
  models: codec('models'),
  model: codec('model', { modelId: id }),
  configure: codec('cfg', { modelId: id }),
  choose: codec('pick', { step: oneOf('trim', 'paint', 'wheels', 'interior'), optionId: id }),
  back: codec('back', { to: oneOf('models', 'model', 'trim', 'paint', 'wheels', 'interior', 'summary') }),
  /** The summary's "change": the picker of what to change, then the one step to answer again. */
  changePick: codec('chg'),
  change: codec('chg1', { step: oneOf('trim', 'paint', 'wheels', 'interior') }),
  orderStart: codec('order'),
  useName: codec('usename'),
  city: codec('city', { city: id }),
  /** The city picker's "my city is not listed", and "tell me when delivery opens there". */
  cityOther: codec('cityx'),
  waitlist: codec('wait'),
  /** The confirmation screen: change one answer, or accept the terms and place the order. */
  orderEdit: codec('oe', { field: oneOf('name', 'phone', 'city') }),
  orderConfirm: codec('ook'),
  /** Back to the confirmation screen from changing an answer, the answer unchanged. */
  orderReview: codec('orv'),
  // Deposit
  pay: codec('pay', { orderId: int }),
  // My orders
  orders: codec('orders'),
  orderDetail: codec('od', { orderId: int }),
  cancelOrder: codec('oc', { orderId: int }),
  cancelOrderConfirm: codec('ocy', { orderId: int }),
  // Bookings
  bookDelivery: codec('bd', { orderId: int }),
  bookInstallation: codec('bi', { orderId: int }),
  /** Before the car is ready: a preferred delivery week (its Monday), or the picker of weeks. */
  preferWeek: codec('pw', { orderId: int }),
  preferWeekPick: codec('pwk', { orderId: int, date }),
  bookPick: codec('bk', { kind: oneOf('delivery', 'installation') }),
  deliveryMethod: codec('dm', { method: oneOf('home', 'pickup') }),
  centre: codec('dc', { centreId: id }),
  parking: codec('park', { parking: oneOf('garage', 'assigned', 'none') }),
  permission: codec('perm', { answer: oneOf('yes', 'no') }),
  days: codec('days'),
  day: codec('day', { date }),
  slot: codec('slot', { slotId: int }),
  reschedule: codec('rs', { bookingId: int }),
  cancelBooking: codec('bx', { bookingId: int }),
  cancelBookingConfirm: codec('bxy', { bookingId: int }),
  // After delivery: the 3-day check-in
  rate: codec('rate', { orderId: int, score: oneOf('1', '2', '3', '4', '5') }),
  checkinHelp: codec('chelp', { orderId: int }),
  // Operations staff (role checked from the database on every press)
  opsList: codec('ops'),
  opsOrder: codec('oo', { orderId: int }),
  opsAllocate: codec('oa', { orderId: int }),
  opsReady: codec('or', { orderId: int }),
  opsDelivered: codec('ox', { orderId: int }),
  /** "Mark delivered" asks first; this is the "yes" (a double press of the first button cannot deliver). */
  opsDeliveredConfirm: codec('oxy', { orderId: int }),
  opsInstalled: codec('oi', { installationId: int }),
  /** A payment kept for a refund (car deposit or store payment): shows it; the "yes" marks it refunded. */
  opsRefund: codec('orf', { kind: oneOf('car', 'store'), paymentId: int }),
  opsRefundConfirm: codec('orfy', { kind: oneOf('car', 'store'), paymentId: int }),
  // Support handoff (customer side: talk, end, continue, rate; agents in the support group: claim, close)
  supportTalk: codec('spt'),
  supportEnd: codec('spe'),
  supportContinue: codec('spc'),
  supportRate: codec('spr', { conversationId: int, score: oneOf('1', '2', '3', '4', '5') }),
  supportClaim: codec('spk', { conversationId: int }),
  supportClose: codec('spx', { conversationId: int }),
  // Campaigns (composer and controls: marketer or admin, checked from the database on every press)
  campaignLocale: codec('cml', { locale: oneOf('zh-CN', 'en') }),
  campaignNoButtons: codec('cmnb'),
  campaignSecond: codec('cm2', { answer: oneOf('add', 'skip') }),
  campaignSegment: codec('cms', { field: oneOf('lang', 'models', 'orders', 'cities', 'active', 'source', 'back', 'next') }),
  campaignToggle: codec('cmt', { field: oneOf('models', 'orders', 'cities'), value: id }),
  campaignNow: codec('cmnow'),
  campaignConfirm: codec('cmok'),
  campaignAbort: codec('cmx'),
  campaignControl: codec('cmc', { action: oneOf('pause', 'resume', 'cancel', 'refresh'), campaignId: int }),
  // Campaigns (customer side: buttons on a campaign message, consent, settings)
  campaignUnsubscribe: codec('cmu', { campaignId: int }),
  campaignModel: codec('cmm', { campaignId: int, button: int }),
  campaignPreview: codec('cmpv'),
  consent: codec('consent', { answer: oneOf('yes', 'no', 'lang', 'lang_en', 'lang_zh') }),
  // /deletemydata's confirmation (src/bot/features/privacy): erase or keep.
  eraseData: codec('erase', { answer: oneOf('yes', 'no') }),
  settings: codec('settings', { what: oneOf('open', 'news', 'lang', 'news_on', 'news_off', 'lang_en', 'lang_zh', 'report_on', 'report_off') }),
  // Reports (manager or admin role, checked on every press)
  reportMenu: codec('rpm'),
  reportKind: codec('rpk', { kind: oneOf('funnel', 'revenue', 'campaigns', 'support', 'fulfilment') }),
  reportRun: codec('rpr', { kind: oneOf('funnel', 'revenue', 'campaigns', 'support', 'fulfilment'), period: oneOf('today', '7d', '30d') }),
  reportCustom: codec('rpc', { kind: oneOf('funnel', 'revenue', 'campaigns', 'support', 'fulfilment') }),
  // Store (every variant and order id is checked against the database and the sender)
  storeHome: codec('sh'),
  storeCategory: codec('shc', { category: oneOf('charging', 'accessories', 'apparel'), page: int }),
  storeProduct: codec('shp', { productId: id }),
  storeVariant: codec('shv', { variantId: id }),
  // `have`: the quantity in the cart the customer saw; a press whose `have` is out of date (a double tap) changes nothing.
  storeAdd: codec('sha', { variantId: id, have: count }),
  storeCart: codec('shk'),
  storeCartQty: codec('shq', { variantId: id, op: oneOf('inc', 'dec', 'del'), have: count }),
  storeCheckout: codec('shx'),
  storeAddress: codec('shad', { addressId: int }),
  storeNewAddress: codec('shn'),
  storeShipping: codec('shs', { option: oneOf('standard', 'express') }),
  storeOrder: codec('sho', { orderId: int }),
  storeInstall: codec('shi', { orderId: int }),
  bookCity: codec('bcity', { city: id }),
  // Store orders in /ops (ops or admin role, checked on every press)
  opsStoreList: codec('osl'),
  opsStoreOrder: codec('oso', { orderId: int }),
  opsStoreShip: codec('oss', { orderId: int }),
  opsStoreDelivered: codec('osd', { orderId: int }),
  opsStoreDeliveredConfirm: codec('osdy', { orderId: int }),
} as const;

export type CallbackCodecs = typeof cb;
