import type postgres from 'postgres';
import type { Period } from './period.js';

/** Money received on one business day: car deposits of one model, or store goods of one category. */
export interface RevenueRow {
  kind: 'deposit' | 'store';
  /** Local date, YYYY-MM-DD. */
  day: string;
  /** Model id (deposits) or store category (store). */
  key: string;
  /** Payments (deposits) or paid store orders with a line in this category. */
  count: number;
  amountFen: number;
}

/**
 * Deposits and store revenue per day of the period, by model and by category, in one query.
 * Deposits: car payments still applied (a refunded deposit is not revenue). Store: the goods of
 * store orders paid in the period and not refunded (paid, shipped or delivered), shipping excluded.
 */
export async function revenueReport(sql: postgres.Sql, period: Period, timeZone: string): Promise<RevenueRow[]> {
  // drizzle's postgres.js client passes dates through as they are: parameters go as ISO strings.
  const [from, to] = [period.from.toISOString(), period.to.toISOString()];
  // Grouped by the local date (a cheap cast) and formatted once per line, not once per payment; a
  // store order's goods are summed per category first, so its lines are counted once without
  // count(distinct …) (a sort of every line). Timings in README, Benchmarks.
  const rows = await sql<Array<Record<string, unknown>>>`
    select r.kind, to_char(r.day, 'YYYY-MM-DD') as day, r.key, r.n, r.fen from (
      select 'deposit' as kind, (p.created_at at time zone ${timeZone})::date as day, o.model_id as key, count(*) as n, sum(p.amount_fen) as fen
        from payments p join orders o on o.id = p.order_id
        where p.created_at >= ${from} and p.created_at < ${to} and p.status = 'applied'
        group by 2, 3
      union all
      select 'store', s.day, s.category, count(*), sum(s.fen) from (
        select so.id, (so.paid_at at time zone ${timeZone})::date as day, pr.category, sum(l.qty * l.unit_price_fen) as fen
          from store_orders so
          join store_order_lines l on l.order_id = so.id
          join store_variants v on v.id = l.variant_id
          join store_products pr on pr.id = v.product_id
          where so.paid_at >= ${from} and so.paid_at < ${to} and so.state in ('paid', 'shipped', 'delivered')
          group by 1, 2, 3
      ) s
      group by 2, 3
    ) r
    order by 1, 2, 3`;
  return rows.map((r) => ({ kind: r.kind as RevenueRow['kind'], day: r.day as string, key: r.key as string, count: Number(r.n), amountFen: Number(r.fen) }));
}
