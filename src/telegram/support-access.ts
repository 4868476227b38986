import type { Telegram } from 'telegraf';
import type { AppDeps } from '../deps.js';
import { groupFmt, mention } from './support-desk.js';

/** Statuses of someone in the group (a 'restricted' user may still be a member). */
const IN_GROUP = new Set(['member', 'administrator', 'restricted']);

/**
 * The support group is for agents only: when `telegramId` no longer has the agent role (nor
 * admin), they are removed from the group (ban, then unban, so a later join request can be
 * approved once they are an agent again) and the group is told. Nothing happens when they were
 * not in it. Never throws: a failure is logged (the role change itself stands).
 */
export async function enforceSupportAccess(telegram: Telegram, deps: AppDeps, telegramId: number, name: string | null): Promise<'removed' | 'kept' | 'not_member'> {
  const chatId = deps.config.supportChatId;
  if (chatId === null) return 'not_member';
  try {
    if (await deps.services.staff.can(telegramId, 'agent')) return 'kept';
    const member = await telegram.getChatMember(chatId, telegramId);
    if (!IN_GROUP.has(member.status)) return 'not_member';
    await telegram.banChatMember(chatId, telegramId);
    await telegram.unbanChatMember(chatId, telegramId, { only_if_banned: true });
    const shown = name ?? [member.user.first_name, member.user.last_name].filter(Boolean).join(' ');
    await telegram.sendMessage(chatId, groupFmt(deps).t('support_access.removed', { name: mention(telegramId, shown) }), { parse_mode: 'HTML' });
    deps.logger.info({ telegramId }, 'removed from the support group: no longer an agent');
    return 'removed';
  } catch (err) {
    deps.logger.warn({ err, telegramId }, 'could not remove a former agent from the support group');
    return 'kept';
  }
}
