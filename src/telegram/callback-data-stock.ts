import { codec } from './callback-data.js';

/**
 * Buttons of /stock (the catalog without SQL; ops, admins and managers, the role read from the
 * database on every press). Apart from `cb` so the catalog's screens keep to their own file; the
 * prefixes (stk…) are checked against cb's in test/unit/catalog-ops.test.ts.
 */
const id = { kind: 'id' } as const;
const int = { kind: 'int' } as const;
const count = { kind: 'count' } as const;
const oneOf = <V extends string>(...values: V[]) => ({ kind: 'enum', values }) as const;

export const stockCb = {
  home: codec('stk'),
  product: codec('stkp', { productId: id }),
  variant: codec('stkv', { variantId: id }),
  /** A quick restock; `have`: the stock the screen showed, so a double press adds once. */
  add: codec('stka', { variantId: id, units: int, have: count }),
  ask: codec('stkq', { variantId: id, what: oneOf('restock', 'set', 'price', 'threshold') }),
  hide: codec('stkh', { kind: oneOf('product', 'variant'), id, hidden: oneOf('1', '0') }),
  model: codec('stkm', { modelId: id, available: oneOf('1', '0') }),
  /** Import a delivery of stock: asks for the CSV file. */
  import: codec('stki'),
} as const;

export const STOCK_CODECS = Object.values(stockCb);
