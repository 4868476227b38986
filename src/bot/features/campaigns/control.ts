import { Composer } from 'telegraf';
import type { Campaign } from '../../../db/schema/campaigns.js';
import { editProgressMessage } from '../../../telegram/campaign-progress.js';
import { classifyTelegramError } from '../../../shared/telegram-errors.js';
import { cb } from '../../../telegram/callback-data.js';
import { forCustomers, type BotContext } from '../../context.js';
import { fmtOf } from '../../../telegram/format.js';
import { listScreen, progressScreen } from '../../../telegram/screens/campaigns.js';
import { notice, show } from '../../ui.js';
import { guard, type Draft } from './shared.js';

/**
 * Watching and steering campaigns: the progress message's Pause / Resume / Cancel / Refresh
 * buttons and /campaigns (recent campaigns with their figures). Marketers and admins only.
 */
const feature = new Composer<BotContext>();
export const campaignControlFeature = forCustomers(feature);

const repoOf = (ctx: BotContext) => ctx.deps.services.campaigns;
const deliveryOf = (ctx: BotContext) => ctx.deps.services.campaignDelivery;

/**
 * Writes the confirmed draft, posts its progress message and queues its start (now or delayed).
 * Safe to run again for the same draft (its key): the campaign the first run wrote is found, its
 * progress message is posted only if it was not, and the start is queued under its fixed job id.
 */
export async function startConfirmed(ctx: BotContext, draft: Draft): Promise<void> {
  const repo = repoOf(ctx);
  const now = ctx.deps.now();
  const scheduledAt = draft.scheduledAt ? new Date(draft.scheduledAt) : now;
  const id = await repo.create({
    createdBy: ctx.from!.id,
    segment: draft.segment,
    defaultLocale: draft.variants[0]!.locale,
    scheduledAt,
    variants: draft.variants,
    requestKey: draft.key ?? `update:${ctx.update.update_id}`,
  });
  const campaign = (await repo.get(id))!;
  if (campaign.progressMessageId === null) {
    const screen = progressScreen(fmtOf(ctx), campaign, await deliveryOf(ctx).counts(id), 0, now);
    const sent = await ctx.reply(screen.text, { parse_mode: 'HTML', reply_markup: { inline_keyboard: screen.keyboard ?? [] } });
    await repo.setProgressMessage(id, sent.message_id);
  }
  // The start job re-checks the status (a started or cancelled campaign is left alone).
  if (campaign.status === 'scheduled') await ctx.deps.campaignJobs.start(id, campaign.scheduledAt.getTime() - now.getTime());
  ctx.log.info({ campaignId: id, scheduledAt }, 'campaign confirmed');
}

type Action = 'pause' | 'resume' | 'cancel';
const ACTIONS: readonly string[] = ['pause', 'resume', 'cancel'];

/**
 * Pauses, resumes or cancels a campaign (any marketer or admin may steer any campaign; the caller
 * has checked the role). The campaign's progress message shows the new state right away.
 * Returns the campaign as it is now and whether the action was taken.
 */
async function control(ctx: BotContext, campaign: Campaign, action: Action): Promise<{ campaign: Campaign; changed: boolean }> {
  const repo = repoOf(ctx);
  const next =
    action === 'pause'
      ? await repo.transition(campaign.id, ['running'], 'paused')
      : action === 'resume'
        ? await repo.transition(campaign.id, ['paused'], 'running')
        : await repo.transition(campaign.id, ['scheduled', 'running', 'paused'], 'cancelled');
  if (!next) return { campaign, changed: false };
  if (action === 'resume') await ctx.deps.campaignJobs.resume(next.id, next.generation, await deliveryOf(ctx).pendingBatches(next.id));
  // A scheduled campaign's start job would find it cancelled anyway; removing it keeps the queue tidy.
  if (action === 'cancel' && campaign.status === 'scheduled') await ctx.deps.campaignJobs.cancelStart(campaign.id);
  ctx.log.info({ campaignId: campaign.id, action, by: ctx.from?.id }, 'campaign control');
  await editProgressMessage(ctx.deps, ctx.telegram, next, await deliveryOf(ctx).counts(next.id), 0);
  return { campaign: next, changed: true };
}

const notNow = (ctx: BotContext, c: Campaign) => ctx.t('campaigns.control.not_now', { status: ctx.t(`campaigns.status.${c.status}`) });

/** /campaigns: recent campaigns; /campaigns pause|resume|cancel N steers campaign N. */
feature.command('campaigns', async (ctx) => {
  if (!(await guard(ctx))) return;
  const args = ctx.payload.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (args.length === 0) return show(ctx, { ...listScreen(fmtOf(ctx), await repoOf(ctx).recent(10)), noSupport: true }, { fresh: true });
  const [action, idArg] = args;
  const id = Number((idArg ?? '').replace(/^#/, ''));
  if (args.length !== 2 || !ACTIONS.includes(action!) || !Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647) {
    return notice(ctx, ctx.t('campaigns.control.usage'));
  }
  const repo = repoOf(ctx);
  const campaign = await repo.get(id);
  if (!campaign) return notice(ctx, ctx.t('campaigns.control.not_found', { id }));
  const result = await control(ctx, campaign, action as Action);
  const head = result.changed ? ctx.t(`campaigns.control.done_${action as Action}`) : notNow(ctx, result.campaign);
  const screen = progressScreen(fmtOf(ctx), result.campaign, await deliveryOf(ctx).counts(id), 0);
  await show(ctx, { ...screen, text: `${head}\n\n${screen.text}`, noSupport: true }, { fresh: true });
});

feature.action(cb.campaignControl.trigger, async (ctx) => {
  if (!(await guard(ctx))) return;
  const data = cb.campaignControl.read(ctx);
  const repo = repoOf(ctx);
  const campaign = data && (await repo.get(data.campaignId));
  if (!data || !campaign) return ctx.toast(ctx.t('errors.bad_button'), true);
  let now = campaign;
  if (data.action !== 'refresh') {
    const result = await control(ctx, campaign, data.action);
    now = result.campaign;
    await ctx.toast(result.changed ? ctx.t(`campaigns.control.done_${data.action}`) : notNow(ctx, campaign), !result.changed);
  } else {
    await ctx.toast();
  }
  const messageId = ctx.callbackQuery.message?.message_id;
  // The progress message itself was edited by control(); a /campaigns list pressed becomes this campaign's view.
  if (!messageId || (messageId === now.progressMessageId && ctx.chat?.id === now.createdBy && data.action !== 'refresh')) return;
  const screen = progressScreen(fmtOf(ctx), now, await deliveryOf(ctx).counts(now.id), 0);
  await ctx.telegram
    .editMessageText(ctx.chat!.id, messageId, undefined, screen.text, { parse_mode: 'HTML', reply_markup: { inline_keyboard: screen.keyboard ?? [] } })
    .catch((err: unknown) => {
      if (classifyTelegramError(err).kind !== 'not_modified') throw err;
    });
});
