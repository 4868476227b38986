import type postgres from 'postgres';
import type { Period } from './period.js';

export interface SupportRow {
  /** 'total' for everyone; 'agent' per assignee; 'unassigned' for conversations nobody took. */
  dimension: 'total' | 'agent' | 'unassigned';
  agentId: number | null;
  agentName: string | null;
  conversations: number;
  /** First agent reply after opening, seconds (null when none was answered). */
  firstReplyP50: number | null;
  firstReplyP90: number | null;
  closed: number;
  /** Opening to closing, seconds, of the conversations closed. */
  resolutionP50: number | null;
  resolutionAvg: number | null;
  /** Ratings 1..5 (index 0 is 1 star). */
  ratings: [number, number, number, number, number];
  ratingAvg: number | null;
  /** First reply later than the SLA, or none yet and the SLA has passed. */
  slaBreaches: number;
}

/**
 * Support conversations opened in the period, per agent and in total, in one query: first-reply
 * p50/p90, resolution time, CSAT (1–5) distribution and average, SLA breaches (first reply later
 * than SUPPORT_SLA_MINUTES after opening, or still none that long after it).
 */
export async function supportReport(sql: postgres.Sql, period: Period, opts: { slaMinutes: number; now: Date }): Promise<SupportRow[]> {
  // drizzle's postgres.js client passes dates through as they are: parameters go as ISO strings.
  const [from, to] = [period.from.toISOString(), period.to.toISOString()];
  const rows = await sql<Array<Record<string, unknown>>>`
    select grouping(s.assignee_telegram_id) as g, s.assignee_telegram_id as agent, max(s.assignee_name) as agent_name,
      count(*) as conversations,
      percentile_cont(0.5) within group (order by extract(epoch from s.first_agent_reply_at - s.opened_at)) as fr50,
      percentile_cont(0.9) within group (order by extract(epoch from s.first_agent_reply_at - s.opened_at)) as fr90,
      count(s.closed_at) filter (where s.status = 'closed') as closed,
      percentile_cont(0.5) within group (order by extract(epoch from s.closed_at - s.opened_at)) filter (where s.status = 'closed') as res50,
      avg(extract(epoch from s.closed_at - s.opened_at)) filter (where s.status = 'closed') as res_avg,
      count(*) filter (where s.rating = 1) as r1, count(*) filter (where s.rating = 2) as r2, count(*) filter (where s.rating = 3) as r3,
      count(*) filter (where s.rating = 4) as r4, count(*) filter (where s.rating = 5) as r5,
      avg(s.rating) as rating_avg,
      count(*) filter (where coalesce(s.first_agent_reply_at, ${opts.now.toISOString()}) > s.opened_at + make_interval(mins => ${opts.slaMinutes})) as breaches
    from support_conversations s
    where s.opened_at >= ${from} and s.opened_at < ${to}
    group by grouping sets ((s.assignee_telegram_id), ())
    order by grouping(s.assignee_telegram_id) desc, count(*) desc, s.assignee_telegram_id`;
  const num = (v: unknown): number | null => (v == null ? null : Number(v));
  const out: SupportRow[] = rows.map((r) => ({
    dimension: Number(r.g) === 1 ? 'total' : r.agent == null ? 'unassigned' : 'agent',
    agentId: num(r.agent),
    agentName: (r.agent_name as string | null) ?? null,
    conversations: Number(r.conversations),
    firstReplyP50: num(r.fr50),
    firstReplyP90: num(r.fr90),
    closed: Number(r.closed),
    resolutionP50: num(r.res50),
    resolutionAvg: num(r.res_avg),
    ratings: [Number(r.r1), Number(r.r2), Number(r.r3), Number(r.r4), Number(r.r5)],
    ratingAvg: num(r.rating_avg),
    slaBreaches: Number(r.breaches),
  }));
  if (!out.some((r) => r.dimension === 'total'))
    out.unshift({
      dimension: 'total',
      agentId: null,
      agentName: null,
      conversations: 0,
      firstReplyP50: null,
      firstReplyP90: null,
      closed: 0,
      resolutionP50: null,
      resolutionAvg: null,
      ratings: [0, 0, 0, 0, 0],
      ratingAvg: null,
      slaBreaches: 0,
    });
  return out;
}
