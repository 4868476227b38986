import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Locale } from '../../../domain/customers/service.js';
import type { BotContext } from '../../context.js';
import { hasRole } from '../../staff-only.js';
import { campaignStepSchemas, type campaignDraft, type CampaignStep } from './steps.js';

/** The composer's draft, kept in the chat's conversation state until it is confirmed (schema in steps.ts). */
export type Draft = z.output<typeof campaignDraft>;

const CAMPAIGN_STEPS = Object.keys(campaignStepSchemas) as CampaignStep[];

export const emptyDraft = (locale: Locale): Draft => ({ variants: [], current: locale, segment: {}, scheduledAt: null, key: randomUUID() });

export const draftOf = (ctx: BotContext): Draft | null => ctx.stepData(...CAMPAIGN_STEPS)?.draft ?? null;

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
export function save(ctx: BotContext, step: CampaignStep, draft: Draft) {
  ctx.go(step, { draft });
}

/** A composer button is only good on its own step (an older message's button is stale). */
export function onStep(ctx: BotContext, ...steps: CampaignStep[]): Draft | null {
  return ctx.stepData(...steps)?.draft ?? null;
}
