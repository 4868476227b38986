import type postgres from 'postgres';
import type { Db } from '../../db/client.js';
import type { Campaign, CampaignButton, CampaignSegment, CampaignStatus } from '../../db/schema/campaigns.js';
import type { Locale } from '../../shared/locale.js';
import { recentCampaigns, type CampaignFigures } from './figures.js';
import { audienceWhere, normalizeSegment } from './segment.js';

export interface VariantDraft {
  locale: Locale;
  kind: 'text' | 'photo' | 'video';
  text: string;
  fileId: string | null;
  entities: unknown[];
  buttons: CampaignButton[];
}

export interface CampaignDraft {
  createdBy: number;
  segment: CampaignSegment;
  defaultLocale: Locale;
  scheduledAt: Date;
  variants: VariantDraft[];
  /** The request that creates it (the composer's draft key): the same key again finds this campaign. */
  requestKey?: string;
}

// eslint-disable-next-line @typescript-eslint/no-base-to-string -- v is a raw SQL timestamp (text) or a Date, never a plain object
const toDate = (v: unknown): Date | null => (v == null ? null : v instanceof Date ? v : new Date(String(v)));

/**
 * Campaign rows in Postgres: composing, freezing the audience, status changes, clicks and figures.
 * Plain SQL (postgres.js) because the hot statements are set-based (freezing an audience); the
 * delivery statements (claiming a chunk, writing its results) are in delivery.ts.
 */
export class CampaignRepository {
  private readonly sql: postgres.Sql;
  constructor(db: Db) {
    this.sql = db.$client;
  }

  async audienceSize(segment: CampaignSegment): Promise<number> {
    const sql = this.sql;
    const [row] = await sql<[{ n: string }]>`select count(*) as n from customers c where ${audienceWhere(sql, normalizeSegment(segment))}`;
    return Number(row.n);
  }

  /**
   * Writes a confirmed campaign, `scheduled`. With a `requestKey` a campaign was already created
   * under, nothing is written and that campaign's id is returned.
   */
  async create(d: CampaignDraft): Promise<number> {
    return this.sql.begin(async (tx) => {
      const [c] = await tx<Array<{ id: number }>>`
        insert into campaigns (created_by, status, segment, default_locale, scheduled_at, request_key)
        values (${d.createdBy}, 'scheduled', ${JSON.stringify(normalizeSegment(d.segment))}::jsonb, ${d.defaultLocale}, ${d.scheduledAt.toISOString()}::timestamptz, ${d.requestKey ?? null})
        on conflict (request_key) do nothing
        returning id`;
      if (!c) {
        const [existing] = await tx<Array<{ id: number }>>`select id from campaigns where request_key = ${d.requestKey ?? null}`;
        if (!existing) throw new Error('campaign insert returned nothing');
        return existing.id;
      }
      for (const v of d.variants) {
        await tx`insert into campaign_variants (campaign_id, locale, kind, text, file_id, entities, buttons)
          values (${c.id}, ${v.locale}, ${v.kind}, ${v.text}, ${v.fileId}, ${JSON.stringify(v.entities)}::jsonb, ${JSON.stringify(v.buttons)}::jsonb)`;
      }
      return c.id;
    });
  }

  async get(id: number): Promise<Campaign | null> {
    const [r] = await this.sql<Array<Record<string, unknown>>>`select * from campaigns where id = ${id}`;
    return r ? toCampaign(r) : null;
  }

  async variants(id: number): Promise<VariantDraft[]> {
    const rows = await this.sql<Array<Record<string, unknown>>>`select * from campaign_variants where campaign_id = ${id}`;
    return rows.map((r) => ({
      locale: r.locale as Locale,
      kind: r.kind as VariantDraft['kind'],
      text: r.text as string,
      fileId: (r.file_id as string | null) ?? null,
      entities: parseJson(r.entities) as unknown[],
      buttons: parseJson(r.buttons) as CampaignButton[],
    }));
  }

  async setProgressMessage(id: number, messageId: number): Promise<void> {
    await this.sql`update campaigns set progress_message_id = ${messageId} where id = ${id}`;
  }

  /**
   * Starts a scheduled campaign: marks it running and freezes its audience into the recipients
   * table with one INSERT … SELECT (customers are never loaded into memory), numbered into
   * batches of `batchSize`. Null when the campaign is not (or no longer) scheduled.
   */
  async freeze(id: number, batchSize: number): Promise<{ audience: number; batches: number } | null> {
    return this.sql.begin(async (tx) => {
      const [c] = await tx<Array<{ segment: unknown }>>`
        update campaigns set status = 'running', started_at = now(), updated_at = now()
        where id = ${id} and status = 'scheduled' returning segment`;
      if (!c) return null;
      const segment = parseJson(c.segment) as CampaignSegment;
      const inserted = await tx`
        insert into campaign_recipients (campaign_id, customer_id, chat_id, locale, batch)
        select ${id}, c.id, c.telegram_id, c.language, ((row_number() over (order by c.id)) - 1) / ${batchSize}
        from customers c where ${audienceWhere(tx, segment)}`;
      const audience = inserted.count;
      await tx`update campaigns set audience = ${audience} where id = ${id}`;
      return { audience, batches: Math.ceil(audience / batchSize) };
    });
  }

  /** Status and generation, read before every chunk (and cached briefly between sends). */
  async status(id: number): Promise<{ status: CampaignStatus; generation: number } | null> {
    const [r] = await this.sql<Array<{ status: CampaignStatus; generation: number }>>`select status, generation from campaigns where id = ${id}`;
    return r ?? null;
  }

  /** A guarded status change; false when the campaign was not in one of `from`. */
  async transition(campaignId: number, from: CampaignStatus[], to: CampaignStatus): Promise<Campaign | null> {
    return this.sql.begin(async (tx) => {
      const [r] = await tx<Array<Record<string, unknown>>>`
        update campaigns set status = ${to}, updated_at = now(),
          generation = case when ${to} = 'running' then generation + 1 else generation end,
          finished_at = case when ${to} in ('cancelled', 'done') then now() else finished_at end
        where id = ${campaignId} and status in ${tx(from)} returning *`;
      if (!r) return null;
      if (to === 'cancelled') {
        await tx`update campaign_recipients set state = 'cancelled' where campaign_id = ${campaignId} and state = 'pending'`;
      }
      return toCampaign(r);
    });
  }

  /** The catalog's hook: this customer looked at this model (for "models looked at" segments). */
  async modelViewed(customerId: number, modelId: string): Promise<void> {
    await this.sql`
      insert into customer_model_views (customer_id, model_id) values (${customerId}, ${modelId})
      on conflict (customer_id, model_id) do update set last_at = now()`;
  }

  /** Recent campaigns with their figures (see figures.ts). */
  async recent(limit = 10): Promise<CampaignFigures[]> {
    return recentCampaigns(this.sql, limit);
  }

  async recordClick(campaignId: number, customerId: number, button: number): Promise<void> {
    await this.sql`insert into campaign_clicks (campaign_id, customer_id, button) values (${campaignId}, ${customerId}, ${button})`;
  }

  /** True when the customer was a recipient of the campaign (clicks from anyone else are not counted). */
  async isRecipient(campaignId: number, customerId: number): Promise<boolean> {
    const rows = await this.sql`select 1 from campaign_recipients where campaign_id = ${campaignId} and customer_id = ${customerId}`;
    return rows.length > 0;
  }
}

function parseJson(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

function toCampaign(r: Record<string, unknown>): Campaign {
  return {
    id: r.id as number,
    createdBy: Number(r.created_by),
    status: r.status as CampaignStatus,
    segment: parseJson(r.segment) as CampaignSegment,
    defaultLocale: r.default_locale as string,
    scheduledAt: toDate(r.scheduled_at)!,
    startedAt: toDate(r.started_at),
    finishedAt: toDate(r.finished_at),
    audience: r.audience == null ? null : Number(r.audience),
    progressMessageId: (r.progress_message_id as number | null) ?? null,
    generation: r.generation as number,
    requestKey: (r.request_key as string | null) ?? null,
    createdAt: toDate(r.created_at)!,
    updatedAt: toDate(r.updated_at)!,
  };
}
