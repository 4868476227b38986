import { Composer } from 'telegraf';
import type { Message, MessageEntity } from 'telegraf/types';
import type { CampaignButton } from '../../db/schema/campaigns.js';
import { CampaignRepository, type VariantDraft } from '../../domain/campaigns/repository.js';
import { orderStateGroups, type OrderStateGroup } from '../../domain/campaigns/segment.js';
import type { Locale } from '../../domain/customers/service.js';
import { zoneOffsetMs } from '../../shared/time.js';
import { cb } from '../callback-data/index.js';
import { forCustomers, type BotContext } from '../context.js';
import { fmtOf } from '../format.js';
import { campaignMessage } from '../keyboards/campaign-message.js';
import {
  buttonsScreen,
  chooseLocaleScreen,
  confirmScreen,
  contentScreen,
  formatWhen,
  localeName,
  orderChoices,
  scheduleScreen,
  secondScreen,
  segmentScreen,
  sourceScreen,
  togglePicker,
} from '../keyboards/campaigns.js';
import { registerStep, staleButton } from '../steps.js';
import { notice, show } from '../ui.js';
import { showMenu } from './start.js';
import { draftOf, emptyDraft, guard, inComposer, type Draft } from './campaign-shared.js';
import { startConfirmed } from './campaign-control.js';

/**
 * /campaign: the composer, in the marketer's private chat. Language of the first version →
 * content → buttons → (second language) → audience → schedule → preview → confirm. The draft
 * lives in the chat's state, so nothing exists in the campaigns tables until Confirm; /cancel
 * (or the Cancel button) at any step leaves without a trace.
 */
const feature = new Composer<BotContext>();
export const campaignComposerFeature = forCustomers(feature);

const MAX_BUTTONS = 5;
const SOURCE = /^[A-Za-z0-9_-]{1,64}$/;
const repoOf = (ctx: BotContext) => new CampaignRepository(ctx.deps.db);
const other = (l: Locale): Locale => (l === 'en' ? 'zh-CN' : 'en');

function save(ctx: BotContext, step: string, draft: Draft) {
  ctx.go(step, { draft });
}

/** Every composer update is a marketer's: checked from the database each time. */
feature.use(async (ctx, next) => {
  const data = ctx.callbackQuery && 'data' in ctx.callbackQuery ? ctx.callbackQuery.data : '';
  const composerButton = /^(cml|cmnb|cm2|cms|cmt|cmnow|cmok|cmx)(:|$)/.test(data);
  const command = ctx.message && 'text' in ctx.message && /^\/campaign(@\w+)?(\s|$)/.test(ctx.message.text);
  if (!composerButton && !command && !inComposer(ctx)) return next();
  if (!(await guard(ctx))) {
    if (inComposer(ctx)) ctx.go('menu', {});
    return;
  }
  return next();
});

async function render(ctx: BotContext, opts: { fresh: boolean }) {
  const f = fmtOf(ctx);
  const draft = draftOf(ctx);
  if (!draft) return showMenu(ctx, opts);
  switch (ctx.session.step) {
    case 'campaign.locale':
      return show(ctx, chooseLocaleScreen(f), opts);
    case 'campaign.content':
      return show(ctx, contentScreen(f, draft.current), opts);
    case 'campaign.buttons':
      return show(ctx, buttonsScreen(f, (await ctx.deps.services.catalog.models()).map((m) => m.model.id)), opts);
    case 'campaign.second':
      return show(ctx, secondScreen(f, other(draft.variants[0]!.locale), draft.variants[0]!.locale), opts);
    case 'campaign.segment':
      return showSegment(ctx, draft, opts);
    case 'campaign.pick.models':
    case 'campaign.pick.orders':
    case 'campaign.pick.cities':
      return showPicker(ctx, draft, ctx.session.step.slice('campaign.pick.'.length) as 'models' | 'orders' | 'cities', opts);
    case 'campaign.source':
      return show(ctx, sourceScreen(f), opts);
    case 'campaign.schedule':
      return show(ctx, scheduleScreen(f), opts);
    case 'campaign.confirm':
      return showConfirm(ctx, draft, opts);
    default:
      return showMenu(ctx, opts);
  }
}
for (const step of ['locale', 'content', 'buttons', 'second', 'segment', 'pick.models', 'pick.orders', 'pick.cities', 'source', 'schedule', 'confirm']) {
  registerStep(`campaign.${step}`, render);
}

async function cityNames(ctx: BotContext): Promise<Map<string, string>> {
  const f = fmtOf(ctx);
  return new Map((await ctx.deps.services.bookings.cities()).map((c) => [c.city, f.plain(c.cityName)]));
}

async function showSegment(ctx: BotContext, draft: Draft, opts: { fresh: boolean }) {
  const [count, names] = await Promise.all([repoOf(ctx).audienceSize(draft.segment), cityNames(ctx)]);
  await show(ctx, segmentScreen(fmtOf(ctx), draft.segment, count, (c) => names.get(c) ?? c), opts);
}

async function showPicker(ctx: BotContext, draft: Draft, field: 'models' | 'orders' | 'cities', opts: { fresh: boolean }) {
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

async function showConfirm(ctx: BotContext, draft: Draft, opts: { fresh: boolean }) {
  const count = await repoOf(ctx).audienceSize(draft.segment);
  const when = draft.scheduledAt ? formatWhen(new Date(draft.scheduledAt), ctx.deps.config.timeZone) : null;
  await show(ctx, confirmScreen(fmtOf(ctx), { locales: draft.variants.map((v) => v.locale), count, when }), opts);
}

feature.command('campaign', async (ctx) => {
  save(ctx, 'campaign.locale', emptyDraft(ctx.locale));
  await render(ctx, { fresh: true });
});

/** /cancel or the Cancel button: the draft is dropped; nothing was written anywhere else. */
async function abort(ctx: BotContext) {
  ctx.go('menu', {});
  await notice(ctx, ctx.t('campaigns.composer.cancelled'));
  await showMenu(ctx, { fresh: true });
}
feature.command('cancel', async (ctx, next) => (inComposer(ctx) ? abort(ctx) : next()));
feature.action(cb.campaignAbort.trigger, async (ctx) => {
  if (!inComposer(ctx)) return staleButton(ctx);
  await ctx.toast();
  await abort(ctx);
});

/** A composer button is only good on its own step (an older message's button is stale). */
function onStep(ctx: BotContext, ...steps: string[]): Draft | null {
  const draft = draftOf(ctx);
  return draft && steps.includes(ctx.session.step) ? draft : null;
}

feature.action(cb.campaignLocale.trigger, async (ctx) => {
  const data = cb.campaignLocale.read(ctx);
  const draft = onStep(ctx, 'campaign.locale');
  if (!data || !draft) return staleButton(ctx);
  draft.current = data.locale;
  save(ctx, 'campaign.content', draft);
  await render(ctx, { fresh: false });
});

/** What the marketer sent, as a variant: text, or a photo or video with its caption; formatting kept. */
function captureContent(message: Message, locale: Locale): VariantDraft | null {
  const base = { locale, buttons: [] as CampaignButton[] };
  if ('text' in message && !message.text.startsWith('/')) {
    return { ...base, kind: 'text', text: message.text, fileId: null, entities: (message.entities ?? []) as MessageEntity[] };
  }
  if ('photo' in message && message.photo.length) {
    const largest = message.photo.at(-1)!;
    return { ...base, kind: 'photo', text: message.caption ?? '', fileId: largest.file_id, entities: message.caption_entities ?? [] };
  }
  if ('video' in message) {
    return { ...base, kind: 'video', text: message.caption ?? '', fileId: message.video.file_id, entities: message.caption_entities ?? [] };
  }
  return null;
}

/** "Label | https://…" or "Label | model-y", one per line; null with the bad line's number. */
function parseButtons(text: string, models: string[]): { buttons: CampaignButton[] } | { badLine: number } {
  const buttons: CampaignButton[] = [];
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  for (const [i, line] of lines.entries()) {
    const m = /^(.{1,64}?)\s*\|\s*(\S+)$/.exec(line);
    if (!m || buttons.length >= MAX_BUTTONS) return { badLine: i + 1 };
    const [, label, target] = m as unknown as [string, string, string];
    if (models.includes(target)) {
      buttons.push({ kind: 'model', label: label.trim(), modelId: target });
      continue;
    }
    try {
      const url = new URL(target);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') return { badLine: i + 1 };
      buttons.push({ kind: 'url', label: label.trim(), url: url.toString() });
    } catch {
      return { badLine: i + 1 };
    }
  }
  return lines.length ? { buttons } : { badLine: 1 };
}

/** Shanghai "YYYY-MM-DD HH:mm" → the instant; null when malformed or not in the future. */
function parseWhen(text: string, timeZone: string, now: Date): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
  const guess = Date.UTC(y, mo - 1, d, h, mi);
  const check = new Date(guess);
  if (check.getUTCDate() !== d) return null;
  const at = new Date(guess - zoneOffsetMs(check, timeZone));
  if (at.getTime() <= now.getTime() || at.getTime() > now.getTime() + 90 * 86_400_000) return null;
  return at;
}

async function afterVariant(ctx: BotContext, draft: Draft) {
  save(ctx, draft.variants.length < 2 ? 'campaign.second' : 'campaign.segment', draft);
  await render(ctx, { fresh: true });
}

feature.command('skip', async (ctx, next) => {
  const draft = onStep(ctx, 'campaign.source');
  if (!draft) return next();
  delete draft.segment.source;
  save(ctx, 'campaign.segment', draft);
  await render(ctx, { fresh: true });
});

feature.on('message', async (ctx, next) => {
  const draft = draftOf(ctx);
  if (!draft || !inComposer(ctx)) return next();
  const message = ctx.message;
  const text = 'text' in message ? message.text.trim() : '';
  switch (ctx.session.step) {
    case 'campaign.content': {
      const variant = captureContent(message, draft.current);
      if (!variant) {
        await notice(ctx, ctx.t('campaigns.composer.content_invalid'));
        return render(ctx, { fresh: true });
      }
      draft.variants = [...draft.variants.filter((v) => v.locale !== variant.locale), variant];
      save(ctx, 'campaign.buttons', draft);
      return render(ctx, { fresh: true });
    }
    case 'campaign.buttons': {
      const models = (await ctx.deps.services.catalog.models()).map((m) => m.model.id);
      const parsed = text && !text.startsWith('/') ? parseButtons(text, models) : { badLine: 1 };
      if ('badLine' in parsed) {
        await notice(ctx, ctx.t('campaigns.composer.buttons_invalid', { line: parsed.badLine, max: MAX_BUTTONS }));
        return render(ctx, { fresh: true });
      }
      draft.variants.find((v) => v.locale === draft.current)!.buttons = parsed.buttons;
      return afterVariant(ctx, draft);
    }
    case 'campaign.source': {
      if (!SOURCE.test(text)) {
        await notice(ctx, ctx.t('campaigns.segment.source_invalid'));
        return render(ctx, { fresh: true });
      }
      draft.segment.source = text;
      save(ctx, 'campaign.segment', draft);
      return render(ctx, { fresh: true });
    }
    case 'campaign.schedule': {
      const at = parseWhen(text, ctx.deps.config.timeZone, ctx.deps.now());
      if (!at) {
        await notice(ctx, ctx.t('campaigns.composer.schedule_invalid'));
        return render(ctx, { fresh: true });
      }
      draft.scheduledAt = at.toISOString();
      return toConfirm(ctx, draft);
    }
    default:
      return next();
  }
});

feature.action(cb.campaignNoButtons.trigger, async (ctx) => {
  const draft = onStep(ctx, 'campaign.buttons');
  if (!draft) return staleButton(ctx);
  await ctx.toast();
  await afterVariant(ctx, draft);
});

feature.action(cb.campaignSecond.trigger, async (ctx) => {
  const data = cb.campaignSecond.read(ctx);
  const draft = onStep(ctx, 'campaign.second');
  if (!data || !draft) return staleButton(ctx);
  if (data.answer === 'add') {
    draft.current = other(draft.variants[0]!.locale);
    save(ctx, 'campaign.content', draft);
  } else {
    save(ctx, 'campaign.segment', draft);
  }
  await render(ctx, { fresh: false });
});

const ACTIVE_STEPS = [undefined, 7, 30, 90] as const;

feature.action(cb.campaignSegment.trigger, async (ctx) => {
  const data = cb.campaignSegment.read(ctx);
  const draft = onStep(ctx, 'campaign.segment', 'campaign.pick.models', 'campaign.pick.orders', 'campaign.pick.cities', 'campaign.source');
  if (!data || !draft) return staleButton(ctx);
  const s = draft.segment;
  let step = 'campaign.segment';
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
  await render(ctx, { fresh: false });
});

feature.action(cb.campaignToggle.trigger, async (ctx) => {
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
  save(ctx, ctx.session.step, draft);
  await ctx.toast();
  await render(ctx, { fresh: false });
});

feature.action(cb.campaignNow.trigger, async (ctx) => {
  const draft = onStep(ctx, 'campaign.schedule');
  if (!draft) return staleButton(ctx);
  await ctx.toast();
  draft.scheduledAt = null;
  await toConfirm(ctx, draft);
});

/** Sends each version exactly as customers will get it, then asks to confirm. */
async function toConfirm(ctx: BotContext, draft: Draft) {
  save(ctx, 'campaign.confirm', draft);
  const callApi = ctx.telegram.callApi.bind(ctx.telegram) as unknown as (m: string, p: Record<string, unknown>) => Promise<unknown>;
  for (const v of draft.variants) {
    await notice(ctx, ctx.t('campaigns.composer.preview_title', { lang: localeName(fmtOf(ctx), v.locale) }));
    const msg = campaignMessage(v, { chatId: ctx.chat!.id, campaignId: null, botUsername: ctx.botInfo.username, t: ctx.deps.i18n.t(v.locale) });
    await callApi(msg.method, msg.params);
  }
  await render(ctx, { fresh: true });
}

feature.action(cb.campaignConfirm.trigger, async (ctx) => {
  const draft = onStep(ctx, 'campaign.confirm');
  // A second tap finds the chat back at the menu: stale, nothing created twice.
  if (!draft) return staleButton(ctx);
  await ctx.toast(ctx.t('campaigns.composer.confirmed'));
  ctx.go('menu', {});
  await ctx.editMessageReplyMarkup(undefined).catch(() => undefined);
  await startConfirmed(ctx, draft);
});
