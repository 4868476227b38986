import type postgres from 'postgres';
import type { Period } from './period.js';

/** The attribution window: an order belongs to the customer's last campaign click within it. */
export const ATTRIBUTION_DAYS = 7;

export interface CampaignRow {
  campaignId: number;
  /** The start of the campaign's default-language text, for the chart's axis. */
  label: string;
  /** Messages attempted (delivered, blocked or failed). */
  sent: number;
  delivered: number;
  blocked: number;
  /** Distinct customers who clicked, and all clicks. */
  clickers: number;
  clicks: number;
  /** Car orders whose customer's last campaign click within 7 days before ordering was this campaign's. */
  orders: number;
  /** Of those orders, the ones with a deposit paid (still applied), and its amount. */
  deposits: number;
  depositsFen: number;
}

/**
 * Campaigns started in the period, each with its delivery, clicks and what the clicks brought,
 * in one query. Attribution is last touch: an order goes to the campaign of the customer's latest
 * click in the 7 days before the order was placed (across all campaigns), so two campaigns
 * clicked by one customer never both count the same order.
 */
export async function campaignsReport(sql: postgres.Sql, period: Period): Promise<CampaignRow[]> {
  // drizzle's postgres.js client passes dates through as they are: parameters go as ISO strings.
  const [from, to] = [period.from.toISOString(), period.to.toISOString()];
  const rows = await sql<Array<Record<string, unknown>>>`
    with c as (
      select id from campaigns where started_at >= ${from} and started_at < ${to}
    ),
    r as (
      select campaign_id,
        count(*) filter (where state in ('sent', 'blocked', 'failed')) as sent,
        count(*) filter (where state = 'sent') as delivered,
        count(*) filter (where state = 'blocked') as blocked
      from campaign_recipients where campaign_id in (select id from c) group by campaign_id
    ),
    k as (
      select campaign_id, count(*) as clicks, count(distinct customer_id) as clickers
      from campaign_clicks where campaign_id in (select id from c) group by campaign_id
    ),
    att as (
      select distinct on (o.id) o.id as order_id, cl.campaign_id
      from orders o
      join campaign_clicks cl on cl.customer_id = o.customer_id
        and cl.clicked_at <= o.created_at and cl.clicked_at > o.created_at - make_interval(days => ${ATTRIBUTION_DAYS})
      where o.customer_id in (select customer_id from campaign_clicks where campaign_id in (select id from c))
      order by o.id, cl.clicked_at desc, cl.id desc
    ),
    a as (
      select att.campaign_id, count(*) as orders, count(dp.fen) as deposits, coalesce(sum(dp.fen), 0) as deposits_fen
      from att
      left join lateral (select sum(p.amount_fen) as fen from payments p where p.order_id = att.order_id and p.status = 'applied' having count(*) > 0) dp on true
      where att.campaign_id in (select id from c)
      group by att.campaign_id
    )
    select c.id,
      (select left(v.text, 40) from campaign_variants v join campaigns cc on cc.id = v.campaign_id
        where v.campaign_id = c.id order by (v.locale = cc.default_locale) desc, v.locale limit 1) as label,
      coalesce(r.sent, 0) as sent, coalesce(r.delivered, 0) as delivered, coalesce(r.blocked, 0) as blocked,
      coalesce(k.clickers, 0) as clickers, coalesce(k.clicks, 0) as clicks,
      coalesce(a.orders, 0) as orders, coalesce(a.deposits, 0) as deposits, coalesce(a.deposits_fen, 0) as deposits_fen
    from c left join r on r.campaign_id = c.id left join k on k.campaign_id = c.id left join a on a.campaign_id = c.id
    order by c.id`;
  return rows.map((r) => ({
    campaignId: Number(r.id),
    label: ((r.label as string | null) ?? '').replace(/\s+/g, ' ').trim(),
    sent: Number(r.sent),
    delivered: Number(r.delivered),
    blocked: Number(r.blocked),
    clickers: Number(r.clickers),
    clicks: Number(r.clicks),
    orders: Number(r.orders),
    deposits: Number(r.deposits),
    depositsFen: Number(r.deposits_fen),
  }));
}
