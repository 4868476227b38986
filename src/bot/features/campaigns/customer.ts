import type { Locale } from '../../../domain/customers/service.js';
import { Composer } from 'telegraf';
import { classifyTelegramError } from '../../../shared/telegram-errors.js';
import { cb } from '../../../telegram/callback-data.js';
import { forCustomers, type BotContext } from '../../context.js';
import { fmtOf } from '../../../telegram/format.js';
import { variantFor } from '../../../telegram/screens/campaign-message.js';
import { openCampaignLink } from './click-link.js';
import { consentScreen } from '../../../telegram/screens/campaigns.js';
import { showModel } from '../catalog/index.js';
import { showCurrentStep, staleButton } from '../../steps.js';
import { refreshStaffCommands } from '../../commands.js';

/**
 * The customer's side of campaigns: the consent question on first contact, one-tap Unsubscribe,
 * and the buttons of a campaign message (model cards, and URL buttons that come back through
 * /start c-<campaign>-<button> so the click is counted before the link is shown: click-link.ts).
 */
const feature = new Composer<BotContext>();
export const campaignCustomerFeature = forCustomers(feature);

const repoOf = (ctx: BotContext) => ctx.deps.services.campaigns;
const consentOf = (ctx: BotContext) => ctx.deps.services.consent;

feature.start(async (ctx, next) => {
  if (await openCampaignLink(ctx, ctx.payload.trim())) return;
  // Asked once, on first contact, before the menu (in the language Telegram gave us; the menu
  // below it switches languages, and /settings changes either later).
  if (ctx.account.marketingConsent === null && (await consentOf(ctx).markAsked(ctx.account.id))) {
    const screen = consentScreen(fmtOf(ctx));
    await ctx.reply(screen.text, { parse_mode: 'HTML', reply_markup: { inline_keyboard: screen.keyboard ?? [] } });
    // Staff added before they ever talked to the bot could not get their command menu then (chat not found).
    if (await ctx.deps.services.staff.can(ctx.from.id, 'marketer')) await refreshStaffCommands(ctx.telegram, ctx.deps, ctx.from.id);
  }
  return next();
});

feature.action(cb.consent.trigger, async (ctx) => {
  const data = cb.consent.read(ctx);
  if (!data) return staleButton(ctx);
  if (data.answer === 'lang') return switchLanguage(ctx, ctx.locale === 'en' ? 'zh-CN' : 'en');
  if (data.answer === 'lang_en' || data.answer === 'lang_zh') return switchLanguage(ctx, data.answer === 'lang_en' ? 'en' : 'zh-CN');
  const yes = data.answer === 'yes';
  await consentOf(ctx).set(ctx.account.id, yes, 'start');
  // The question turns into the answer; the same words again in a toast would say it twice (they are
  // the toast only when the question can no longer be edited).
  const saved = ctx.t(yes ? 'campaigns.consent.saved_yes' : 'campaigns.consent.saved_no');
  const edited = await ctx.editMessageText(saved, { parse_mode: 'HTML' }).then(
    () => true,
    () => false,
  );
  await ctx.toast(edited ? undefined : saved);
});

/**
 * The consent question's language switch: the customer's language changes, the question is asked
 * again in it (same message), and the live menu below it is shown again in the new language.
 */
async function switchLanguage(ctx: BotContext, locale: Locale) {
  await ctx.useLanguage(locale);
  await ctx.toast(ctx.t('language.changed'));
  const screen = consentScreen(fmtOf(ctx));
  await ctx.editMessageText(screen.text, { parse_mode: 'HTML', reply_markup: { inline_keyboard: screen.keyboard ?? [] } }).catch((err: unknown) => {
    if (classifyTelegramError(err).kind !== 'not_modified') throw err;
  });
  // The menu (or wherever the customer is) was shown in the old language: show it again below.
  const menuId = ctx.session.menuMessageId;
  if (menuId && menuId !== ctx.callbackQuery?.message?.message_id) await ctx.deleteMessage(menuId).catch(() => undefined);
  await showCurrentStep(ctx, { fresh: true });
}

/** One tap: consent off, logged against the campaign; the button goes away. */
feature.action(cb.campaignUnsubscribe.trigger, async (ctx) => {
  const data = cb.campaignUnsubscribe.read(ctx);
  if (!data) return staleButton(ctx);
  await consentOf(ctx).set(ctx.account.id, false, 'unsubscribe', data.campaignId);
  await ctx.toast(ctx.t('campaigns.unsubscribed'), true);
  const pressed = 'data' in ctx.callbackQuery ? ctx.callbackQuery.data : '';
  const msg = ctx.callbackQuery.message;
  const markup = msg && 'reply_markup' in msg ? msg.reply_markup : undefined;
  if (markup) {
    const kept = markup.inline_keyboard.filter((row) => !row.some((b) => 'callback_data' in b && b.callback_data === pressed));
    await ctx.editMessageReplyMarkup({ inline_keyboard: kept }).catch(() => undefined);
  }
});

/** "Open model card" on a campaign message: counted, then the model card as a new message. */
feature.action(cb.campaignModel.trigger, async (ctx) => {
  const data = cb.campaignModel.read(ctx);
  if (!data) return staleButton(ctx);
  const repo = repoOf(ctx);
  const campaign = await repo.get(data.campaignId);
  const index = data.button - 1;
  const button = campaign && variantFor(await repo.variants(campaign.id), ctx.locale, campaign.defaultLocale)?.buttons[index];
  const model = button && button.kind === 'model' ? await ctx.deps.services.catalog.model(button.modelId) : null;
  if (!campaign || !model) return staleButton(ctx);
  if (await repo.isRecipient(campaign.id, ctx.account.id)) await repo.recordClick(campaign.id, ctx.account.id, index);
  await ctx.toast();
  await showModel(ctx, model, { fresh: true });
});

feature.action(cb.campaignPreview.trigger, (ctx) => ctx.toast(ctx.t('campaigns.preview_only'), true));
