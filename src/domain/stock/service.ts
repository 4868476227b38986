import { asc, desc, and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.js';
import { catalogAudit, carModels, storeProducts, storeVariants, type CatalogAuditEntity, type CatalogAuditField, type CatalogAuditRow } from '../../db/schema/index.js';
import type { LocalizedText } from '../../db/schema/catalog.js';
import type { StoreCategory, VariantAttributes } from '../../db/schema/store.js';
import { setModelAvailability } from '../catalog/availability.js';
import type { CatalogService } from '../catalog/service.js';
import { variantName } from '../store/types.js';
import { MAX_PRICE_FEN, MAX_UNITS, StockError } from './errors.js';
import { rearmed } from './low-stock.js';

export interface StockVariant {
  id: string;
  productId: string;
  /** Product name with the variant's label, colour, size or model, in both languages. */
  name: LocalizedText;
  attributes: VariantAttributes;
  priceFen: number;
  stock: number;
  held: number;
  hidden: boolean;
  threshold: number;
  /** Ops were told it is low and it has not been restocked since. */
  lowAlerted: boolean;
}
export interface StockProduct {
  id: string;
  category: StoreCategory;
  name: LocalizedText;
  hidden: boolean;
  variants: StockVariant[];
}
export interface StockModel {
  id: string;
  name: string;
  available: boolean;
}
/** A change as it was made: the value it replaced and the value now. */
export interface Change<T> {
  before: T;
  after: T;
}

/** One line of a stock delivery (a CSV row), as read. */
export interface DeliveryLine {
  line: number;
  variantId: string;
  /** The quantity as written; checked here. */
  qty: string;
}
export interface DeliveryResult {
  line: number;
  variantId: string;
  qty: number | null;
  /** restocked: applied; valid: fine, but not applied because another line is bad; error: this line is bad. */
  status: 'restocked' | 'valid' | 'error';
  before?: number;
  after?: number;
  error?: { code: 'unknown_variant' | 'bad_quantity'; qty?: string };
}

/**
 * The catalog without SQL (ops and managers, from /stock and `npm run ops -- stock`): restock, set
 * the stock, change a price, hide or show a product or a variant, a model available or paused, a
 * delivery of stock from a CSV. Every change is one guarded statement that reads the old value under
 * the row lock it takes, with its audit row (who, what, before, after) in the same transaction.
 *
 * A price change never touches what was sold or invoiced: order lines keep their unit prices, and
 * pre-checkout refuses an invoice whose price is no longer the variant's (StorePayments.preCheckout).
 */
export class StockService {
  constructor(
    private readonly db: Db,
    private readonly catalog?: CatalogService,
  ) {}

  // ---- Reading (hidden products and variants included) ----

  async products(): Promise<StockProduct[]> {
    const [products, variants] = await Promise.all([
      this.db.select().from(storeProducts).orderBy(asc(storeProducts.category), asc(storeProducts.sort)),
      this.db.select().from(storeVariants).orderBy(asc(storeVariants.sort)),
    ]);
    return products.map((p) => ({
      id: p.id,
      category: p.category,
      name: p.name,
      hidden: p.hidden,
      variants: variants.filter((v) => v.productId === p.id).map((v) => toVariant(p.name, v)),
    }));
  }

  async product(id: string): Promise<StockProduct | null> {
    const [p] = await this.db.select().from(storeProducts).where(eq(storeProducts.id, id));
    if (!p) return null;
    const variants = await this.db.select().from(storeVariants).where(eq(storeVariants.productId, id)).orderBy(asc(storeVariants.sort));
    return { id: p.id, category: p.category, name: p.name, hidden: p.hidden, variants: variants.map((v) => toVariant(p.name, v)) };
  }

  async variant(id: string): Promise<StockVariant | null> {
    const [row] = await this.db
      .select({ v: storeVariants, name: storeProducts.name })
      .from(storeVariants)
      .innerJoin(storeProducts, eq(storeProducts.id, storeVariants.productId))
      .where(eq(storeVariants.id, id));
    return row ? toVariant(row.name, row.v) : null;
  }

  async models(): Promise<StockModel[]> {
    return this.db.select({ id: carModels.id, name: carModels.name, available: carModels.available }).from(carModels).orderBy(asc(carModels.sort));
  }

  /** The newest audit rows, of one product, variant or model if given. */
  async history(opts: { entity?: CatalogAuditEntity; id?: string; limit?: number } = {}): Promise<CatalogAuditRow[]> {
    const where = opts.id ? and(eq(catalogAudit.entityId, opts.id), opts.entity ? eq(catalogAudit.entity, opts.entity) : undefined) : undefined;
    return this.db
      .select()
      .from(catalogAudit)
      .where(where)
      .orderBy(desc(catalogAudit.id))
      .limit(opts.limit ?? 20);
  }

  // ---- Changes ----

  /**
   * Adds `units` (1 … MAX_UNITS) to the stock; re-arms the low-stock alert once at or above the
   * threshold. `expected`: the stock the person saw; when it is no longer that (a double press, or the
   * same update run again after a crash) nothing is added (stock_changed, with the stock now).
   */
  async restock(variantId: string, units: number, actor: string, opts: { expected?: number; note?: string } = {}): Promise<Change<number>> {
    if (!Number.isInteger(units) || units < 1 || units > MAX_UNITS) throw new StockError('bad_quantity', `restock by ${units}`, { max: MAX_UNITS });
    return this.db.transaction(async (tx) => this.addStock(tx, variantId, units, actor, opts.note ?? `restock +${units}`, opts.expected));
  }

  /** Sets the stock on the shelf; never below the units held by invoices being paid (below_held). */
  async setStock(variantId: string, units: number, actor: string): Promise<Change<number>> {
    if (!Number.isInteger(units) || units < 0 || units > MAX_UNITS) throw new StockError('bad_quantity', `stock ${units}`, { max: MAX_UNITS });
    return this.db.transaction(async (tx) => {
      const change = await this.updateVariant(tx, variantId, 'stock', sql`${units}`, { stock: sql`${units}::int` }, sql`${units} >= old.held`);
      if (!change) {
        const current = await this.variantRow(tx, variantId);
        throw new StockError('below_held', `stock ${units} below held ${current.held}`, { held: current.held });
      }
      await this.audit(tx, actor, 'variant', variantId, 'stock', change, 'set');
      return change;
    });
  }

  /**
   * Sets a variant's price (fen). Carts show the new price at once; order lines and invoices keep
   * theirs, and an invoice at the old price is refused at pre-checkout (the customer checks out again).
   */
  async setPrice(variantId: string, priceFen: number, actor: string): Promise<Change<number>> {
    if (!Number.isInteger(priceFen) || priceFen < 1 || priceFen > MAX_PRICE_FEN) throw new StockError('bad_price', `price ${priceFen}`, { max: MAX_PRICE_FEN });
    return this.db.transaction(async (tx) => {
      const change = await this.updateVariant(tx, variantId, 'price_fen', sql`${priceFen}`, {});
      await this.audit(tx, actor, 'variant', variantId, 'price', change!);
      return change!;
    });
  }

  /** The threshold below which ops are told, once, that a variant runs low (0: never). */
  async setThreshold(variantId: string, threshold: number, actor: string): Promise<Change<number>> {
    if (!Number.isInteger(threshold) || threshold < 0 || threshold > MAX_UNITS) throw new StockError('bad_quantity', `threshold ${threshold}`, { max: MAX_UNITS });
    return this.db.transaction(async (tx) => {
      const change = await this.updateVariant(tx, variantId, 'low_stock_threshold', sql`${threshold}`, { threshold: sql`${threshold}::int` });
      await this.audit(tx, actor, 'variant', variantId, 'threshold', change!);
      return change!;
    });
  }

  /** Hides (true) or shows a variant, or a whole product with its variants. */
  async setHidden(entity: 'product' | 'variant', id: string, hidden: boolean, actor: string): Promise<Change<boolean>> {
    return this.db.transaction(async (tx) => {
      const table = entity === 'product' ? sql`store_products` : sql`store_variants`;
      const rows = await tx.execute<{ before: boolean; after: boolean }>(sql`
        with old as (select id, hidden from ${table} where id = ${id} for update)
        update ${table} t set hidden = ${hidden} from old where t.id = old.id
        returning old.hidden as "before", t.hidden as "after"`);
      const row = rows[0];
      if (!row) throw new StockError(entity === 'product' ? 'unknown_product' : 'unknown_variant', `no ${entity} ${id}`);
      const change = { before: row.before, after: row.after };
      await this.audit(tx, actor, entity, id, 'hidden', change);
      return change;
    });
  }

  /** A car model takes orders (available) or is paused; its card says so at once in this process. */
  async setModelAvailable(modelId: string, available: boolean, actor: string): Promise<Change<boolean>> {
    const change = await this.db.transaction(async (tx) => {
      const c = await setModelAvailability(tx, modelId, available);
      if (!c) throw new StockError('unknown_model', `no model ${modelId}`);
      await this.audit(tx, actor, 'model', modelId, 'available', c);
      return c;
    });
    this.catalog?.invalidate();
    return change;
  }

  /**
   * A delivery of stock: every line checked (the variant exists, the quantity is 1 … MAX_UNITS),
   * and only when all are fine, all applied in one transaction. A bad line applies nothing: each
   * line is reported (`valid` for the fine ones), so the file can be fixed and run again. `once`:
   * `source` names one message, applied at most once (already_imported when its rows exist: the same
   * update handled again after a crash).
   */
  async importDelivery(lines: DeliveryLine[], actor: string, source: string, opts: { once?: boolean } = {}): Promise<{ applied: boolean; results: DeliveryResult[] }> {
    const ids = [...new Set(lines.map((l) => l.variantId).filter(Boolean))];
    const known = new Set(ids.length ? (await this.db.select({ id: storeVariants.id }).from(storeVariants).where(inArray(storeVariants.id, ids))).map((r) => r.id) : []);
    const results: DeliveryResult[] = lines.map((l) => {
      const qty = /^\d{1,6}$/.test(l.qty.trim()) ? Number(l.qty.trim()) : NaN;
      if (!known.has(l.variantId)) return { line: l.line, variantId: l.variantId, qty: Number.isNaN(qty) ? null : qty, status: 'error', error: { code: 'unknown_variant' } };
      if (Number.isNaN(qty) || qty < 1 || qty > MAX_UNITS) return { line: l.line, variantId: l.variantId, qty: null, status: 'error', error: { code: 'bad_quantity', qty: l.qty } };
      return { line: l.line, variantId: l.variantId, qty, status: 'valid' };
    });
    if (results.length === 0 || results.some((r) => r.status === 'error')) return { applied: false, results };
    await this.db.transaction(async (tx) => {
      if (opts.once) {
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${source}))`);
        const seen = await tx.execute(sql`select 1 from catalog_audit where note like ${source.replace(/[\\%_]/g, '\\$&') + ' line %'} limit 1`);
        if (seen.length) throw new StockError('already_imported', source);
      }
      for (const r of results) {
        const change = await this.addStock(tx, r.variantId, r.qty!, actor, `${source} line ${r.line}: +${r.qty}`);
        Object.assign(r, { status: 'restocked', before: change.before, after: change.after });
      }
    });
    return { applied: true, results };
  }

  // ---- Inside ----

  private async addStock(tx: DbOrTx, variantId: string, units: number, actor: string, note: string, expected?: number): Promise<Change<number>> {
    const guard = expected === undefined ? sql`true` : sql`old.stock = ${expected}`;
    const change = await this.updateVariant(tx, variantId, 'stock', sql`old.stock + ${units}`, { stock: sql`old.stock + ${units}` }, guard);
    if (!change) {
      const current = await this.variantRow(tx, variantId);
      throw new StockError('stock_changed', `stock ${current.stock}, expected ${expected}`, { stock: current.stock });
    }
    await this.audit(tx, actor, 'variant', variantId, 'stock', change, note);
    return change;
  }

  /**
   * `column` of one variant set to `value` (SQL over the locked old row, `old`), returning the old and
   * new value. `rearm` names the new stock or threshold when the change may re-arm the low-stock alert.
   * Null when `guard` (over `old`) refused; throws unknown_variant for an id that names nothing.
   */
  private async updateVariant(
    tx: DbOrTx,
    variantId: string,
    column: 'stock' | 'price_fen' | 'low_stock_threshold',
    value: SQL,
    rearm: { stock?: SQL; threshold?: SQL },
    guard: SQL = sql`true`,
  ): Promise<Change<number> | null> {
    const col = sql.identifier(column);
    const alerted =
      rearm.stock || rearm.threshold
        ? sql`, low_stock_alerted_at = ${rearmed(rearm.stock ?? sql`old.stock`, rearm.threshold ?? sql`old.low_stock_threshold`, sql`old.low_stock_alerted_at`)}`
        : sql``;
    const rows = await tx.execute<{ before: number; after: number }>(sql`
      with old as (select * from store_variants where id = ${variantId} for update)
      update store_variants v set ${col} = ${value}${alerted}
      from old where v.id = old.id and ${guard}
      returning old.${col} as "before", v.${col} as "after"`);
    const row = rows[0];
    if (row) return { before: Number(row.before), after: Number(row.after) };
    await this.variantRow(tx, variantId);
    return null;
  }

  private async variantRow(tx: DbOrTx, variantId: string) {
    const [v] = await tx.select().from(storeVariants).where(eq(storeVariants.id, variantId));
    if (!v) throw new StockError('unknown_variant', `no variant ${variantId}`);
    return v;
  }

  private async audit<T extends number | boolean>(
    tx: DbOrTx,
    actor: string,
    entity: CatalogAuditEntity,
    entityId: string,
    field: CatalogAuditField,
    change: Change<T>,
    note?: string,
  ): Promise<void> {
    await tx.insert(catalogAudit).values({ actor, entity, entityId, field, before: change.before, after: change.after, note: note ?? null });
  }
}

function toVariant(productName: LocalizedText, v: typeof storeVariants.$inferSelect): StockVariant {
  return {
    id: v.id,
    productId: v.productId,
    name: variantName(productName, v.attributes),
    attributes: v.attributes,
    priceFen: v.priceFen,
    stock: v.stock,
    held: v.held,
    hidden: v.hidden,
    threshold: v.lowStockThreshold,
    lowAlerted: v.lowStockAlertedAt !== null,
  };
}
