import { Composer } from 'telegraf';
import { nextStep, optionsFor, priceLines, resetFrom, type Configuration, type ConfigStep, type ModelCatalog } from '../../../domain/catalog/pricing.js';
import { AppError } from '../../../shared/errors.js';
import { cb } from '../../../telegram/callback-data.js';
import { forCustomers, type BotContext } from '../../context.js';
import { fmtOf } from '../../../telegram/format.js';
import { changePicker, configStep, modelCard, modelList, summary } from '../../../telegram/screens/catalog.js';
import { defineSteps, showCurrentStep, staleButton } from '../../steps.js';
import { fromLiveMenu, leavePhoneStep, show } from '../../ui.js';
import { catalogStepSchemas } from './steps.js';

/**
 * Browse and configure: model list → model card → trim → paint → wheels → interior → summary.
 * The configuration lives in the conversation state (`data.cfg`), so a restart resumes it.
 */
const feature = new Composer<BotContext>();
export const catalogFeature = forCustomers(feature);

/** The steps whose data has the configuration: the model card, configuring, and ordering. */
const WITH_CONFIGURATION = [
  'browse.model',
  'config.trim',
  'config.paint',
  'config.wheels',
  'config.interior',
  'config.summary',
  'order.name',
  'order.phone',
  'order.city',
  'order.confirm',
] as const;

export const configOf = (ctx: BotContext): Configuration | null => ctx.stepData(...WITH_CONFIGURATION)?.cfg ?? null;

async function showModels(ctx: BotContext, opts: { fresh: boolean }) {
  ctx.go('browse', {});
  await show(ctx, modelList(fmtOf(ctx), await ctx.deps.services.catalog.models()), opts);
}

/** The model card (also opened from a campaign's model button); the view counts for campaign segments. */
export async function showModel(ctx: BotContext, model: ModelCatalog, opts: { fresh: boolean }) {
  ctx.go('browse.model', { cfg: { modelId: model.model.id } });
  await ctx.deps.services.campaigns.modelViewed(ctx.account.id, model.model.id);
  // The car funnel's first step (src/domain/reports/funnel.ts).
  await ctx.deps.services.reports.recordFunnel(ctx.account.id, model.model.id, 'started');
  await show(ctx, modelCard(fmtOf(ctx), model), opts);
}

/** Shows whichever step the configuration in the state is at (or the summary when complete). */
async function showConfig(ctx: BotContext, opts: { fresh: boolean }) {
  const cfg = configOf(ctx);
  const model = cfg && (await ctx.deps.services.catalog.model(cfg.modelId));
  if (!cfg || !model) return showModels(ctx, opts);
  const step = nextStep(cfg);
  ctx.go(step ? `config.${step}` : 'config.summary', { cfg });
  if (!step) await ctx.deps.services.reports.recordFunnel(ctx.account.id, cfg.modelId, 'configured');
  await show(ctx, step ? configStep(fmtOf(ctx), model, cfg, step) : summary(fmtOf(ctx), model, cfg), opts);
}

export const catalogSteps = defineSteps(catalogStepSchemas, {
  browse: showModels,
  'browse.model': async (ctx, opts) => {
    const cfg = configOf(ctx);
    const model = cfg && (await ctx.deps.services.catalog.model(cfg.modelId));
    return model ? showModel(ctx, model, opts) : showModels(ctx, opts);
  },
  'config.trim': showConfig,
  'config.paint': showConfig,
  'config.wheels': showConfig,
  'config.interior': showConfig,
  'config.summary': showConfig,
});

feature.command(['models', 'browse'], (ctx) => showModels(ctx, { fresh: true }));
feature.action(cb.models.trigger, (ctx) => showModels(ctx, { fresh: false }));

feature.action(cb.model.trigger, async (ctx) => {
  const data = cb.model.read(ctx);
  const model = data && (await ctx.deps.services.catalog.model(data.modelId));
  if (!model) return staleButton(ctx);
  await showModel(ctx, model, { fresh: false });
});

/**
 * A paused model's order path pressed (a button from before the pause, or the confirmation): the
 * customer is told so in a toast and sees the model card as it is now, "暂停接单" in place of ordering.
 */
export async function refusePaused(ctx: BotContext, modelId: string): Promise<void> {
  ctx.deps.services.catalog.invalidate();
  const model = await ctx.deps.services.catalog.model(modelId);
  const name = model?.model.name ?? modelId;
  ctx.log.info({ modelId }, 'order refused: model paused');
  if (ctx.callbackQuery) await ctx.toast(ctx.t('catalog.paused', { name }), true);
  if (model) return showModel(ctx, model, { fresh: true });
  return showModels(ctx, { fresh: true });
}

feature.action(cb.configure.trigger, async (ctx) => {
  const data = cb.configure.read(ctx);
  const model = data && (await ctx.deps.services.catalog.model(data.modelId));
  if (!model) return staleButton(ctx);
  if (!model.model.available) return refusePaused(ctx, model.model.id);
  ctx.go('config.trim', { cfg: { modelId: model.model.id } });
  await showConfig(ctx, { fresh: false });
});

const stepKey = { trim: 'trimId', paint: 'paintId', wheels: 'wheelsId', interior: 'interiorId' } as const;

/** The configuration with the choices after `step` kept only where the trim still offers them. */
function keepValid(model: ModelCatalog, cfg: Configuration, step: ConfigStep): Configuration {
  const out: Configuration = { ...cfg };
  if (!out.trimId || !model.trims.some((t) => t.id === out.trimId)) return out;
  for (const kind of ['paint', 'wheels', 'interior'] as const) {
    if (kind === step) continue;
    const id = out[stepKey[kind]];
    if (id && !optionsFor(model, kind, out.trimId).some((o) => o.id === id)) delete out[stepKey[kind]];
  }
  return out;
}

/** The summary's "change": the picker of what to change. */
feature.action(cb.changePick.trigger, async (ctx) => {
  const cfg = ctx.stepData('config.summary')?.cfg;
  const model = cfg && (await ctx.deps.services.catalog.model(cfg.modelId));
  if (!cfg || !model || !fromLiveMenu(ctx)) return staleButton(ctx);
  await show(ctx, changePicker(fmtOf(ctx), model, cfg));
});

/** One choice to answer again; the others stay (showConfig shows the step that is now missing). */
feature.action(cb.change.trigger, async (ctx) => {
  const data = cb.change.read(ctx);
  const cfg = ctx.stepData('config.summary')?.cfg;
  if (!data || !cfg || !fromLiveMenu(ctx)) return staleButton(ctx);
  // A new trim changes what paint, wheels and interior are offered (and their prices): those are asked again.
  const next: Configuration = data.step === 'trim' ? resetFrom(cfg, 'trim') : { ...cfg };
  delete next[stepKey[data.step]];
  ctx.go(`config.${data.step}`, { cfg: next });
  await showConfig(ctx, { fresh: false });
});

feature.action(cb.choose.trigger, async (ctx) => {
  const data = cb.choose.read(ctx);
  const cfg = configOf(ctx);
  // Only the live message's current step may be answered; anything else is from an earlier screen.
  if (!data || !cfg || ctx.session.step !== `config.${data.step}` || !fromLiveMenu(ctx)) return staleButton(ctx);
  const model = await ctx.deps.services.catalog.model(cfg.modelId);
  if (!model) return staleButton(ctx);
  // Changing one choice keeps the later ones that the new choice still allows (a new trim may not offer the wheels).
  const next = keepValid(model, { ...cfg, [stepKey[data.step]]: data.optionId }, data.step);
  try {
    priceLines(model, next);
  } catch (err) {
    if (err instanceof AppError && err.code === 'invalid_configuration') {
      ctx.log.warn({ data }, 'option not offered for this configuration');
      await ctx.toast(ctx.t('errors.invalid_configuration'), true);
      return showCurrentStep(ctx, { fresh: true });
    }
    throw err;
  }
  // showConfig moves on to the step the new configuration is at.
  ctx.go(`config.${data.step}`, { cfg: next });
  await showConfig(ctx, { fresh: false });
});

const previous: Record<string, ConfigStep | 'model' | 'models'> = {
  models: 'models',
  model: 'model',
  trim: 'trim',
  paint: 'paint',
  wheels: 'wheels',
  interior: 'interior',
};

feature.action(cb.back.trigger, async (ctx) => {
  const data = cb.back.read(ctx);
  if (!data) return staleButton(ctx);
  if (data.to === 'models') return showModels(ctx, { fresh: false });
  await leavePhoneStep(ctx);
  const cfg = configOf(ctx);
  if (!cfg || !fromLiveMenu(ctx)) return staleButton(ctx);
  const model = await ctx.deps.services.catalog.model(cfg.modelId);
  if (!model) return showModels(ctx, { fresh: false });
  const target = previous[data.to];
  if (target === 'model') return showModel(ctx, model, { fresh: false });
  if (!target || target === 'models' || data.to === 'summary') return showConfig(ctx, { fresh: false });
  ctx.go(`config.${target}`, { cfg: resetFrom(cfg, target) });
  await showConfig(ctx, { fresh: false });
});
