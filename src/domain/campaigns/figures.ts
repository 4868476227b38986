import type postgres from 'postgres';
import type { CampaignStatus } from '../../db/schema/campaigns.js';
import { campaignAttribution, type CampaignAttribution } from './attribution.js';

// eslint-disable-next-line @typescript-eslint/no-base-to-string -- v is a raw SQL timestamp (text) or a Date, never a plain object
const toDate = (v: unknown): Date | null => (v == null ? null : v instanceof Date ? v : new Date(String(v)));

export interface CampaignFigures {
  id: number;
  status: CampaignStatus;
  createdAt: Date;
  scheduledAt: Date;
  startedAt: Date | null;
  audience: number | null;
  sent: number;
  failed: number;
  blocked: number;
  unsubscribed: number;
  clicks: number;
  orders: number;
  deposits: number;
  depositsFen: number;
  /** Store orders paid (and not refunded) by recipients within 7 days, and their total with shipping. */
  storeOrders: number;
  storeFen: number;
  /** By click attribution (last click within 7 days before the sale, see attribution.ts), beside the window figures above. */
  attributed: CampaignAttribution;
}

/**
 * Recent campaigns with their figures. Attribution: car orders placed, deposits paid and store
 * orders paid (not refunded) by a recipient within 7 days after their message was sent.
 */
export async function recentCampaigns(sql: postgres.Sql, limit = 10): Promise<CampaignFigures[]> {
  const rows = await sql<Array<Record<string, unknown>>>`
    select c.id, c.status, c.created_at, c.scheduled_at, c.started_at, c.audience,
      (select count(*) from campaign_recipients r where r.campaign_id = c.id and r.state = 'sent') as sent,
      (select count(*) from campaign_recipients r where r.campaign_id = c.id and r.state = 'failed') as failed,
      (select count(*) from campaign_recipients r where r.campaign_id = c.id and r.state = 'blocked') as blocked,
      (select count(distinct l.customer_id) from marketing_consent_log l join campaign_recipients r
         on r.campaign_id = c.id and r.customer_id = l.customer_id and r.state = 'sent'
         where l.consent is false and l.at >= r.sent_at) as unsubscribed,
      (select count(*) from campaign_clicks k where k.campaign_id = c.id) as clicks,
      (select count(*) from orders o join campaign_recipients r on r.customer_id = o.customer_id and r.campaign_id = c.id and r.state = 'sent'
         where o.created_at between r.sent_at and r.sent_at + interval '7 days') as orders,
      (select count(*) from payments p join orders o on o.id = p.order_id
         join campaign_recipients r on r.customer_id = o.customer_id and r.campaign_id = c.id and r.state = 'sent'
         where p.created_at between r.sent_at and r.sent_at + interval '7 days') as deposits,
      (select coalesce(sum(p.amount_fen), 0) from payments p join orders o on o.id = p.order_id
         join campaign_recipients r on r.customer_id = o.customer_id and r.campaign_id = c.id and r.state = 'sent'
         where p.created_at between r.sent_at and r.sent_at + interval '7 days') as deposits_fen,
      (select count(*) from store_orders so join campaign_recipients r on r.customer_id = so.customer_id and r.campaign_id = c.id and r.state = 'sent'
         where so.state in ('paid', 'shipped', 'delivered') and so.paid_at between r.sent_at and r.sent_at + interval '7 days') as store_orders,
      (select coalesce(sum(so.goods_fen + coalesce(so.shipping_fen, 0)), 0) from store_orders so
         join campaign_recipients r on r.customer_id = so.customer_id and r.campaign_id = c.id and r.state = 'sent'
         where so.state in ('paid', 'shipped', 'delivered') and so.paid_at between r.sent_at and r.sent_at + interval '7 days') as store_fen
    from campaigns c order by c.id desc limit ${limit}`;
  const attributed = await campaignAttribution(
    sql,
    rows.map((r) => r.id as number),
  );
  return rows.map((r) => ({
    id: r.id as number,
    status: r.status as CampaignStatus,
    createdAt: toDate(r.created_at)!,
    scheduledAt: toDate(r.scheduled_at)!,
    startedAt: toDate(r.started_at),
    audience: r.audience == null ? null : Number(r.audience),
    sent: Number(r.sent),
    failed: Number(r.failed),
    blocked: Number(r.blocked),
    unsubscribed: Number(r.unsubscribed),
    clicks: Number(r.clicks),
    orders: Number(r.orders),
    deposits: Number(r.deposits),
    depositsFen: Number(r.deposits_fen),
    storeOrders: Number(r.store_orders),
    storeFen: Number(r.store_fen),
    attributed: attributed.get(r.id as number)!,
  }));
}
