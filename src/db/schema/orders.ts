import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgSequence, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { carModels } from './catalog.js';
import { customers, timestamps } from './customers.js';

/** What the customer configured, with the prices as they were when the order was placed. */
export interface OrderSnapshot {
  modelId: string;
  modelName: string;
  trim: { id: string; name: { 'zh-CN': string; en: string }; priceFen: number };
  options: Array<{ id: string; kind: 'paint' | 'wheels' | 'interior'; name: { 'zh-CN': string; en: string }; priceFen: number }>;
}

/**
 * The car order lifecycle's states; which may follow which is in src/domain/orders/transitions.ts.
 * The CHECK on orders.state lists the same values.
 */
export const orderStates = [
  'awaiting_deposit',
  'deposit_paid',
  'vehicle_allocated',
  'ready_for_delivery',
  'delivery_scheduled',
  'delivered',
  'cancelled',
  'expired',
  'refund_requested',
  'refunded',
] as const;
export type OrderState = (typeof orderStates)[number];

export const refundPolicies = ['until_vin', 'until_delivery'] as const;
export type RefundPolicy = (typeof refundPolicies)[number];

export const orderNumberSeq = pgSequence('order_number_seq', { startWith: 100001 });

export const orders = pgTable(
  'orders',
  {
    id: serial('id').primaryKey(),
    /** Human-readable, e.g. TJ100042: short enough to read out on the phone. */
    number: text('number')
      .notNull()
      .unique()
      .default(sql`'TJ' || nextval('order_number_seq')`),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    modelId: text('model_id')
      .notNull()
      .references(() => carModels.id),
    snapshot: jsonb('snapshot').$type<OrderSnapshot>().notNull(),
    totalFen: integer('total_fen').notNull(),
    depositFen: integer('deposit_fen').notNull(),
    currency: text('currency').notNull().default('CNY'),
    state: text('state').$type<OrderState>().notNull(),
    contactName: text('contact_name').notNull(),
    phone: text('phone').notNull(),
    city: text('city').notNull(),
    vin: text('vin'),
    /** Monday of the week the car is expected, set when a vehicle is allocated. */
    expectedDeliveryWeek: timestamp('expected_delivery_week', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    /**
     * The customer's press that placed the order (a key kept in the chat state while ordering, see
     * src/bot/features/order/order.ts): a rerun of that press finds this order instead of making another.
     */
    requestKey: text('request_key'),
    /**
     * Until when the deposit is refunded in full on cancel, frozen when the order is placed
     * (src/domain/orders/refund-policy.ts): 'until_vin' (not once a VIN is allocated) or 'until_delivery'.
     */
    refundPolicy: text('refund_policy').$type<RefundPolicy>().notNull().default('until_vin'),
    /** When the customer accepted the deposit terms (the confirmation screen's "同意并支付"). */
    termsAcceptedAt: timestamp('terms_accepted_at', { withTimezone: true }),
    /** Monday (local date, YYYY-MM-DD) of the week the customer would like delivery: a wish shown to ops, not a booking. */
    preferredDeliveryWeek: text('preferred_delivery_week'),
    ...timestamps,
  },
  (t) => [
    index('orders_customer_idx').on(t.customerId),
    uniqueIndex('orders_request_key_uq')
      .on(t.customerId, t.requestKey)
      .where(sql`${t.requestKey} is not null`),
    index('orders_state_idx').on(t.state),
    // Reports count orders placed in a period (src/domain/reports).
    index('orders_created_idx').on(t.createdAt),
    // The funnel over a long period reads every order once in id order, beside its payments' and
    // events' ids in the same order (merge joins): this covers the columns it needs (index-only).
    index('orders_report_idx').on(t.id, t.createdAt, t.modelId, t.city),
    // The fulfilment report: orders still waiting, per state and age (few beside the closed history).
    index('orders_waiting_idx')
      .on(t.state, t.createdAt)
      .where(sql`${t.state} in ('awaiting_deposit','deposit_paid','vehicle_allocated','ready_for_delivery','delivery_scheduled','refund_requested')`),
    // One car, one order: the service checks first, this is the backstop.
    uniqueIndex('orders_vin_uq')
      .on(t.vin)
      .where(sql`${t.vin} is not null`),
    check('orders_refund_policy', sql`${t.refundPolicy} in ('until_vin','until_delivery')`),
    check('orders_total_positive', sql`${t.totalFen} > 0 and ${t.depositFen} > 0`),
    check(
      'orders_state',
      sql`${t.state} in ('awaiting_deposit','deposit_paid','vehicle_allocated','ready_for_delivery','delivery_scheduled','delivered','cancelled','expired','refund_requested','refunded')`,
    ),
  ],
);

export const orderEvents = pgTable(
  'order_events',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    /** What changed state: the car order itself, its charger installation, or one of its payments (refunds). */
    subject: text('subject').$type<'order' | 'installation' | 'payment'>().notNull().default('order'),
    fromState: text('from_state'),
    toState: text('to_state').notNull(),
    /** 'customer:<telegram id>', 'staff:<telegram id>' or 'system'. */
    actor: text('actor').notNull(),
    note: text('note'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('order_events_order_idx').on(t.orderId),
    // Reports: orders that reached a state (allocated, delivered) in a period.
    index('order_events_state_created_idx').on(t.toState, t.createdAt),
    // The funnel's allocated and delivered steps, by order (index-only, in order id order).
    index('order_events_order_step_idx')
      .on(t.orderId, t.toState, t.createdAt)
      .where(sql`${t.subject} = 'order' and ${t.toState} in ('vehicle_allocated','delivered')`),
  ],
);

/**
 * What became of a payment: it paid its order (`applied`), or it could not be applied and its money
 * must go back (`refund_needed`, listed in the ops worklist) until staff mark it `refunded`.
 */
export const paymentStatuses = ['applied', 'refund_needed', 'refunded'] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];
/** Why a payment could not be applied to its order. */
export const paymentProblems = ['order_closed', 'already_paid', 'amount_mismatch', 'currency_mismatch', 'payer_mismatch', 'sold_out'] as const;
export type PaymentProblem = (typeof paymentProblems)[number];

/** The refund columns shared by car deposits (payments) and store payments (store_payments). */
export const paymentRefundColumns = () => ({
  /** When the payer was told the outcome (receipt or refund notice): a redelivered update that finds it null tells them. */
  receiptSentAt: timestamp('receipt_sent_at', { withTimezone: true }),
  status: text('status').$type<PaymentStatus>().notNull().default('applied'),
  problem: text('problem').$type<PaymentProblem>(),
  /** Who marked the money returned ('staff:<id>' or 'cli:<user>'), and when. */
  refundedBy: text('refunded_by'),
  refundedAt: timestamp('refunded_at', { withTimezone: true }),
});

export const payments = pgTable(
  'payments',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    /** Telegram's idempotency key: a payment update delivered twice is recorded once. */
    telegramPaymentChargeId: text('telegram_payment_charge_id').notNull().unique(),
    providerPaymentChargeId: text('provider_payment_charge_id').notNull(),
    amountFen: integer('amount_fen').notNull(),
    currency: text('currency').notNull(),
    payerTelegramId: bigint('payer_telegram_id', { mode: 'number' }).notNull(),
    ...paymentRefundColumns(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('payments_order_idx').on(t.orderId),
    index('payments_created_idx').on(t.createdAt),
    // The funnel's deposit step, by order (index-only, in order id order).
    index('payments_order_paid_idx')
      .on(t.orderId, t.createdAt)
      .where(sql`${t.problem} is null`),
    index('payments_refund_needed_idx')
      .on(t.id)
      .where(sql`${t.status} = 'refund_needed'`),
    check('payments_status', sql`${t.status} in ('applied','refund_needed','refunded')`),
  ],
);

/** Answers to questions the bot asks after the fact (the 3-day delivery check-in). */
export const feedback = pgTable(
  'feedback',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    kind: text('kind').$type<'delivery_checkin'>().notNull(),
    score: integer('score').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('feedback_order_kind_uq').on(t.orderId, t.kind), check('feedback_score', sql`${t.score} between 1 and 5`)],
);

export type Order = typeof orders.$inferSelect;
export type Feedback = typeof feedback.$inferSelect;
export type OrderEvent = typeof orderEvents.$inferSelect;
export type Payment = typeof payments.$inferSelect;

/**
 * Payments whose invoice payload names no order of ours (a deposit's or a store order's): the
 * money is real if Telegram says it arrived, so it is kept here for ops to refund, once per charge.
 */
export const unmatchedPayments = pgTable('unmatched_payments', {
  id: serial('id').primaryKey(),
  /** 'deposit' or 'store': whose handler received it. */
  kind: text('kind').notNull(),
  telegramPaymentChargeId: text('telegram_payment_charge_id').notNull().unique(),
  providerPaymentChargeId: text('provider_payment_charge_id').notNull(),
  payload: text('payload').notNull(),
  amount: integer('amount').notNull(),
  currency: text('currency').notNull(),
  payerTelegramId: bigint('payer_telegram_id', { mode: 'number' }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
