import { Composer } from 'telegraf';
import { escapeHtml } from '../../../i18n.js';
import { classifyTelegramError } from '../../../shared/telegram-errors.js';
import type { Locale } from '../../../domain/customers/service.js';
import { cb } from '../../../telegram/callback-data.js';
import { forCustomers, type BotContext } from '../../context.js';
import { fmtOf } from '../../../telegram/format.js';
import { campaignMessage } from '../../../telegram/screens/campaign-message.js';
import {
  buttonsScreen,
  chooseLocaleScreen,
  confirmScreen,
  contentScreen,
  formatWhen,
  localeName,
  scheduleScreen,
  secondScreen,
  sourceScreen,
} from '../../../telegram/screens/campaigns.js';
import { staleButton } from '../../steps.js';
import { notice, show } from '../../ui.js';
import { showMenu } from '../menu/index.js';
import { captureContent, MAX_BUTTONS, MAX_CAPTION, parseButtons, parseWhen } from './input.js';
import { draftOf, emptyDraft, guard, inComposer, onStep, save, type Draft } from './shared.js';
import { segmentHandlers, showPicker, showSegment } from './segment.js';
import { startConfirmed } from './control.js';

/**
 * /campaign: the composer, in the marketer's private chat. Language of the first version →
 * content → buttons → (second language) → audience → schedule → preview → confirm. The draft
 * lives in the chat's state, so nothing exists in the campaigns tables until Confirm; /cancel
 * (or the Cancel button) at any step leaves without a trace.
 */
const feature = new Composer<BotContext>();
export const campaignComposerFeature = forCustomers(feature);

const SOURCE = /^[A-Za-z0-9_-]{1,64}$/;
const repoOf = (ctx: BotContext) => ctx.deps.services.campaigns;
const other = (l: Locale): Locale => (l === 'en' ? 'zh-CN' : 'en');

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
      return show(
        ctx,
        buttonsScreen(
          f,
          (await ctx.deps.services.catalog.models()).map((m) => m.model.id),
        ),
        opts,
      );
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
export const composerRenderers = {
  'campaign.locale': render,
  'campaign.content': render,
  'campaign.buttons': render,
  'campaign.second': render,
  'campaign.segment': render,
  'campaign.pick.models': render,
  'campaign.pick.orders': render,
  'campaign.pick.cities': render,
  'campaign.source': render,
  'campaign.schedule': render,
  'campaign.confirm': render,
};

async function showConfirm(ctx: BotContext, draft: Draft, opts: { fresh: boolean }) {
  const count = await repoOf(ctx).audienceSize(draft.segment);
  const when = draft.scheduledAt ? formatWhen(new Date(draft.scheduledAt), ctx.deps.config.timeZone) : null;
  await show(ctx, confirmScreen(fmtOf(ctx), { locales: draft.variants.map((v) => v.locale), count, when }), opts);
}

feature.use(segmentHandlers);

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

feature.action(cb.campaignLocale.trigger, async (ctx) => {
  const data = cb.campaignLocale.read(ctx);
  const draft = onStep(ctx, 'campaign.locale');
  if (!data || !draft) return staleButton(ctx);
  draft.current = data.locale;
  save(ctx, 'campaign.content', draft);
  await render(ctx, { fresh: false });
});

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
  // Other commands are not answers: /campaigns or /help work mid-composer, /start or /menu leave it.
  if (text.startsWith('/')) return next();
  switch (ctx.session.step) {
    case 'campaign.content': {
      const variant = captureContent(message, draft.current);
      if (variant && variant.kind !== 'text' && variant.text.length > MAX_CAPTION) {
        await notice(ctx, ctx.t('campaigns.composer.caption_too_long', { count: variant.text.length }));
        return render(ctx, { fresh: true });
      }
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
      if (!text) {
        // A photo or sticker here: the buttons are a text message (the content was taken already).
        await notice(ctx, ctx.t('campaigns.composer.buttons_not_text'));
        return render(ctx, { fresh: true });
      }
      const parsed = parseButtons(text, models);
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
    const lang = localeName(fmtOf(ctx), v.locale);
    await notice(ctx, ctx.t('campaigns.composer.preview_title', { lang }));
    const msg = campaignMessage(v, { chatId: ctx.chat!.id, campaignId: null, botUsername: ctx.botInfo.username, t: ctx.deps.i18n.t(v.locale) });
    try {
      await callApi(msg.method, msg.params);
    } catch (err) {
      // What Telegram refuses in the preview it would refuse for every customer: that version is made again.
      const failure = classifyTelegramError(err);
      if (failure.kind !== 'bad_request') throw err;
      ctx.log.info({ error: failure.description }, 'campaign preview refused');
      await notice(ctx, ctx.t('campaigns.composer.preview_failed', { lang, error: escapeHtml(failure.description.slice(0, 200)) }));
      draft.current = v.locale;
      save(ctx, 'campaign.content', draft);
      return render(ctx, { fresh: true });
    }
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
