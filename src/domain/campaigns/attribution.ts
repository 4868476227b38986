import type postgres from 'postgres';

/**
 * Click attribution, last touch: an order, a deposit or a paid store order is credited to the campaign of
 * the customer's LAST campaign click in the 7 days before it (the click at or before the event, newer
 * than event − 7 days). One click of another campaign afterwards takes the credit away; a click after the
 * event never counts. Clickers are distinct customers, not taps.
 *
 * Everything here is SQL so a report can use the rule inside its one query:
 * - {@link lastTouchSql}: a LATERAL subquery giving the credited click of one event;
 * - {@link attributedEventsSql}: every order, deposit and store sale with the campaign it is credited to;
 * - {@link campaignAttribution}: the figures per campaign (what the campaign screens show).
 */
export const ATTRIBUTION_WINDOW_DAYS = 7;

type Fragment = postgres.PendingQuery<postgres.Row[]>;

/**
 * The click credited for an event of `customer` at `at`, as a subquery for
 * `left join lateral (${lastTouchSql(sql, 'o.customer_id', 'o.created_at')}) lt on true`, giving
 * `lt.campaign_id`, `lt.button`, `lt.clicked_at` (null when no click in the window).
 *
 * `customer` and `at` are SQL expressions written in code (column references): never pass user input.
 * Uses the index campaign_clicks (customer_id, clicked_at).
 */
export function lastTouchSql(sql: postgres.Sql, customer: string, at: string): Fragment {
  const c = sql.unsafe(customer);
  const t = sql.unsafe(at);
  return sql`select k.campaign_id, k.button, k.clicked_at from campaign_clicks k
    where k.customer_id = ${c} and k.clicked_at <= ${t} and k.clicked_at > ${t} - make_interval(days => ${ATTRIBUTION_WINDOW_DAYS})
    order by k.clicked_at desc, k.id desc limit 1`;
}

export type AttributedKind = 'order' | 'deposit' | 'store';

/**
 * Every car order (at its creation), deposit (an applied payment, at its time) and paid store order (not
 * refunded, at its payment) with the campaign credited for it: rows of
 * `(kind, ref, customer_id, at, amount_fen, campaign_id)`; campaign_id is null for an event with no click in
 * its window. Pass `customers` (a fragment selecting customer ids) to look only at those customers' events.
 */
export function attributedEventsSql(sql: postgres.Sql, customers?: Fragment): Fragment {
  const only = (col: string) => (customers ? sql`and ${sql.unsafe(col)} in (${customers})` : sql``);
  return sql`
    select e.kind, e.ref, e.customer_id, e.at, e.amount_fen, lt.campaign_id
    from (
      select 'order'::text as kind, o.id as ref, o.customer_id, o.created_at as at, 0::bigint as amount_fen
        from orders o where true ${only('o.customer_id')}
      union all
      select 'deposit', p.id, o.customer_id, p.created_at, p.amount_fen::bigint
        from payments p join orders o on o.id = p.order_id where p.status = 'applied' ${only('o.customer_id')}
      union all
      select 'store', so.id, so.customer_id, so.paid_at, (so.goods_fen + coalesce(so.shipping_fen, 0))::bigint
        from store_orders so where so.state in ('paid', 'shipped', 'delivered') and so.paid_at is not null ${only('so.customer_id')}
    ) e
    left join lateral (${lastTouchSql(sql, 'e.customer_id', 'e.at')}) lt on true`;
}

export interface CampaignAttribution {
  campaignId: number;
  /** Taps on the campaign's buttons and links. */
  clicks: number;
  /** Distinct customers who clicked. */
  clickers: number;
  orders: number;
  deposits: number;
  depositsFen: number;
  storeOrders: number;
  storeFen: number;
}

const empty = (campaignId: number): CampaignAttribution => ({
  campaignId,
  clicks: 0,
  clickers: 0,
  orders: 0,
  deposits: 0,
  depositsFen: 0,
  storeOrders: 0,
  storeFen: 0,
});

/** Attributed figures of these campaigns (every id gets a row, zeros when nobody clicked). */
export async function campaignAttribution(sql: postgres.Sql, campaignIds: number[]): Promise<Map<number, CampaignAttribution>> {
  const out = new Map(campaignIds.map((id) => [id, empty(id)]));
  if (!campaignIds.length) return out;
  const clickers = sql`select distinct customer_id from campaign_clicks where campaign_id in ${sql(campaignIds)}`;
  const [clickRows, eventRows] = await Promise.all([
    sql<Array<{ campaign_id: number; clicks: string; clickers: string }>>`
      select campaign_id, count(*) as clicks, count(distinct customer_id) as clickers
      from campaign_clicks where campaign_id in ${sql(campaignIds)} group by campaign_id`,
    sql<Array<{ campaign_id: number; kind: AttributedKind; n: string; fen: string }>>`
      select a.campaign_id, a.kind, count(*) as n, coalesce(sum(a.amount_fen), 0) as fen
      from (${attributedEventsSql(sql, clickers)}) a
      where a.campaign_id in ${sql(campaignIds)} group by a.campaign_id, a.kind`,
  ]);
  for (const r of clickRows) Object.assign(out.get(r.campaign_id)!, { clicks: Number(r.clicks), clickers: Number(r.clickers) });
  for (const r of eventRows) {
    const a = out.get(r.campaign_id)!;
    if (r.kind === 'order') a.orders = Number(r.n);
    else if (r.kind === 'deposit') Object.assign(a, { deposits: Number(r.n), depositsFen: Number(r.fen) });
    else Object.assign(a, { storeOrders: Number(r.n), storeFen: Number(r.fen) });
  }
  return out;
}
