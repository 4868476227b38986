import type { MiddlewareFn } from 'telegraf';
import { groupFmt, mention, senderName } from '../../../telegram/support-desk.js';
import type { BotContext } from '../../context.js';

/**
 * Join requests to the support group (its invite link asks for approval): approved only for
 * people with the agent role in the database (or admins), declined for everyone else. The group
 * is told who joined; a declined request is only logged (anyone with the link could flood the
 * group otherwise). Removal when a role is revoked: src/telegram/support-access.ts.
 */
export const supportJoinRequests: MiddlewareFn<BotContext> = async (ctx, next) => {
  const request = ctx.chatJoinRequest;
  const chatId = ctx.deps.config.supportChatId;
  if (!request || chatId === null || request.chat.id !== chatId) return next();
  const user = request.from;
  if (!user.is_bot && (await ctx.deps.services.staff.can(user.id, 'agent'))) {
    await ctx.telegram.approveChatJoinRequest(chatId, user.id);
    ctx.log.info({ userId: user.id }, 'support group: join request approved (agent)');
    await ctx.telegram.sendMessage(chatId, groupFmt(ctx.deps).t('support_access.approved', { name: mention(user.id, senderName(user)) }), { parse_mode: 'HTML' });
    return;
  }
  await ctx.telegram.declineChatJoinRequest(chatId, user.id);
  ctx.log.info({ userId: user.id }, 'support group: join request declined (not an agent)');
};
