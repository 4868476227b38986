import type { CampaignSegment } from '../../../db/schema/campaigns.js';
import type { VariantDraft } from '../../../domain/campaigns/repository.js';
import type { Locale } from '../../../domain/customers/service.js';
import type { BotContext } from '../../context.js';
import { hasRole } from '../../staff-only.js';

/** The composer's draft, kept in the chat's conversation state until it is confirmed. */
export interface Draft {
  variants: VariantDraft[];
  current: Locale;
  segment: CampaignSegment;
  /** ISO time, or null for "now". */
  scheduledAt: string | null;
}

export const emptyDraft = (locale: Locale): Draft => ({ variants: [], current: locale, segment: {}, scheduledAt: null });

export const draftOf = (ctx: BotContext): Draft | null => {
  const d = ctx.session.data.draft as Draft | undefined;
  return d && Array.isArray(d.variants) ? d : null;
};

export const inComposer = (ctx: BotContext): boolean => ctx.session.step.startsWith('campaign.');

/** Marketers and admins only, from the database, on every update that needs it. */
export const isMarketer = (ctx: BotContext): Promise<boolean> => hasRole(ctx, 'marketer');

/** Refuses a non-marketer with a localized answer; true when the sender may go on. */
export async function guard(ctx: BotContext): Promise<boolean> {
  if (await isMarketer(ctx)) return true;
  ctx.log.warn({ data: ctx.callbackQuery && 'data' in ctx.callbackQuery ? ctx.callbackQuery.data : undefined }, 'campaigns: refused a non-marketer');
  if (ctx.callbackQuery) await ctx.toast(ctx.t('campaigns.not_allowed'), true);
  else await ctx.reply(ctx.t('campaigns.not_allowed'));
  return false;
}

/** Moves the composer to `step` with the draft. */
export function save(ctx: BotContext, step: string, draft: Draft) {
  ctx.go(step, { draft });
}

/** A composer button is only good on its own step (an older message's button is stale). */
export function onStep(ctx: BotContext, ...steps: string[]): Draft | null {
  const draft = draftOf(ctx);
  return draft && steps.includes(ctx.session.step) ? draft : null;
}
