import type postgres from 'postgres';
import type { CampaignSegment } from '../../db/schema/campaigns.js';

export const orderStateGroups = ['none', 'awaiting_deposit', 'deposit_paid', 'delivered'] as const;
export type OrderStateGroup = (typeof orderStateGroups)[number];

/** Order states each segment group stands for ("deposit paid" is every paid state before delivery). */
const GROUP_STATES: Record<Exclude<OrderStateGroup, 'none'>, string[]> = {
  awaiting_deposit: ['awaiting_deposit'],
  deposit_paid: ['deposit_paid', 'vehicle_allocated', 'ready_for_delivery', 'delivery_scheduled'],
  delivered: ['delivered'],
};
/** Orders that still count as "having an order" (a cancelled or expired one does not). */
const LIVE_STATES = ['awaiting_deposit', ...GROUP_STATES.deposit_paid, 'delivered', 'refund_requested'];

/**
 * The WHERE clause over `customers c` for a campaign audience: only customers who agreed to news,
 * have not blocked the bot and have not unsubscribed (consent false) are ever included; the
 * segment narrows further. Each condition is an indexed EXISTS or a column test, so it stays one
 * set-based statement however many customers there are.
 */
export function audienceWhere(sqlOrTx: postgres.Sql | postgres.TransactionSql, s: CampaignSegment): postgres.PendingQuery<postgres.Row[]> {
  const sql = sqlOrTx as postgres.Sql;
  const parts: Array<postgres.PendingQuery<postgres.Row[]>> = [sql`c.marketing_consent is true and not c.blocked`];
  if (s.locales?.length) parts.push(sql`c.language in ${sql(s.locales)}`);
  if (s.models?.length) {
    parts.push(sql`(exists (select 1 from customer_model_views v where v.customer_id = c.id and v.model_id in ${sql(s.models)})
      or exists (select 1 from orders o where o.customer_id = c.id and o.model_id in ${sql(s.models)}))`);
  }
  if (s.orderStates?.length) {
    const ors: Array<postgres.PendingQuery<postgres.Row[]>> = [];
    for (const g of s.orderStates) {
      if (g === 'none') ors.push(sql`not exists (select 1 from orders o where o.customer_id = c.id and o.state in ${sql(LIVE_STATES)})`);
      else ors.push(sql`exists (select 1 from orders o where o.customer_id = c.id and o.state in ${sql(GROUP_STATES[g])})`);
    }
    parts.push(sql`(${join(sql, ors, sql` or `)})`);
  }
  if (s.cities?.length) parts.push(sql`exists (select 1 from orders o where o.customer_id = c.id and o.city in ${sql(s.cities)})`);
  if (s.activeDays) parts.push(sql`c.last_active_at > now() - make_interval(days => ${s.activeDays}::int)`);
  if (s.source) parts.push(sql`(c.source = ${s.source} or c.last_source = ${s.source})`);
  return join(sql, parts, sql` and `);
}

function join(sql: postgres.Sql, parts: Array<postgres.PendingQuery<postgres.Row[]>>, sep: postgres.PendingQuery<postgres.Row[]>) {
  return parts.reduce((acc, p, i) => (i === 0 ? p : sql`${acc}${sep}${p}`));
}

/** A segment as stored: unknown or empty fields dropped, so `{}` means "everyone who agreed". */
export function normalizeSegment(s: CampaignSegment): CampaignSegment {
  const out: CampaignSegment = {};
  if (s.locales?.length) out.locales = [...new Set(s.locales)];
  if (s.models?.length) out.models = [...new Set(s.models)];
  if (s.orderStates?.length) out.orderStates = [...new Set(s.orderStates)];
  if (s.cities?.length) out.cities = [...new Set(s.cities)];
  if (s.activeDays && s.activeDays > 0) out.activeDays = Math.floor(s.activeDays);
  if (s.source) out.source = s.source;
  return out;
}
