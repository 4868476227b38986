import type postgres from 'postgres';
import type { LocalizedText } from '../../db/schema/catalog.js';
import type { Period } from './period.js';

export const funnelSteps = ['started', 'configured', 'ordered', 'depositPaid', 'allocated', 'delivered'] as const;
export type FunnelStep = (typeof funnelSteps)[number];
export type FunnelCounts = Record<FunnelStep, number>;

/** Periods longer than this many days take the funnel's single pass over all orders (below). */
export const SINGLE_PASS_DAYS = 92;

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
  // The orders at each step after "ordered", each counted once however many payments or events
  // name it, by model and city. Two shapes of the same figures, for the sizes of period they suit:
  // - up to SINGLE_PASS_DAYS, each step's orders looked up by primary key from the ids its payments
  //   or events name (`id = any(array(…))`): work in proportion to the period;
  // - longer, one pass over every order in id order beside the period's payments and events grouped
  //   by order, merge joins over index-only scans (migrations/0018_report_indexes.sql): a year of
  //   the bench's 1 M orders looked up one by one took 6–9 s, this a fraction of it, while a hash
  //   join would hash every order. Timings in README, Benchmarks.
  const steps =
    period.days.length > SINGLE_PASS_DAYS
      ? sql`
      select o.model_id, o.city, count(*) filter (where o.created_at >= ${from} and o.created_at < ${to}) as ordered,
        count(p.order_id) as deposit_paid, count(a.order_id) as allocated, count(d.order_id) as delivered
      from orders o
      left join (
        select p.order_id from payments p where p.created_at >= ${from} and p.created_at < ${to} and p.problem is null group by p.order_id
      ) p on p.order_id = o.id
      left join (
        select e.order_id from order_events e
        where e.subject = 'order' and e.to_state = 'vehicle_allocated'
          and e.created_at >= ${from} and e.created_at < ${to}
        group by e.order_id
      ) a on a.order_id = o.id
      left join (
        select e.order_id from order_events e
        where e.subject = 'order' and e.to_state = 'delivered'
          and e.created_at >= ${from} and e.created_at < ${to}
        group by e.order_id
      ) d on d.order_id = o.id
      where (o.created_at >= ${from} and o.created_at < ${to}) or p.order_id is not null or a.order_id is not null or d.order_id is not null
      group by o.model_id, o.city`
      : sql`
      select s.model_id, s.city, count(*) filter (where s.step = 1) as ordered, count(*) filter (where s.step = 2) as deposit_paid,
        count(*) filter (where s.step = 3) as allocated, count(*) filter (where s.step = 4) as delivered
      from (
        select 1 as step, o.model_id, o.city from orders o where o.created_at >= ${from} and o.created_at < ${to}
        union all
        select 2, o.model_id, o.city from orders o
          where o.id = any(array(select p.order_id from payments p where p.created_at >= ${from} and p.created_at < ${to} and p.problem is null))
        union all
        select 3, o.model_id, o.city from orders o
          where o.id = any(array(select e.order_id from order_events e
            where e.to_state = 'vehicle_allocated' and e.subject = 'order' and e.created_at >= ${from} and e.created_at < ${to}))
        union all
        select 4, o.model_id, o.city from orders o
          where o.id = any(array(select e.order_id from order_events e
            where e.to_state = 'delivered' and e.subject = 'order' and e.created_at >= ${from} and e.created_at < ${to}))
      ) s
      group by s.model_id, s.city`;
  // The first two steps: distinct (step, customer, model) and (step, customer), over a long period
  // read in the order of an index rather than hashed.
  const rows = await sql<Array<Record<string, unknown>>>`
    with steps as (${steps}),
    tried as (
      select m.model_id, count(*) filter (where m.stage = 'started') as started, count(*) filter (where m.stage = 'configured') as configured
      from (select f.stage, f.customer_id, f.model_id from funnel_events f where f.at >= ${from} and f.at < ${to} group by 1, 2, 3) m
      group by m.model_id
    ),
    people as (
      select count(*) filter (where c.stage = 'started') as started, count(*) filter (where c.stage = 'configured') as configured
      from (select f.stage, f.customer_id from funnel_events f where f.at >= ${from} and f.at < ${to} group by 1, 2) c
    )
    select x.*, (select d.city_name from delivery_centres d where d.city = x.city order by d.sort limit 1) as city_name,
      people.started as total_started, people.configured as total_configured
    from (
      select grouping(u.model_id) as gm, grouping(u.city) as gc, u.model_id, u.city,
        sum(u.started) as started, sum(u.configured) as configured, sum(u.ordered) as ordered,
        sum(u.deposit_paid) as deposit_paid, sum(u.allocated) as allocated, sum(u.delivered) as delivered
      from (
        select model_id, null::text as city, started, configured, 0 as ordered, 0 as deposit_paid, 0 as allocated, 0 as delivered from tried
        union all
        select model_id, city, 0, 0, ordered, deposit_paid, allocated, delivered from steps
      ) u
      group by grouping sets ((u.model_id), (u.city), ())
    ) x cross join people
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
