import { Composer } from 'telegraf';
import { cb } from '../../../telegram/callback-data.js';
import { forCustomers, type BotContext } from '../../context.js';
import { fmtOf } from '../../../telegram/format.js';
import { settingsScreen } from '../../../telegram/screens/campaigns.js';
import { hasRole } from '../../staff-only.js';
import { defineSteps } from '../../steps.js';
import { show } from '../../ui.js';
import { settingsStepSchemas } from './steps.js';

/** /settings (and Settings in the main menu): language and news-and-offers consent. */
const feature = new Composer<BotContext>();
export const settingsFeature = forCustomers(feature);

/** Managers (and admins) also switch their daily report here; the role is read from the database. */
async function dailyReportOf(ctx: BotContext): Promise<boolean | undefined> {
  return (await hasRole(ctx, 'manager')) ? ctx.deps.services.reports.daily(ctx.from!.id) : undefined;
}

async function showSettings(ctx: BotContext, opts: { fresh: boolean }) {
  ctx.go('settings', {});
  await show(ctx, settingsScreen(fmtOf(ctx), ctx.account.marketingConsent, await dailyReportOf(ctx)), opts);
}
export const settingsSteps = defineSteps(settingsStepSchemas, { settings: showSettings });

feature.command('settings', (ctx) => showSettings(ctx, { fresh: true }));

feature.action(cb.settings.trigger, async (ctx) => {
  const data = cb.settings.read(ctx);
  if (!data) return ctx.toast(ctx.t('errors.bad_button'), true);
  if (data.what === 'lang' || data.what === 'lang_en' || data.what === 'lang_zh') {
    // The button names the language it sets, so a double tap does not switch straight back;
    // 'lang' is the toggle of buttons sent before that.
    const locale = data.what === 'lang' ? (ctx.locale === 'en' ? 'zh-CN' : 'en') : data.what === 'lang_en' ? 'en' : 'zh-CN';
    await ctx.useLanguage(locale);
    await ctx.toast(ctx.t('language.changed'));
  } else if (data.what === 'news' || data.what === 'news_on' || data.what === 'news_off') {
    // The button says what it sets (a double tap must not turn news on and straight off again);
    // 'news' is the toggle of buttons sent before that.
    const consent = data.what === 'news' ? !ctx.account.marketingConsent : data.what === 'news_on';
    await ctx.deps.services.consent.set(ctx.account.id, consent, 'settings');
    ctx.account.marketingConsent = consent;
    await ctx.toast(ctx.t(consent ? 'campaigns.settings.toast_on' : 'campaigns.settings.toast_off'));
  } else if (data.what === 'report_on' || data.what === 'report_off') {
    if (!(await hasRole(ctx, 'manager'))) return ctx.toast(ctx.t('errors.bad_button'), true);
    await ctx.deps.services.reports.setDaily(ctx.from.id, data.what === 'report_on');
    await ctx.toast(ctx.t(data.what === 'report_on' ? 'reports.settings.toast_on' : 'reports.settings.toast_off'));
  }
  await showSettings(ctx, { fresh: false });
});
