import type { z } from 'zod';
import type { BotContext } from './context.js';
import type { LoadedState, StepDefinition, StepRenderer as RendererOf } from './step-registry.js';
import { fromLiveMenu, notice } from './ui.js';

export type { StepData, StepName } from './step-registry.js';

/**
 * Every conversation step says how to show itself again. The catch-all uses it to re-ask the
 * question when free text or a sticker arrives where a button is expected, and stale buttons
 * use it to offer the current step.
 */
export type StepRenderer = RendererOf<BotContext>;

/**
 * A feature area's steps: its schemas (its steps.ts) each with the renderer of the step; createBot
 * (src/bot/index.ts) puts every area's into the bot's step registry. A step without a renderer
 * does not compile.
 */
export function defineSteps<T extends Record<string, z.ZodTypeAny>>(schemas: T, renderers: { [K in keyof T]: StepRenderer }): { [K in keyof T]: StepDefinition<BotContext> } {
  const definitions = {} as { [K in keyof T]: StepDefinition<BotContext> };
  for (const step of Object.keys(schemas) as Array<keyof T>) definitions[step] = { schema: schemas[step]!, render: renderers[step] };
  return definitions;
}

/** Shows the chat's current step again. */
export async function showCurrentStep(ctx: BotContext, opts: { fresh: boolean } = { fresh: true }): Promise<void> {
  await ctx.steps.renderer(ctx.session.step)(ctx, opts);
}

/** A button from an earlier step or message: say so, and offer the step the customer is on now. */
export async function staleButton(ctx: BotContext): Promise<void> {
  const q = ctx.callbackQuery;
  ctx.log.info({ data: q && 'data' in q ? q.data : undefined, step: ctx.session.step }, 'stale or invalid button');
  await ctx.toast(ctx.t('stale.button'));
  // Only a customer's chat has a step to show (a press in the support group has none).
  if (ctx.customer) await showCurrentStep(ctx, { fresh: true });
}

/**
 * The chat's saved step no longer exists, or its data does not fit the step's schema (a deploy
 * renamed or changed it, or the row was corrupted), and beginUpdate has put the chat on the main
 * menu. Logged with the step and where the data failed (never the data). When the update is the
 * customer answering that step (typing, or a button of its screen, the live menu) it is answered
 * here: a short note and the main menu. Anything else (a command, a button of another message, a
 * payment, a message to a support agent) is handled as usual, from the menu. True when answered.
 */
export async function leaveStaleStep(ctx: BotContext, stale: Extract<LoadedState, { ok: false }>): Promise<boolean> {
  ctx.log.warn({ step: stale.step, reason: stale.reason, issues: stale.issues }, 'stale conversation state: back to the main menu');
  ctx.sessionDirty = true;
  if (!ctx.customer || ctx.supportConversationId !== null) return false;
  const msg = ctx.message;
  const typed = !!msg && !('successful_payment' in msg) && !('text' in msg && msg.text.startsWith('/'));
  if (!typed && !fromLiveMenu(ctx)) return false;
  await ctx.toast();
  await notice(ctx, ctx.t('stale.state'));
  await showCurrentStep(ctx, { fresh: true });
  return true;
}
