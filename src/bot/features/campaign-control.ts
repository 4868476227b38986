import { Composer } from 'telegraf';
import { CampaignRepository } from '../../domain/campaigns/repository.js';
import { campaignQueue, enqueueBatches, enqueueProgress, jobIds } from '../../jobs/campaign-jobs.js';
import { classifyTelegramError } from '../../shared/telegram-errors.js';
import { cb } from '../callback-data/index.js';
import { forCustomers, type BotContext } from '../context.js';
import { fmtOf } from '../format.js';
import { listScreen, progressScreen } from '../keyboards/campaigns.js';
import { show } from '../ui.js';
import { guard, type Draft } from './campaign-shared.js';

/**
 * Watching and steering campaigns: the progress message's Pause / Resume / Cancel / Refresh
 * buttons and /campaigns (recent campaigns with their figures). Marketers and admins only.
 */
const feature = new Composer<BotContext>();
export const campaignControlFeature = forCustomers(feature);

const repoOf = (ctx: BotContext) => new CampaignRepository(ctx.deps.db);
const queueOf = (ctx: BotContext) => campaignQueue(ctx.deps.redis, ctx.deps.config.queuePrefix);

/** Writes the confirmed draft, posts its progress message and queues its start (now or delayed). */
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
  });
  const campaign = (await repo.get(id))!;
  const screen = progressScreen(fmtOf(ctx), campaign, await repo.counts(id), 0);
  const sent = await ctx.reply(screen.text, { parse_mode: 'HTML', reply_markup: { inline_keyboard: screen.keyboard ?? [] } });
  await repo.setProgressMessage(id, sent.message_id);
  await queueOf(ctx).add('start', { kind: 'start', campaignId: id }, { jobId: jobIds.start(id), delay: Math.max(0, scheduledAt.getTime() - now.getTime()) });
  ctx.log.info({ campaignId: id, scheduledAt }, 'campaign confirmed');
}

feature.command('campaigns', async (ctx) => {
  if (!(await guard(ctx))) return;
  await show(ctx, listScreen(fmtOf(ctx), await repoOf(ctx).recent(10)), { fresh: true });
});

feature.action(cb.campaignControl.trigger, async (ctx) => {
  if (!(await guard(ctx))) return;
  const data = cb.campaignControl.read(ctx);
  const repo = repoOf(ctx);
  const campaign = data && (await repo.get(data.campaignId));
  if (!data || !campaign) return ctx.toast(ctx.t('errors.bad_button'), true);
  let changed = campaign;
  if (data.action !== 'refresh') {
    const next =
      data.action === 'pause'
        ? await repo.transition(campaign.id, ['running'], 'paused')
        : data.action === 'resume'
          ? await repo.transition(campaign.id, ['paused'], 'running')
          : await repo.transition(campaign.id, ['scheduled', 'running', 'paused'], 'cancelled');
    if (!next) {
      await ctx.toast(ctx.t('campaigns.control.not_now', { status: ctx.t(`campaigns.status.${campaign.status}`) }), true);
    } else {
      changed = next;
      if (data.action === 'resume') {
        const queue = queueOf(ctx);
        await enqueueBatches(queue, next.id, next.generation, await repo.pendingBatches(next.id));
        await enqueueProgress(queue, next.id, next.generation, 0, { sent: 0, at: Date.now() }, 0);
      }
      // A scheduled campaign's start job would find it cancelled anyway; removing it keeps the queue tidy.
      if (data.action === 'cancel' && campaign.status === 'scheduled') await queueOf(ctx).remove(jobIds.start(campaign.id)).catch(() => undefined);
      ctx.log.info({ campaignId: campaign.id, action: data.action }, 'campaign control');
      await ctx.toast(ctx.t(`campaigns.control.done_${data.action}`));
    }
  } else {
    await ctx.toast();
  }
  const screen = progressScreen(fmtOf(ctx), changed, await repo.counts(changed.id), 0);
  const messageId = ctx.callbackQuery.message?.message_id;
  if (!messageId) return;
  await ctx.telegram
    .editMessageText(ctx.chat!.id, messageId, undefined, screen.text, { parse_mode: 'HTML', reply_markup: { inline_keyboard: screen.keyboard ?? [] } })
    .catch((err: unknown) => {
      if (classifyTelegramError(err).kind !== 'not_modified') throw err;
    });
});
