import { and, asc, count, eq, inArray, lt, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import {
  cartItems,
  orders,
  storeAddresses,
  storeProducts,
  storeVariants,
  type OrderState,
  type StoreAddress,
  type StoreCategory,
  type StoreProduct,
  type StoreVariant,
} from '../../db/schema/index.js';
import { AppError } from '../../shared/errors.js';
import { CART_DAYS, MAX_QTY, PAGE_SIZE } from './rules.js';

export type VariantView = StoreVariant & { available: number };
export interface ProductView {
  product: StoreProduct;
  variants: VariantView[];
}

export type CartProblem = 'sold_out' | 'not_enough';
export interface CartLine {
  product: StoreProduct;
  variant: VariantView;
  qty: number;
  lineFen: number;
  /** Set when the line cannot be bought as it stands: nothing left, or fewer than in the cart. */
  problem: CartProblem | null;
}
export interface Cart {
  lines: CartLine[];
  goodsFen: number;
  hasProblems: boolean;
}

/** Raised for a change the stock or the rules do not allow; the code maps to `store.errors.<code>`. */
export class StoreError extends AppError<'sold_out' | 'not_enough' | 'unknown_variant' | 'max_qty' | 'not_in_cart' | 'cart_changed'> {}

const available = (v: StoreVariant): number => Math.max(0, v.stock - v.held);
/** A product customers see: not hidden by ops, with at least one variant that is not hidden either. */
const onSale = and(
  eq(storeProducts.hidden, false),
  sql`exists (select 1 from ${storeVariants} where ${storeVariants.productId} = ${storeProducts.id} and not ${storeVariants.hidden})`,
);

/** A press made on a screen that showed `expected` in the cart, checked under the row lock. */
function expectQty(variantId: string, current: number, expected: number | undefined) {
  if (expected !== undefined && current !== expected) {
    throw new StoreError('cart_changed', `variant ${variantId}: ${current} in the cart, the press saw ${expected}`, { qty: current });
  }
}
const view = (v: StoreVariant): VariantView => ({ ...v, available: available(v) });

/** Car orders that count for "fits your Model Y": any the customer has not walked away from. */
const CLOSED_CAR_ORDER_STATES: OrderState[] = ['cancelled', 'expired', 'refund_requested', 'refunded'];

export interface StoreServiceOptions {
  db: Db;
  now?: () => Date;
}

/**
 * The store's catalog and the customer's cart (rows in Postgres, so a restart loses nothing).
 * Cart changes check the stock as it is now; the stock is only reserved at pre-checkout
 * (checkout.ts), so a cart never keeps units from other customers.
 */
export class StoreService {
  private readonly db: Db;
  private readonly now: () => Date;

  constructor(opts: StoreServiceOptions) {
    this.db = opts.db;
    this.now = opts.now ?? (() => new Date());
  }

  async categories(): Promise<Array<{ category: StoreCategory; products: number }>> {
    const rows = await this.db.select({ category: storeProducts.category, products: count() }).from(storeProducts).where(onSale).groupBy(storeProducts.category);
    const order: StoreCategory[] = ['charging', 'accessories', 'apparel'];
    return order.map((c) => ({ category: c, products: rows.find((r) => r.category === c)?.products ?? 0 })).filter((c) => c.products > 0);
  }

  /** One page (1-based) of a category, with each product's variants; `pages` ≥ 1. */
  async page(category: StoreCategory, page: number): Promise<{ items: ProductView[]; page: number; pages: number }> {
    const all = await this.db
      .select()
      .from(storeProducts)
      .where(and(eq(storeProducts.category, category), onSale))
      .orderBy(asc(storeProducts.sort));
    const pages = Math.max(1, Math.ceil(all.length / PAGE_SIZE));
    const current = Math.min(Math.max(1, page), pages);
    const slice = all.slice((current - 1) * PAGE_SIZE, current * PAGE_SIZE);
    const variants = slice.length
      ? await this.db
          .select()
          .from(storeVariants)
          .where(
            and(
              inArray(
                storeVariants.productId,
                slice.map((p) => p.id),
              ),
              eq(storeVariants.hidden, false),
            ),
          )
          .orderBy(asc(storeVariants.sort))
      : [];
    return { items: slice.map((p) => ({ product: p, variants: variants.filter((v) => v.productId === p.id).map(view) })), page: current, pages };
  }

  async product(id: string): Promise<ProductView | null> {
    const [product] = await this.db.select().from(storeProducts).where(eq(storeProducts.id, id));
    if (!product || product.hidden) return null;
    const variants = await this.db
      .select()
      .from(storeVariants)
      .where(and(eq(storeVariants.productId, id), eq(storeVariants.hidden, false)))
      .orderBy(asc(storeVariants.sort));
    return variants.length ? { product, variants: variants.map(view) } : null;
  }

  /** The product a variant id names, or null for an id that names nothing (forged or removed). */
  async productOfVariant(variantId: string): Promise<{ product: ProductView; variant: VariantView } | null> {
    const [v] = await this.db.select({ productId: storeVariants.productId }).from(storeVariants).where(eq(storeVariants.id, variantId));
    const product = v && (await this.product(v.productId));
    const variant = product?.variants.find((x) => x.id === variantId);
    return product && variant ? { product, variant } : null;
  }

  /** Model ids of the customer's live car orders ('model-y'), for "fits your Model Y". */
  async customerModels(customerId: number): Promise<string[]> {
    const rows = await this.db
      .selectDistinct({ modelId: orders.modelId })
      .from(orders)
      .where(and(eq(orders.customerId, customerId), notInArray(orders.state, CLOSED_CAR_ORDER_STATES)));
    return rows.map((r) => r.modelId);
  }

  /** The cart as it stands, each line checked against the stock; rows older than 30 days are dropped first. */
  async cart(customerId: number): Promise<Cart> {
    const cutoff = new Date(this.now().getTime() - CART_DAYS * 86_400_000);
    await this.db.delete(cartItems).where(and(eq(cartItems.customerId, customerId), lt(cartItems.updatedAt, cutoff)));
    const rows = await this.db
      .select({ qty: cartItems.qty, variant: storeVariants, product: storeProducts })
      .from(cartItems)
      .innerJoin(storeVariants, eq(storeVariants.id, cartItems.variantId))
      .innerJoin(storeProducts, eq(storeProducts.id, storeVariants.productId))
      .where(eq(cartItems.customerId, customerId))
      .orderBy(asc(cartItems.createdAt), asc(storeVariants.id));
    const lines = rows.map((r): CartLine => {
      const v = view(r.variant);
      // Taken off the shelf by ops (/stock): it cannot be bought, as if sold out.
      const gone = r.product.hidden || r.variant.hidden;
      const problem: CartProblem | null = gone || v.available === 0 ? 'sold_out' : v.available < r.qty ? 'not_enough' : null;
      return { product: r.product, variant: v, qty: r.qty, lineFen: r.qty * v.priceFen, problem };
    });
    return { lines, goodsFen: lines.reduce((s, l) => s + l.lineFen, 0), hasProblems: lines.some((l) => l.problem) };
  }

  async cartCount(customerId: number): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`coalesce(sum(${cartItems.qty}), 0)::int` })
      .from(cartItems)
      .where(eq(cartItems.customerId, customerId));
    return row?.n ?? 0;
  }

  /**
   * Adds one unit (or `qty`); refuses more than the shelf has right now. Returns the new quantity.
   * `expected`: the quantity the customer saw in the cart when pressing; if the cart no longer
   * has that many (a double tap already added one), nothing changes (`cart_changed`).
   */
  async add(customerId: number, variantId: string, qty = 1, expected?: number): Promise<number> {
    return this.setQty(customerId, variantId, (current) => {
      expectQty(variantId, current, expected);
      return current + qty;
    });
  }

  /** +1 / −1 on a cart line; −1 on the last unit removes the line (returns 0). `expected` as for add. */
  async change(customerId: number, variantId: string, delta: 1 | -1, expected?: number): Promise<number> {
    return this.setQty(customerId, variantId, (current) => {
      if (current === 0) throw new StoreError('not_in_cart', `variant ${variantId} not in the cart`);
      expectQty(variantId, current, expected);
      return current + delta;
    });
  }

  async remove(customerId: number, variantId: string): Promise<void> {
    await this.db.delete(cartItems).where(and(eq(cartItems.customerId, customerId), eq(cartItems.variantId, variantId)));
  }

  private async setQty(customerId: number, variantId: string, next: (current: number) => number): Promise<number> {
    return this.db.transaction(async (tx) => {
      const [variant] = await tx.select().from(storeVariants).where(eq(storeVariants.id, variantId));
      if (!variant) throw new StoreError('unknown_variant', `no variant ${variantId}`);
      const [product] = await tx.select({ hidden: storeProducts.hidden }).from(storeProducts).where(eq(storeProducts.id, variant.productId));
      const onShelf = !variant.hidden && !product?.hidden;
      const [row] = await tx
        .select({ qty: cartItems.qty })
        .from(cartItems)
        .where(and(eq(cartItems.customerId, customerId), eq(cartItems.variantId, variantId)))
        .for('update');
      const current = row?.qty ?? 0;
      const qty = next(current);
      if (qty <= 0) {
        await tx.delete(cartItems).where(and(eq(cartItems.customerId, customerId), eq(cartItems.variantId, variantId)));
        return 0;
      }
      // Going down is always allowed (it fixes a line that has become too big); going up needs stock.
      if (qty > current) {
        if (!onShelf || available(variant) === 0) throw new StoreError('sold_out', `variant ${variantId} sold out or hidden`);
        if (qty > available(variant)) throw new StoreError('not_enough', `only ${available(variant)} of ${variantId}`, { available: available(variant) });
        if (qty > MAX_QTY) throw new StoreError('max_qty', `at most ${MAX_QTY}`, { max: MAX_QTY });
      }
      const now = this.now();
      await tx
        .insert(cartItems)
        .values({ customerId, variantId, qty, createdAt: now, updatedAt: now })
        .onConflictDoUpdate({ target: [cartItems.customerId, cartItems.variantId], set: { qty, updatedAt: now } });
      // Touching one line keeps the whole cart alive for another 30 days.
      await tx.update(cartItems).set({ updatedAt: now }).where(eq(cartItems.customerId, customerId));
      return qty;
    });
  }

  /** Drops cart rows untouched for 30 days, for every customer (the daily store job). */
  async pruneCarts(): Promise<number> {
    const cutoff = new Date(this.now().getTime() - CART_DAYS * 86_400_000);
    const gone = await this.db.delete(cartItems).where(lt(cartItems.updatedAt, cutoff)).returning({ id: cartItems.variantId });
    return gone.length;
  }

  /** Addresses used before, newest first (at most `limit`). */
  async addresses(customerId: number, limit = 3): Promise<StoreAddress[]> {
    return this.db
      .select()
      .from(storeAddresses)
      .where(eq(storeAddresses.customerId, customerId))
      .orderBy(sql`${storeAddresses.usedAt} desc`)
      .limit(limit);
  }
}
