import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgSequence, pgTable, primaryKey, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { LocalizedText } from './catalog.js';
import { customers, timestamps } from './customers.js';
import { paymentRefundColumns } from './orders.js';

/** The flagship store: products with variants (size, colour, model fit) and stock per variant. */
export const storeCategories = ['charging', 'accessories', 'apparel'] as const;
export type StoreCategory = (typeof storeCategories)[number];

export const storeProducts = pgTable(
  'store_products',
  {
    id: text('id').primaryKey(),
    category: text('category').$type<StoreCategory>().notNull(),
    name: jsonb('name').$type<LocalizedText>().notNull(),
    description: jsonb('description').$type<LocalizedText>().notNull(),
    photoUrl: text('photo_url').notNull(),
    /** Car models an accessory fits ('model-3', 'model-y'); empty for anything that fits all. */
    fitsModels: jsonb('fits_models').$type<string[]>().notNull().default([]),
    /** Buying it offers a home-charger installation (the Wall Connector). */
    needsInstallation: boolean('needs_installation').notNull().default(false),
    sort: integer('sort').notNull().default(0),
    /** Taken off the shelf by ops (/stock): customers no longer see it or buy it; invoices out there are refused at pre-checkout. */
    hidden: boolean('hidden').notNull().default(false),
  },
  (t) => [index('store_products_category_idx').on(t.category, t.sort), check('store_products_category', sql`${t.category} in ('charging','accessories','apparel')`)],
);

/** What a variant differs in; absent keys do not apply (a Wall Connector has no size). */
export interface VariantAttributes {
  label?: LocalizedText;
  size?: string;
  colour?: LocalizedText;
  model?: string;
}

export const storeVariants = pgTable(
  'store_variants',
  {
    id: text('id').primaryKey(),
    productId: text('product_id')
      .notNull()
      .references(() => storeProducts.id),
    attributes: jsonb('attributes').$type<VariantAttributes>().notNull().default({}),
    priceFen: integer('price_fen').notNull(),
    /** Units on the shelf. */
    stock: integer('stock').notNull(),
    /** Units reserved by pre-checkout holds, not yet paid. Sellable = stock - held. */
    held: integer('held').notNull().default(0),
    sort: integer('sort').notNull().default(0),
    /** As a product's `hidden`, for one variant. */
    hidden: boolean('hidden').notNull().default(false),
    /** Ops are told once when the stock falls below this after a sale (0: never). */
    lowStockThreshold: integer('low_stock_threshold').notNull().default(0),
    /** When ops were told; cleared when the stock is back at or above the threshold (re-armed). */
    lowStockAlertedAt: timestamp('low_stock_alerted_at', { withTimezone: true }),
  },
  (t) => [
    index('store_variants_product_idx').on(t.productId),
    check('store_variants_price_positive', sql`${t.priceFen} > 0`),
    check('store_variants_threshold', sql`${t.lowStockThreshold} >= 0`),
    // The guarded UPDATEs in the store service keep this true; the CHECK is the backstop.
    check('store_variants_stock', sql`${t.held} >= 0 and ${t.stock} >= ${t.held}`),
  ],
);

/** A customer's cart, one row per variant; rows untouched for 30 days are pruned. */
export const cartItems = pgTable(
  'cart_items',
  {
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    variantId: text('variant_id')
      .notNull()
      .references(() => storeVariants.id),
    qty: integer('qty').notNull(),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.customerId, t.variantId] }), check('cart_items_qty', sql`${t.qty} between 1 and 99`), index('cart_items_updated_idx').on(t.updatedAt)],
);

/** Shipping addresses a customer used, offered again at the next checkout (newest first). */
export const storeAddresses = pgTable(
  'store_addresses',
  {
    id: serial('id').primaryKey(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    recipient: text('recipient').notNull(),
    phone: text('phone').notNull(),
    city: text('city').notNull(),
    /** One line, as shown and as printed on the parcel. */
    address: text('address').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('store_addresses_uq').on(t.customerId, t.recipient, t.phone, t.address), index('store_addresses_used_idx').on(t.usedAt)],
);

export const storeOrderStates = ['pending_payment', 'paid', 'shipped', 'delivered', 'cancelled', 'expired', 'needs_refund', 'refunded'] as const;
export type StoreOrderState = (typeof storeOrderStates)[number];
export const shippingOptions = ['standard', 'express'] as const;
export type ShippingOption = (typeof shippingOptions)[number];

export const storeOrderNumberSeq = pgSequence('store_order_number_seq', { startWith: 10001 });

export const storeOrders = pgTable(
  'store_orders',
  {
    id: serial('id').primaryKey(),
    /** S10001: a different letter from car orders (TJ…), so staff can tell them apart. */
    number: text('number')
      .notNull()
      .unique()
      .default(sql`'S' || nextval('store_order_number_seq')`),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    state: text('state').$type<StoreOrderState>().notNull().default('pending_payment'),
    /** Goods only, at the prices on the invoice. */
    goodsFen: integer('goods_fen').notNull(),
    /** Null until chosen (Telegram's shipping options are picked inside the invoice). */
    shipping: text('shipping').$type<ShippingOption>(),
    shippingFen: integer('shipping_fen'),
    currency: text('currency').notNull().default('CNY'),
    recipient: text('recipient'),
    phone: text('phone'),
    address: text('address'),
    /** Set while stock is reserved for this order (pre-checkout passed, payment not yet in). */
    holdExpiresAt: timestamp('hold_expires_at', { withTimezone: true }),
    carrier: text('carrier'),
    trackingNo: text('tracking_no'),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    shippedAt: timestamp('shipped_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    index('store_orders_customer_idx').on(t.customerId),
    index('store_orders_state_idx').on(t.state),
    index('store_orders_paid_idx').on(t.paidAt),
    check('store_orders_state', sql`${t.state} in ('pending_payment','paid','shipped','delivered','cancelled','expired','needs_refund','refunded')`),
    check('store_orders_goods_positive', sql`${t.goodsFen} > 0`),
  ],
);

export const storeOrderLines = pgTable(
  'store_order_lines',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => storeOrders.id),
    variantId: text('variant_id')
      .notNull()
      .references(() => storeVariants.id),
    /** Product name and variant label as they were when the order was placed. */
    name: jsonb('name').$type<LocalizedText>().notNull(),
    qty: integer('qty').notNull(),
    unitPriceFen: integer('unit_price_fen').notNull(),
  },
  (t) => [index('store_order_lines_order_idx').on(t.orderId), check('store_order_lines_qty', sql`${t.qty} > 0`)],
);

export const storePayments = pgTable(
  'store_payments',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => storeOrders.id),
    /** Telegram's idempotency key: a payment update delivered twice is recorded once. */
    telegramPaymentChargeId: text('telegram_payment_charge_id').notNull().unique(),
    providerPaymentChargeId: text('provider_payment_charge_id').notNull(),
    amountFen: integer('amount_fen').notNull(),
    currency: text('currency').notNull(),
    payerTelegramId: bigint('payer_telegram_id', { mode: 'number' }).notNull(),
    /** Applied, or kept for a refund (as car deposits: src/db/schema/orders.ts). */
    ...paymentRefundColumns(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('store_payments_refund_needed_idx')
      .on(t.id)
      .where(sql`${t.status} = 'refund_needed'`),
    check('store_payments_status', sql`${t.status} in ('applied','refund_needed','refunded')`),
  ],
);

/** Audit: one row per state change of a store order (and per hold placed or released). */
export const storeOrderEvents = pgTable(
  'store_order_events',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => storeOrders.id),
    fromState: text('from_state'),
    toState: text('to_state').notNull(),
    actor: text('actor').notNull(),
    note: text('note'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('store_order_events_order_idx').on(t.orderId)],
);

export type StoreProduct = typeof storeProducts.$inferSelect;
export type StoreVariant = typeof storeVariants.$inferSelect;
export type CartItem = typeof cartItems.$inferSelect;
export type StoreAddress = typeof storeAddresses.$inferSelect;
export type StoreOrder = typeof storeOrders.$inferSelect;
export type StoreOrderLine = typeof storeOrderLines.$inferSelect;
export type StorePayment = typeof storePayments.$inferSelect;
