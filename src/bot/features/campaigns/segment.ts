import { Composer } from 'telegraf';
import { orderStateGroups, type OrderStateGroup } from '../../../domain/campaigns/segment.js';
import { cb } from '../../../telegram/callback-data.js';
import type { BotContext } from '../../context.js';
import { fmtOf } from '../../../telegram/format.js';
import { orderChoices, segmentScreen, togglePicker } from '../../../telegram/screens/campaigns.js';
import { showCurrentStep, staleButton } from '../../steps.js';
import { show } from '../../ui.js';
import { onStep, save, type Draft } from './shared.js';
import type { CampaignStep } from './steps.js';

/** The composer's audience step: the summary with its size, and the pickers of each field. */
export const segmentHandlers = new Composer<BotContext>();

export async function cityNames(ctx: BotContext): Promise<Map<string, string>> {
  const f = fmtOf(ctx);
  return new Map((await ctx.deps.services.bookings.cities()).map((c) => [c.city, f.plain(c.cityName)]));
}

export async function showSegment(ctx: BotContext, draft: Draft, opts: { fresh: boolean }) {
  const [count, names, models] = await Promise.all([ctx.deps.services.campaigns.audienceSize(draft.segment), cityNames(ctx), ctx.deps.services.catalog.models()]);
  // The summary names models as the picker does ("Model S"), not by their ids.
  const modelNames = new Map(models.map((m) => [m.model.id, m.model.name]));
  await show(
    ctx,
    segmentScreen(
      fmtOf(ctx),
      draft.segment,
      count,
      (c) => names.get(c) ?? c,
      (m) => modelNames.get(m) ?? m,
    ),
    opts,
  );
}

export async function showPicker(ctx: BotContext, draft: Draft, field: 'models' | 'orders' | 'cities', opts: { fresh: boolean }) {
  const f = fmtOf(ctx);
  let choices: Array<{ value: string; label: string }>;
  let chosen: string[];
  if (field === 'models') {
    choices = (await ctx.deps.services.catalog.models()).map((m) => ({ value: m.model.id, label: m.model.name }));
    chosen = draft.segment.models ?? [];
  } else if (field === 'orders') {
    choices = orderChoices(f);
    chosen = (draft.segment.orderStates ?? []).map((o) => o.replace(/_/g, '-'));
  } else {
    choices = [...(await cityNames(ctx))].map(([value, label]) => ({ value, label }));
    chosen = draft.segment.cities ?? [];
  }
  await show(ctx, togglePicker(f, field, choices, chosen), opts);
}

const ACTIVE_STEPS = [undefined, 7, 30, 90] as const;

segmentHandlers.action(cb.campaignSegment.trigger, async (ctx) => {
  const data = cb.campaignSegment.read(ctx);
  const draft = onStep(ctx, 'campaign.segment', 'campaign.pick.models', 'campaign.pick.orders', 'campaign.pick.cities', 'campaign.source');
  if (!data || !draft) return staleButton(ctx);
  const s = draft.segment;
  let step: CampaignStep = 'campaign.segment';
  switch (data.field) {
    case 'lang': {
      // any → 中文 → English → any
      const cur = s.locales?.length === 1 ? s.locales[0] : undefined;
      if (!cur) s.locales = ['zh-CN'];
      else if (cur === 'zh-CN') s.locales = ['en'];
      else delete s.locales;
      break;
    }
    case 'active': {
      const i = ACTIVE_STEPS.indexOf(s.activeDays as (typeof ACTIVE_STEPS)[number]);
      const nextDays = ACTIVE_STEPS[(i + 1) % ACTIVE_STEPS.length];
      if (nextDays) s.activeDays = nextDays;
      else delete s.activeDays;
      break;
    }
    case 'models':
    case 'orders':
    case 'cities':
      step = `campaign.pick.${data.field}`;
      break;
    case 'source':
      step = 'campaign.source';
      break;
    case 'back':
      break;
    case 'next':
      step = 'campaign.schedule';
      break;
  }
  save(ctx, step, draft);
  await ctx.toast();
  await showCurrentStep(ctx, { fresh: false });
});

segmentHandlers.action(cb.campaignToggle.trigger, async (ctx) => {
  const data = cb.campaignToggle.read(ctx);
  const draft = data && onStep(ctx, `campaign.pick.${data.field}`);
  if (!data || !draft) return staleButton(ctx);
  const s = draft.segment;
  const toggle = <T extends string>(list: T[] | undefined, value: T): T[] | undefined => {
    const next = list?.includes(value) ? list.filter((v) => v !== value) : [...(list ?? []), value];
    return next.length ? next : undefined;
  };
  if (data.field === 'models') {
    if (!(await ctx.deps.services.catalog.model(data.value))) return staleButton(ctx);
    s.models = toggle(s.models, data.value);
  } else if (data.field === 'orders') {
    const group = data.value.replace(/-/g, '_') as OrderStateGroup;
    if (!orderStateGroups.includes(group)) return staleButton(ctx);
    s.orderStates = toggle(s.orderStates, group);
  } else {
    if (!(await cityNames(ctx)).has(data.value)) return staleButton(ctx);
    s.cities = toggle(s.cities, data.value);
  }
  for (const k of ['models', 'orderStates', 'cities'] as const) if (!s[k]) delete s[k];
  save(ctx, `campaign.pick.${data.field}`, draft);
  await ctx.toast();
  await showCurrentStep(ctx, { fresh: false });
});
