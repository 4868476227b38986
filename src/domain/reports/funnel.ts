import type postgres from 'postgres';
import type { LocalizedText } from '../../db/schema/catalog.js';
import type { Period } from './period.js';

export const funnelSteps = ['started', 'configured', 'ordered', 'depositPaid', 'allocated', 'delivered'] as const;
export type FunnelStep = (typeof funnelSteps)[number];
export type FunnelCounts = Record<FunnelStep, number>;

/** One line of the funnel: all models and cities (`total`), one model, or one city. */
export interface FunnelRow extends FunnelCounts {
  dimension: 'total' | 'model' | 'city';
  /** The model id or city code; null on the total line. */
  key: string | null;
  /** The city's name (from its delivery centre) on city lines. */
  cityName: LocalizedText | null;
}

/**
 * The car funnel over a period, by model and by city, in one query (GROUPING SETS): distinct
 * customers who opened a model card (`started`) and completed a configuration (`configured`),
 * then orders placed, orders whose deposit was paid, allocated a vehicle and delivered in the
 * period. A customer has no city before ordering, so the city lines start at `ordered` (their
 * first two steps are 0). Each step counts what happened in the period, so a step can exceed
 * the one before it when that one fell in an earlier period.
 */
export async function funnelReport(sql: postgres.Sql, period: Period): Promise<FunnelRow[]> {
  // drizzle's postgres.js client passes dates through as they are: parameters go as ISO strings.
  const [from, to] = [period.from.toISOString(), period.to.toISOString()];
  // Each (step, order) and each (step, model, customer) is one row of `ev`, so plain counts (which
  // Postgres can hash per grouping set) are exact; only the total's first two steps count customers
  // across models, in two scalar subqueries of the same statement.
  // The orders of a step after "ordered" are looked up by primary key from the ids its payments or
  // events name (`id = any(array(…))`: each order once, however many payments or events name it).
  // A join there was planned as a hash over every order, three parallel scans of the whole table
  // plus JIT compiling them: 2.2–2.9 s over 7 and 30 days of the bench's 1 M orders; this is
  // 0.2–0.6 s, the same figures (README, Benchmarks).
  const rows = await sql<Array<Record<string, unknown>>>`
    with ev as (
      select distinct f.stage, f.model_id, null::text as city, f.customer_id as who
        from funnel_events f where f.at >= ${from} and f.at < ${to}
      union all
      select 'ordered', o.model_id, o.city, o.id from orders o where o.created_at >= ${from} and o.created_at < ${to}
      union all
      select 'deposit_paid', o.model_id, o.city, o.id from orders o
        where o.id = any(array(select p.order_id from payments p where p.created_at >= ${from} and p.created_at < ${to} and p.problem is null))
      union all
      select 'vehicle_allocated', o.model_id, o.city, o.id from orders o
        where o.id = any(array(select e.order_id from order_events e
          where e.to_state = 'vehicle_allocated' and e.subject = 'order' and e.created_at >= ${from} and e.created_at < ${to}))
      union all
      select 'delivered', o.model_id, o.city, o.id from orders o
        where o.id = any(array(select e.order_id from order_events e
          where e.to_state = 'delivered' and e.subject = 'order' and e.created_at >= ${from} and e.created_at < ${to}))
    )
    select x.*, (select d.city_name from delivery_centres d where d.city = x.city order by d.sort limit 1) as city_name,
      (select count(distinct f.customer_id) from funnel_events f where f.stage = 'started' and f.at >= ${from} and f.at < ${to}) as total_started,
      (select count(distinct f.customer_id) from funnel_events f where f.stage = 'configured' and f.at >= ${from} and f.at < ${to}) as total_configured
    from (
      select grouping(model_id) as gm, grouping(city) as gc, model_id, city,
        count(*) filter (where stage = 'started') as started,
        count(*) filter (where stage = 'configured') as configured,
        count(*) filter (where stage = 'ordered') as ordered,
        count(*) filter (where stage = 'deposit_paid') as deposit_paid,
        count(*) filter (where stage = 'vehicle_allocated') as allocated,
        count(*) filter (where stage = 'delivered') as delivered
      from ev
      group by grouping sets ((model_id), (city), ())
    ) x
    order by x.gm desc, x.gc desc, x.model_id, x.city`;
  const out: FunnelRow[] = [];
  for (const r of rows) {
    const dimension = Number(r.gm) === 1 && Number(r.gc) === 1 ? 'total' : Number(r.gm) === 0 ? 'model' : 'city';
    const key = dimension === 'model' ? (r.model_id as string) : dimension === 'city' ? ((r.city as string | null) ?? null) : null;
    // The city set's line for events with no city (the first two steps) is not a city.
    if (dimension === 'city' && key === null) continue;
    out.push({
      dimension,
      key,
      cityName: dimension === 'city' ? ((r.city_name as LocalizedText | null) ?? null) : null,
      started: Number(dimension === 'total' ? r.total_started : r.started),
      configured: Number(dimension === 'total' ? r.total_configured : r.configured),
      ordered: Number(r.ordered),
      depositPaid: Number(r.deposit_paid),
      allocated: Number(r.allocated),
      delivered: Number(r.delivered),
    });
  }
  // An empty period still has its total line (all zeros).
  if (!out.some((r) => r.dimension === 'total'))
    out.unshift({ dimension: 'total', key: null, cityName: null, started: 0, configured: 0, ordered: 0, depositPaid: 0, allocated: 0, delivered: 0 });
  return out;
}

/** Conversion from each step to the next (null when the step before had none). */
export function conversions(row: FunnelCounts): Array<number | null> {
  return funnelSteps.slice(1).map((step, i) => {
    const before = row[funnelSteps[i]!];
    return before > 0 ? row[step] / before : null;
  });
}
