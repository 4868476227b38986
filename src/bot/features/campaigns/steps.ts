import { z } from 'zod';
import { orderStateGroups } from '../../../domain/campaigns/segment.js';

const locale = z.enum(['zh-CN', 'en']);

/** A version of the message in one language (VariantDraft in src/domain/campaigns/repository.ts). */
const variant = z.object({
  locale,
  kind: z.enum(['text', 'photo', 'video']),
  text: z.string(),
  fileId: z.string().nullable(),
  entities: z.array(z.unknown()),
  buttons: z.array(
    z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('url'), label: z.string(), url: z.string() }),
      z.object({ kind: z.literal('model'), label: z.string(), modelId: z.string() }),
    ]),
  ),
});

/** The audience (CampaignSegment in src/db/schema/campaigns.ts). */
const segment = z.object({
  locales: z.array(locale).optional(),
  models: z.array(z.string()).optional(),
  orderStates: z.array(z.enum(orderStateGroups)).optional(),
  cities: z.array(z.string()).optional(),
  activeDays: z.number().int().positive().optional(),
  source: z.string().optional(),
});

/** The composer's draft, kept in the chat's conversation state until it is confirmed. */
export const campaignDraft = z.object({
  variants: z.array(variant),
  /** The language of the version being written. */
  current: locale,
  segment,
  /** ISO time, or null for "now". */
  scheduledAt: z.string().datetime().nullable(),
  /**
   * Made with the draft (/campaign): the campaign is created under this key, so a confirm press run
   * again (after a crash, or a failed queue) finds the campaign the first run made. Optional for
   * drafts begun before it existed.
   */
  key: z.string().min(1).max(64).optional(),
});

const composing = z.object({ draft: campaignDraft });
/** From the buttons step on, the first version exists. */
const written = z.object({ draft: campaignDraft.extend({ variants: z.array(variant).min(1) }) });

/**
 * /campaign, the composer: language of the first version → content → buttons → (second
 * language) → audience (with its pickers and source) → schedule → confirm.
 */
export const campaignStepSchemas = {
  'campaign.locale': composing,
  'campaign.content': composing,
  'campaign.buttons': written,
  'campaign.second': written,
  'campaign.segment': written,
  'campaign.pick.models': written,
  'campaign.pick.orders': written,
  'campaign.pick.cities': written,
  'campaign.source': written,
  'campaign.schedule': written,
  'campaign.confirm': written,
};

export type CampaignStep = keyof typeof campaignStepSchemas;
