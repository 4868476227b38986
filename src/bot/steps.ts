import type { BotContext } from './context.js';

/**
 * Every conversation step registers how to show itself again. The catch-all uses it to re-ask
 * the question when free text or a sticker arrives where a button is expected, and stale buttons
 * use it to offer the current step.
 */
export type StepRenderer = (ctx: BotContext, opts: { fresh: boolean }) => Promise<void>;

const renderers = new Map<string, StepRenderer>();

export function registerStep(step: string, render: StepRenderer): void {
  renderers.set(step, render);
}

/** Shows the chat's current step again (the main menu when the step has no renderer). */
export async function showCurrentStep(ctx: BotContext, opts: { fresh: boolean } = { fresh: true }): Promise<void> {
  const render = renderers.get(ctx.session.step) ?? renderers.get('menu');
  if (render) await render(ctx, opts);
}

/** A button from an earlier step or message: say so, and offer the step the customer is on now. */
export async function staleButton(ctx: BotContext): Promise<void> {
  const q = ctx.callbackQuery;
  ctx.log.info({ data: q && 'data' in q ? q.data : undefined, step: ctx.session.step }, 'stale or invalid button');
  await ctx.toast(ctx.t('stale.button'));
  await showCurrentStep(ctx, { fresh: true });
}
