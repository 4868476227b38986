import type { Telegram } from 'telegraf';
import type { AppDeps } from '../deps.js';
import type { Locale } from '../domain/customers/service.js';

type Command = { command: string; description: string };

/** What a staff member's own menu adds to the customer one. */
export interface StaffMenuRoles {
  /** Marketers (and admins): /campaign and /campaigns. */
  marketer: boolean;
  /** Ops staff (and admins): /ops, and /stock (managers too). */
  ops: boolean;
  /** Managers (and admins): /report. */
  manager?: boolean;
}

/** Roles whose change can change someone's menu (agents work in the support group, not from a menu). */
const MENU_ROLES: readonly string[] = ['marketer', 'ops', 'manager', 'admin'];

/**
 * A staff member's command menu: the customer commands plus /campaign and /campaigns for marketers
 * and /ops for ops staff (admins get both), set per chat (scope `chat`) in both languages like the
 * global menu, so customers never see them. Set at startup for existing staff and again when
 * /staff add|remove changes someone's roles.
 */
export function staffCommands(deps: AppDeps, lng: Locale, roles: StaffMenuRoles): Command[] {
  const t = deps.i18n.t(lng);
  return [
    ...customerCommands(deps, lng),
    ...(roles.ops ? [{ command: 'ops', description: t('ops.command') }] : []),
    ...(roles.ops || roles.manager ? [{ command: 'stock', description: t('catalogOps.command') }] : []),
    ...(roles.manager ? [{ command: 'report', description: t('reports.command') }] : []),
    ...(roles.marketer
      ? [
          { command: 'campaign', description: t('campaigns.commands.campaign') },
          { command: 'campaigns', description: t('campaigns.commands.campaigns') },
        ]
      : []),
  ];
}

/**
 * Sets (marketer, ops or admin) or removes (none of them any more) one person's menu; with
 * `changedRole`, only when that role is one that matters here. Never throws: a failure is logged.
 */
export async function refreshStaffCommands(telegram: Telegram, deps: AppDeps, telegramId: number, changedRole?: string): Promise<void> {
  if (changedRole !== undefined && !MENU_ROLES.includes(changedRole)) return;
  const scope = { type: 'chat' as const, chat_id: telegramId };
  const lists: Array<{ lng: Locale; language_code?: string }> = [{ lng: 'en', language_code: 'en' }, { lng: 'zh-CN', language_code: 'zh' }, { lng: deps.config.defaultLocale }];
  try {
    const roles: StaffMenuRoles = {
      marketer: await deps.services.staff.can(telegramId, 'marketer'),
      ops: await deps.services.staff.can(telegramId, 'ops'),
      manager: await deps.services.staff.can(telegramId, 'manager'),
    };
    for (const { lng, language_code } of lists) {
      if (roles.marketer || roles.ops || roles.manager) await telegram.setMyCommands(staffCommands(deps, lng, roles), { scope, language_code });
      else await telegram.deleteMyCommands({ scope, language_code });
    }
  } catch (err) {
    // Typically "chat not found": the person has not started the bot yet (startup sets it next time).
    deps.logger.warn({ err, telegramId }, 'staff command menu not updated');
  }
}

/** At startup: every marketer, ops staff member and admin. */
export async function registerStaffCommands(telegram: Telegram, deps: AppDeps): Promise<void> {
  const members = await deps.services.staff.list();
  const ids = new Set(members.filter((m) => MENU_ROLES.includes(m.role)).map((m) => m.telegramId));
  for (const id of ids) await refreshStaffCommands(telegram, deps, id);
}

/** The command menu in both languages (the default list is the zh-CN one). */
export async function registerCommands(bot: { telegram: Telegram }, deps: AppDeps): Promise<void> {
  const commands = (lng: Locale) => customerCommands(deps, lng);
  await bot.telegram.setMyCommands(commands('en'), { language_code: 'en' });
  await bot.telegram.setMyCommands(commands('zh-CN'), { language_code: 'zh' });
  await bot.telegram.setMyCommands(commands(deps.config.defaultLocale));
  // Marketers, ops staff and admins get their own list in their chat (customer commands plus theirs).
  await registerStaffCommands(bot.telegram, deps);
}

/**
 * The customer command list (staff lists start from it). /cancel leaves the current step;
 * /deletemydata asks for a confirmation before it erases anything (src/bot/features/privacy).
 */
export function customerCommands(deps: AppDeps, lng: 'zh-CN' | 'en'): Command[] {
  const t = deps.i18n.t(lng);
  return [
    ...['start', 'models', 'orders', 'store', 'cart', 'language', 'settings', 'help'].map((command) => ({ command, description: t(`commands.${command}`) })),
    { command: 'support', description: t('support.command') },
    { command: 'deletemydata', description: t('commands.deletemydata') },
    { command: 'cancel', description: t('commands.cancel') },
  ];
}
