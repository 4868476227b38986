import { Composer } from 'telegraf';
import type { ErasureBlocker } from '../../../domain/privacy/index.js';
import { cb } from '../../../telegram/callback-data.js';
import { forCustomers, type BotContext } from '../../context.js';

/**
 * `/deletemydata`: a customer erases their personal data (src/domain/privacy/erasure.ts) after
 * a confirmation with two buttons in their language. Mounted before support, so it works during a
 * handoff too (the conversation is closed and its topic deleted).
 */
const feature = new Composer<BotContext>();
export const privacyFeature = forCustomers(feature);

const keyboard = (ctx: BotContext) => ({
  inline_keyboard: [
    [{ text: ctx.t('privacy.confirm_yes'), callback_data: cb.eraseData.pack({ answer: 'yes' }) }],
    [{ text: ctx.t('privacy.confirm_no'), callback_data: cb.eraseData.pack({ answer: 'no' }) }],
  ],
});

feature.command('deletemydata', async (ctx) => {
  await ctx.reply(ctx.t('privacy.confirm'), { parse_mode: 'HTML', reply_markup: keyboard(ctx) });
});

const blockerLine = (ctx: BotContext, b: ErasureBlocker) => ctx.t(`privacy.blocker.${b.kind}`, { number: b.number });

/** Replaces the confirmation with the outcome (no buttons left to press twice); a new message when it cannot be edited. */
async function answer(ctx: BotContext, text: string): Promise<void> {
  const message = ctx.callbackQuery?.message;
  if (message) {
    const edited = await ctx.telegram.editMessageText(ctx.chat!.id, message.message_id, undefined, text, { parse_mode: 'HTML' }).then(
      () => true,
      () => false,
    );
    if (edited) return;
  }
  await ctx.reply(text, { parse_mode: 'HTML' });
}

feature.action(cb.eraseData.trigger, async (ctx) => {
  const data = cb.eraseData.read(ctx);
  if (!data) return ctx.toast(ctx.t('errors.bad_button'), true);
  if (data.answer === 'no') {
    await ctx.toast();
    return answer(ctx, ctx.t('privacy.kept'));
  }
  const result = await ctx.deps.services.privacy.erase(ctx.account.id);
  await ctx.toast();
  if (result.status === 'blocked') {
    ctx.log.info({ blockers: result.blockers.length }, 'erasure refused: orders in progress');
    return answer(ctx, [ctx.t('privacy.blocked'), ...result.blockers.map((b) => blockerLine(ctx, b)), ctx.t('privacy.blocked_after')].join('\n'));
  }
  // The state row is gone with the rest: nothing of this update may write it again.
  ctx.sessionDirty = false;
  if (result.status === 'erased') {
    ctx.log.info({ customerId: ctx.account.id, cancelled: result.cancelledOrders.length + result.cancelledStoreOrders.length }, 'customer data erased');
    const supportChat = ctx.deps.config.supportChatId;
    // The topic holds copies of what the customer wrote: it goes too (best effort, logged).
    for (const thread of result.supportThreads) {
      if (supportChat === null) break;
      await ctx.telegram.deleteForumTopic(supportChat, thread).catch((err: unknown) => ctx.log.warn({ err, thread }, 'support topic not deleted'));
    }
    const cancelled = [...result.cancelledOrders, ...result.cancelledStoreOrders];
    const lines = [ctx.t('privacy.done')];
    if (cancelled.length > 0) lines.push(ctx.t('privacy.cancelled', { count: cancelled.length, numbers: cancelled.join(', ') }));
    return answer(ctx, lines.join('\n\n'));
  }
  await answer(ctx, ctx.t('privacy.done'));
});
