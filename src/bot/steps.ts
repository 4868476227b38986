import type { z } from 'zod';
import type { BotContext } from './context.js';
import type { StepDefinition, StepRenderer as RendererOf } from './step-registry.js';

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
export function defineSteps<T extends Record<string, z.ZodTypeAny>>(
  schemas: T,
  renderers: { [K in keyof T]: StepRenderer },
): { [K in keyof T]: StepDefinition<BotContext> } {
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
  await showCurrentStep(ctx, { fresh: true });
}
