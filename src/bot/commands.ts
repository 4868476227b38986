import type { Telegram } from 'telegraf';
import type { AppDeps } from '../deps.js';
import type { Locale } from '../domain/customers/service.js';

/**
 * Marketers' and admins' command menu: the customer commands plus /campaign and /campaigns, set
 * per chat (scope `chat`) in both languages like the global menu, so customers never see them.
 * Set at startup for existing staff and again when /staff add|remove changes someone's roles.
 */
export function marketerCommands(deps: AppDeps, lng: Locale): Array<{ command: string; description: string }> {
  const t = deps.i18n.t(lng);
  return [
    ...customerCommands(deps, lng),
    { command: 'campaign', description: t('campaigns.commands.campaign') },
    { command: 'campaigns', description: t('campaigns.commands.campaigns') },
  ];
}

/**
 * Sets (marketer or admin) or removes (neither any more) one person's menu; with `changedRole`,
 * only when that role is one that matters here. Never throws: a failure is logged.
 */
export async function refreshStaffCommands(telegram: Telegram, deps: AppDeps, telegramId: number, changedRole?: string): Promise<void> {
  if (changedRole !== undefined && changedRole !== 'marketer' && changedRole !== 'admin') return;
  const scope = { type: 'chat' as const, chat_id: telegramId };
  const lists: Array<{ lng: Locale; language_code?: string }> = [{ lng: 'en', language_code: 'en' }, { lng: 'zh-CN', language_code: 'zh' }, { lng: deps.config.defaultLocale }];
  try {
    const marketer = await deps.services.staff.can(telegramId, 'marketer');
    for (const { lng, language_code } of lists) {
      if (marketer) await telegram.setMyCommands(marketerCommands(deps, lng), { scope, language_code });
      else await telegram.deleteMyCommands({ scope, language_code });
    }
  } catch (err) {
    // Typically "chat not found": the person has not started the bot yet (startup sets it next time).
    deps.logger.warn({ err, telegramId }, 'staff command menu not updated');
  }
}

/** At startup: every marketer and admin. */
export async function registerStaffCommands(telegram: Telegram, deps: AppDeps): Promise<void> {
  const members = await deps.services.staff.list();
  const ids = new Set(members.filter((m) => m.role === 'marketer' || m.role === 'admin').map((m) => m.telegramId));
  for (const id of ids) await refreshStaffCommands(telegram, deps, id);
}

/** The command menu in both languages (the default list is the zh-CN one). */
export async function registerCommands(bot: { telegram: Telegram }, deps: AppDeps): Promise<void> {
  const commands = (lng: Locale) => customerCommands(deps, lng);
  await bot.telegram.setMyCommands(commands('en'), { language_code: 'en' });
  await bot.telegram.setMyCommands(commands('zh-CN'), { language_code: 'zh' });
  await bot.telegram.setMyCommands(commands(deps.config.defaultLocale));
  // Marketers and admins get their own list in their chat (customer commands plus /campaign, /campaigns).
  await registerStaffCommands(bot.telegram, deps);
}

/** The customer command list (staff lists in campaign-commands.ts start from it). */
export function customerCommands(deps: AppDeps, lng: 'zh-CN' | 'en'): Array<{ command: string; description: string }> {
  const t = deps.i18n.t(lng);
  return [
    ...['start', 'models', 'orders', 'store', 'cart', 'language', 'settings', 'help'].map((command) => ({ command, description: t(`commands.${command}`) })),
    { command: 'support', description: t('support.command') },
  ];
}
