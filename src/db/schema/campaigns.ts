import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp } from 'drizzle-orm/pg-core';
import { carModels } from './catalog.js';
import type { Locale } from '../../shared/locale.js';
import { customers, timestamps } from './customers.js';

/** Who a campaign goes to; every field narrows (AND), values within a field widen (OR). */
export interface CampaignSegment {
  locales?: Locale[];
  /** Models the customer looked at (customer_model_views) or ordered. */
  models?: string[];
  orderStates?: Array<'none' | 'awaiting_deposit' | 'deposit_paid' | 'delivered'>;
  cities?: string[];
  activeDays?: number;
  source?: string;
}

export type CampaignButton = { kind: 'url'; label: string; url: string } | { kind: 'model'; label: string; modelId: string };

export const campaignStatuses = ['scheduled', 'running', 'paused', 'cancelled', 'done'] as const;
export type CampaignStatus = (typeof campaignStatuses)[number];

export const campaigns = pgTable(
  'campaigns',
  {
    id: serial('id').primaryKey(),
    /** Telegram id of the marketer; their private chat gets the progress message. */
    createdBy: bigint('created_by', { mode: 'number' }).notNull(),
    status: text('status').$type<CampaignStatus>().notNull().default('scheduled'),
    segment: jsonb('segment').$type<CampaignSegment>().notNull().default({}),
    defaultLocale: text('default_locale').notNull(),
    scheduledAt: timestamp('scheduled_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** Recipients frozen at start. */
    audience: integer('audience'),
    progressMessageId: integer('progress_message_id'),
    /** Bumped on every resume, so the delivery jobs of a resume have ids of their own. */
    generation: integer('generation').notNull().default(0),
    /** The composer's draft key (src/bot/features/campaigns/steps.ts): a rerun of the confirm press finds this campaign. */
    requestKey: text('request_key').unique(),
    ...timestamps,
  },
  (t) => [check('campaigns_status', sql`${t.status} in ('scheduled','running','paused','cancelled','done')`)],
);

export const campaignVariants = pgTable(
  'campaign_variants',
  {
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    locale: text('locale').notNull(),
    kind: text('kind').$type<'text' | 'photo' | 'video'>().notNull(),
    text: text('text').notNull().default(''),
    fileId: text('file_id'),
    /** Telegram message entities of the text or caption (formatting kept as the marketer sent it). */
    entities: jsonb('entities').$type<unknown[]>().notNull().default([]),
    buttons: jsonb('buttons').$type<CampaignButton[]>().notNull().default([]),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.locale] })],
);

export const recipientStates = ['pending', 'sending', 'sent', 'failed', 'blocked', 'cancelled'] as const;
export type RecipientState = (typeof recipientStates)[number];

/** The frozen audience: one row per customer; its state is the truth about what was sent. */
export const campaignRecipients = pgTable(
  'campaign_recipients',
  {
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    customerId: integer('customer_id').notNull(),
    chatId: bigint('chat_id', { mode: 'number' }).notNull(),
    locale: text('locale').notNull(),
    /** Delivery jobs take recipients a batch at a time. */
    batch: integer('batch').notNull(),
    state: text('state').$type<RecipientState>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    claimedBy: text('claimed_by'),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    messageId: integer('message_id'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    error: text('error'),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.customerId] }),
    index('campaign_recipients_batch_idx').on(t.campaignId, t.batch, t.state),
    index('campaign_recipients_customer_idx').on(t.customerId),
  ],
);

export const campaignClicks = pgTable(
  'campaign_clicks',
  {
    id: serial('id').primaryKey(),
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    /** Index of the button in the campaign variant's buttons (the `<key>` of `c-<campaign>-<key>`). */
    button: integer('button').notNull(),
    clickedAt: timestamp('clicked_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('campaign_clicks_campaign_idx').on(t.campaignId), index('campaign_clicks_customer_idx').on(t.customerId, t.clickedAt)],
);

/** Models a customer has looked at (written by the catalog when a model card is shown). */
export const customerModelViews = pgTable(
  'customer_model_views',
  {
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    modelId: text('model_id')
      .notNull()
      .references(() => carModels.id),
    lastAt: timestamp('last_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.modelId] }), index('customer_model_views_model_idx').on(t.modelId)],
);

/** Every consent question and answer: when someone was asked, agreed, or unsubscribed (and from which campaign). */
export const marketingConsentLog = pgTable(
  'marketing_consent_log',
  {
    id: serial('id').primaryKey(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    /** null = asked; true = agreed; false = declined or unsubscribed. */
    consent: boolean('consent'),
    via: text('via').$type<'asked' | 'start' | 'settings' | 'unsubscribe'>().notNull(),
    campaignId: integer('campaign_id'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('marketing_consent_log_customer_idx').on(t.customerId)],
);

export type Campaign = typeof campaigns.$inferSelect;
export type CampaignVariant = typeof campaignVariants.$inferSelect;
export type CampaignRecipient = typeof campaignRecipients.$inferSelect;
export type CampaignClick = typeof campaignClicks.$inferSelect;
