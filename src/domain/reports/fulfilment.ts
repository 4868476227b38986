import type postgres from 'postgres';
import type { Period } from './period.js';

/** The car order states that wait for someone (the customer, ops, the delivery team, a refund). */
export const waitingStates = ['awaiting_deposit', 'deposit_paid', 'vehicle_allocated', 'ready_for_delivery', 'delivery_scheduled', 'refund_requested'] as const;
export type WaitingState = (typeof waitingStates)[number];

export interface WaitingRow {
  state: WaitingState;
  orders: number;
  /** Age since the order was placed, in days. */
  avgAgeDays: number | null;
  maxAgeDays: number | null;
  /** Orders up to 7 days old, 8–30 days, over 30 days. */
  upTo7: number;
  upTo30: number;
  over30: number;
}

export interface InstallWeekRow {
  /** Monday of the week (local date). */
  week: string;
  /** Installation slots offered and booked in the week, and installations done in it. */
  capacity: number;
  booked: number;
  installed: number;
}

export interface FulfilmentReport {
  waiting: WaitingRow[];
  weeks: InstallWeekRow[];
}

/** Weeks after the period's last one shown too: installations are booked ahead. */
export const WEEKS_AHEAD = 4;

/**
 * Fulfilment, in one query: car orders waiting in each state now and how old they are, and per
 * week (from the period's first week to 4 weeks after its last) the installation capacity,
 * bookings and installations done.
 */
export async function fulfilmentReport(sql: postgres.Sql, period: Period, opts: { timeZone: string; now: Date }): Promise<FulfilmentReport> {
  const tz = opts.timeZone;
  const rows = await sql<Array<Record<string, unknown>>>`
    with waiting as (
      select o.state, extract(epoch from ${opts.now.toISOString()}::timestamptz - o.created_at) / 86400 as age
      from orders o where o.state in ${sql(waitingStates as unknown as string[])}
    ),
    weeks as (
      select generate_series(date_trunc('week', ${period.firstDay}::date), date_trunc('week', ${period.lastDay}::date) + make_interval(weeks => ${WEEKS_AHEAD}), interval '1 week')::date as wk
    ),
    bounds as (
      select wk, wk::timestamp at time zone ${tz} as wfrom, (wk + 7)::timestamp at time zone ${tz} as wto from weeks
    )
    select 'state' as part, state as key, count(*) as n, avg(age) as avg_age, max(age) as max_age,
      count(*) filter (where age <= 7) as b7, count(*) filter (where age > 7 and age <= 30) as b30, count(*) filter (where age > 30) as bmore,
      null::bigint as capacity, null::bigint as booked, null::bigint as installed
    from waiting group by state
    union all
    select 'week', to_char(b.wk, 'YYYY-MM-DD'), null, null, null, null, null, null,
      (select coalesce(sum(s.capacity), 0) from slots s where s.kind = 'installation' and s.starts_at >= b.wfrom and s.starts_at < b.wto),
      (select coalesce(sum(s.booked), 0) from slots s where s.kind = 'installation' and s.starts_at >= b.wfrom and s.starts_at < b.wto),
      (select count(*) from installations i where i.state = 'installed' and i.installed_at >= b.wfrom and i.installed_at < b.wto)
    from bounds b
    order by 1, 2`;
  const byState = new Map(rows.filter((r) => r.part === 'state').map((r) => [r.key as string, r]));
  const num = (v: unknown): number | null => (v == null ? null : Number(v));
  return {
    waiting: waitingStates.map((state) => {
      const r = byState.get(state);
      return {
        state,
        orders: r ? Number(r.n) : 0,
        avgAgeDays: r ? num(r.avg_age) : null,
        maxAgeDays: r ? num(r.max_age) : null,
        upTo7: r ? Number(r.b7) : 0,
        upTo30: r ? Number(r.b30) : 0,
        over30: r ? Number(r.bmore) : 0,
      };
    }),
    weeks: rows.filter((r) => r.part === 'week').map((r) => ({ week: r.key as string, capacity: Number(r.capacity), booked: Number(r.booked), installed: Number(r.installed) })),
  };
}
