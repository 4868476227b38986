import type { Telegram } from 'telegraf';
import { createFmt } from './format.js';
import { progressScreen } from './screens/campaigns.js';
import type { AppDeps } from '../deps.js';
import type { Campaign } from '../db/schema/campaigns.js';
import type { Counts } from '../domain/campaigns/delivery.js';
import { classifyTelegramError } from '../shared/telegram-errors.js';

/**
 * Edits a campaign's progress message (in the chat of the marketer who confirmed it, in their
 * language) to its current state. Used by the worker every few seconds and by the controls, so
 * a pause or resume typed as a command (or pressed on /campaigns) shows on it right away.
 * Failures other than "not modified" are logged, never thrown: the campaign goes on regardless.
 */
export async function editProgressMessage(deps: AppDeps, telegram: Telegram, c: Campaign, counts: Counts, ratePerS: number): Promise<void> {
  if (!c.progressMessageId) return;
  const locale = await deps.services.customers.languageOf(c.createdBy);
  const screen = progressScreen(createFmt(locale, deps.i18n.t(locale), deps.config.timeZone), c, counts, ratePerS);
  await telegram
    .editMessageText(c.createdBy, c.progressMessageId, undefined, screen.text, { parse_mode: 'HTML', reply_markup: { inline_keyboard: screen.keyboard ?? [] } })
    .catch((err: unknown) => {
      if (classifyTelegramError(err).kind !== 'not_modified') deps.logger.warn({ err, campaignId: c.id }, 'campaign progress message not updated');
    });
}
