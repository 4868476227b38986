import { Composer } from 'telegraf';
import type { BotContext } from '../context.js';
import { showCurrentStep, type StepName } from '../steps.js';
import { notice } from '../ui.js';

/**
 * Mounted last. A button nobody claimed is forged or from an old version of the bot; an unknown
 * command gets the help text; anything else (free text, a sticker, a photo) where the current
 * step expects a button re-asks the question, so nothing the customer did is silently lost.
 */
export const unhandledFeature = new Composer<BotContext>();

/** Steps answered by typing: after the help, their question is asked again. */
const TYPED_ANSWER_STEPS = new Set<StepName>(['order.name', 'order.phone', 'booking.address']);

unhandledFeature.on('callback_query', async (ctx) => {
  const data = 'data' in ctx.callbackQuery ? ctx.callbackQuery.data : undefined;
  ctx.log.warn({ data }, 'unknown callback data');
  await ctx.toast(ctx.t('errors.bad_button'), true);
  if (ctx.customer) await showCurrentStep(ctx, { fresh: true });
});

unhandledFeature.on('message', async (ctx) => {
  if (!ctx.customer || ctx.chat.type !== 'private') return;
  const text = 'text' in ctx.message ? ctx.message.text : undefined;
  if (text && /^\/cancel(?:@\w+)?$/i.test(text.trim())) {
    // Flows with their own /cancel (ops, the campaign composer) answered before this; for a
    // customer mid-flow it means "leave this": drafts live in the chat state, nothing is lost.
    if (ctx.session.step === 'menu') return notice(ctx, ctx.t('errors.nothing_to_cancel'));
    // The phone question's reply keyboard (share my number) goes with the step.
    await notice(ctx, ctx.t('errors.cancelled_step'), { removeKeyboard: true });
    ctx.go('menu', {});
    await showCurrentStep(ctx, { fresh: true });
    return;
  }
  if (text?.startsWith('/')) {
    // The help comes as a plain message, so the current step's buttons stay live; mid-flow the
    // question is asked again below it.
    await notice(ctx, `${ctx.t('errors.unknown_command')}\n\n${ctx.t('help.text')}`);
    if (TYPED_ANSWER_STEPS.has(ctx.session.step)) await showCurrentStep(ctx, { fresh: true });
    return;
  }
  const step = ctx.session.step;
  await notice(ctx, ctx.t(step === 'menu' ? 'errors.use_menu' : TYPED_ANSWER_STEPS.has(step) ? 'errors.type_answer' : 'errors.use_buttons'));
  await showCurrentStep(ctx, { fresh: true });
});
