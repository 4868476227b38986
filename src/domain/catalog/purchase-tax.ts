/**
 * The on-the-road estimate shown beside a car's price: the vehicle price plus the vehicle purchase
 * tax (车辆购置税) for a new-energy passenger car bought in 2026. Registration (上牌) and insurance are
 * not included, and the screens say so.
 *
 * The rule for 2026–2027: the tax is halved, 5% instead of 10% of the taxable price, and the
 * reduction is at most ¥15,000 per car. The taxable price excludes the 13% VAT that list prices
 * include (price / 1.13). So up to a taxable price of ¥300,000 the tax is 5% of it; above, it is
 * 10% of it less ¥15,000.
 */
export const PURCHASE_TAX = {
  /** The full rate, before the new-energy reduction. */
  fullRate: 0.1,
  /** The share of the full tax waived for a new-energy car in 2026. */
  reducedShare: 0.5,
  /** The most the reduction may be per car, in fen (¥15,000). */
  reductionCapFen: 1_500_000,
  /** VAT included in list prices. */
  vatRate: 0.13,
} as const;

export interface OnTheRoadEstimate {
  vehicleFen: number;
  /** The estimated purchase tax, whole yuan (in fen). */
  taxFen: number;
  /** The reduction the new-energy rule gives, after its cap (in fen). */
  reductionFen: number;
  totalFen: number;
}

const wholeYuan = (fen: number): number => Math.round(fen / 100) * 100;

/** Vehicle price (VAT included, in fen) → the estimated purchase tax and on-the-road total. */
export function onTheRoadEstimate(vehicleFen: number): OnTheRoadEstimate {
  const taxable = vehicleFen / (1 + PURCHASE_TAX.vatRate);
  const full = taxable * PURCHASE_TAX.fullRate;
  const reduction = Math.min(full * PURCHASE_TAX.reducedShare, PURCHASE_TAX.reductionCapFen);
  const taxFen = wholeYuan(full - reduction);
  return { vehicleFen, taxFen, reductionFen: wholeYuan(reduction), totalFen: vehicleFen + taxFen };
}
