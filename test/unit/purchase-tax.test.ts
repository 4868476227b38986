import { describe, expect, it } from 'vitest';
import { onTheRoadEstimate } from '../../src/domain/catalog/purchase-tax.js';

const yuan = (n: number) => n * 100;

describe('on-the-road estimate: 2026 new-energy purchase tax', () => {
  it('is 5% of the price without VAT below the cap (Model 3 RWD at ¥231,900)', () => {
    const e = onTheRoadEstimate(yuan(231_900));
    // 231,900 / 1.13 = 205,221.24; 5% = 10,261.06
    expect(e.taxFen).toBe(yuan(10_261));
    expect(e.totalFen).toBe(yuan(231_900 + 10_261));
    expect(e.reductionFen).toBe(yuan(10_261));
  });

  it('reaches the ¥15,000 reduction cap exactly at ¥339,000 (¥300,000 before VAT)', () => {
    const e = onTheRoadEstimate(yuan(339_000));
    expect(e.reductionFen).toBe(yuan(15_000));
    expect(e.taxFen).toBe(yuan(15_000));
  });

  it('above the cap the reduction stays ¥15,000 and the tax grows at the full 10% (Model S Plaid at ¥882,900)', () => {
    const e = onTheRoadEstimate(yuan(882_900));
    // 882,900 / 1.13 = 781,327.43; full tax 78,132.74; less the capped ¥15,000 reduction
    expect(e.reductionFen).toBe(yuan(15_000));
    expect(e.taxFen).toBe(yuan(63_133));
    expect(e.totalFen).toBe(yuan(882_900 + 63_133));
  });

  it('one yuan more above the cap costs 10% of it in tax, not 5%', () => {
    const a = onTheRoadEstimate(yuan(400_000));
    const b = onTheRoadEstimate(yuan(400_000 + 11_300));
    expect(b.taxFen - a.taxFen).toBe(yuan(1_000));
  });
});
