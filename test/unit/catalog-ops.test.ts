/** The catalog's typed numbers and its buttons' data: parsed strictly, prefixes of their own. */
import { describe, expect, it } from 'vitest';
import { parseUnits, parseYuan } from '../../src/domain/stock/index.js';
import { cb } from '../../src/telegram/callback-data.js';
import { stockCb } from '../../src/telegram/callback-data-stock.js';

describe('typed numbers', () => {
  it('units: whole numbers 0 … 100000 only', () => {
    expect(['0', '12', ' 7 ', '100000'].map(parseUnits)).toEqual([0, 12, 7, 100000]);
    expect(['', '-1', '1.5', '1e3', '100001', 'twelve', '12 pcs'].map(parseUnits)).toEqual([null, null, null, null, null, null, null]);
  });
  it('prices: yuan with at most two decimals, ¥ and thousands commas allowed, in fen', () => {
    expect(['129', '129.5', '129.50', '¥1,299', '￥0.01', '64441'].map(parseYuan)).toEqual([129_00, 129_50, 129_50, 1299_00, 1, 64441_00]);
    expect(['0', '-5', '1.234', 'abc', '64441.01', ''].map(parseYuan)).toEqual([null, null, null, null, null, null]);
  });
});

describe('callback data of /stock', () => {
  it('has prefixes no other button uses', () => {
    const others = new Set(Object.values(cb).map((c) => c.prefix));
    for (const c of Object.values(stockCb)) expect(others.has(c.prefix)).toBe(false);
    expect(new Set(Object.values(stockCb).map((c) => c.prefix)).size).toBe(Object.keys(stockCb).length);
  });
  it('round-trips and refuses what it does not know', () => {
    const data = stockCb.add.pack({ variantId: 'tee-blk-xl', units: 10, have: 0 });
    expect(stockCb.add.unpack(data)).toEqual({ variantId: 'tee-blk-xl', units: 10, have: 0 });
    expect(stockCb.add.unpack('stka:tee-blk-xl:0:0')).toBeNull();
    expect(stockCb.hide.unpack('stkh:order:x:1')).toBeNull();
    expect(stockCb.model.unpack('stkm:model-y:2')).toBeNull();
  });
});
