import { Composer } from 'telegraf';
import { staffRoles, type StaffRole } from '../../../db/schema/index.js';
import { isStaffRole, type StaffEntry } from '../../../domain/staff/service.js';
import { escapeHtml } from '../../../i18n.js';
import { forCustomers, type BotContext } from '../../context.js';
import { staffOnly } from '../../staff-only.js';
import { notice } from '../../ui.js';
import { refreshStaffCommands } from '../../commands.js';
import { enforceSupportAccess } from '../../../telegram/support-access.js';

/**
 * `/staff list|add|remove` for admins, in their private chat with the bot. Roles are rows in the
 * database, checked on every command; a non-admin gets the same answer as for any unknown
 * command (from the catch-all), so the command's existence is not advertised.
 */
const feature = new Composer<BotContext>();
export const staffFeature = forCustomers(feature);
const adminsOnly = new Composer<BotContext>();

const STAFF_COMMAND = /^\/staff(?:@\w+)?(?:\s|$)/i;
/** Telegram user ids are positive and below 2^52 (Bot API: "at most 52 significant bits"). */
const TELEGRAM_ID = /^[1-9]\d{0,15}$/;

const textOf = (ctx: BotContext) => (ctx.message && 'text' in ctx.message ? ctx.message.text : undefined);

feature.use(
  staffOnly(
    'admin',
    {
      claims: (ctx) => STAFF_COMMAND.test(textOf(ctx) ?? ''),
      refused: (ctx) => ctx.log.warn({ from: ctx.from?.id, text: textOf(ctx)?.slice(0, 64) }, 'staff command refused: sender is not an admin'),
    },
    adminsOnly,
  ),
);

const roleLabel = (ctx: BotContext, role: StaffRole) => ctx.t(`staff.role.${role}`);
const roleList = (ctx: BotContext) => staffRoles.map((r) => roleLabel(ctx, r)).join(', ');

function describe(ctx: BotContext, entry: StaffEntry): string {
  const name = entry.name ? escapeHtml(entry.name) : ctx.t('staff.never_started');
  const who = entry.username ? ctx.t('staff.who_username', { name, username: escapeHtml(entry.username) }) : name;
  return ctx.t('staff.list_line', { id: entry.telegramId, who, roles: entry.roles.map((r) => roleLabel(ctx, r)).join(', ') });
}

async function list(ctx: BotContext) {
  const entries = await ctx.deps.services.staff.directory();
  if (entries.length === 0) return notice(ctx, ctx.t('staff.list_empty'));
  await notice(ctx, [ctx.t('staff.list_title', { count: entries.length }), ...entries.map((e) => describe(ctx, e))].join('\n'));
}

async function change(ctx: BotContext, op: 'add' | 'remove', idArg: string, roleArg: string) {
  if (!TELEGRAM_ID.test(idArg) || !Number.isSafeInteger(Number(idArg))) {
    return notice(ctx, ctx.t('staff.bad_id', { input: escapeHtml(idArg.slice(0, 32)) }));
  }
  const role = roleArg.toLowerCase();
  if (!isStaffRole(role)) return notice(ctx, ctx.t('staff.bad_role', { input: escapeHtml(roleArg.slice(0, 32)), roles: roleList(ctx) }));
  const telegramId = Number(idArg);
  const { staff } = ctx.deps.services;
  const vars = { id: telegramId, role: roleLabel(ctx, role) };
  if (op === 'add') {
    const added = await staff.add(telegramId, role, `staff:${ctx.from!.id}`);
    ctx.log.info({ telegramId, role, added, by: ctx.from!.id }, 'staff role added');
    if (added) await refreshStaffCommands(ctx.telegram, ctx.deps, telegramId, role);
    return notice(ctx, ctx.t(added ? 'staff.added' : 'staff.already', vars));
  }
  // An admin locking themselves out would need a redeploy with ADMIN_IDS to undo.
  if (role === 'admin' && telegramId === ctx.from!.id) return notice(ctx, ctx.t('staff.self_admin'));
  const removed = await staff.remove(telegramId, role);
  ctx.log.info({ telegramId, role, removed, by: ctx.from!.id }, 'staff role removed');
  if (removed) await refreshStaffCommands(ctx.telegram, ctx.deps, telegramId, role);
  await notice(ctx, ctx.t(removed ? 'staff.removed' : 'staff.not_had', vars));
  // The support group is for agents: without the role (agent, or admin which includes it) they leave it.
  if (removed && (role === 'agent' || role === 'admin')) {
    const entry = (await ctx.deps.services.staff.directory()).find((e) => e.telegramId === telegramId);
    await enforceSupportAccess(ctx.telegram, ctx.deps, telegramId, entry?.name ?? null);
  }
}

adminsOnly.command('staff', async (ctx) => {
  const [sub, idArg, roleArg, ...rest] = ctx.payload.trim().split(/\s+/).filter(Boolean);
  const op = sub?.toLowerCase();
  if (op === 'list' && !idArg) return list(ctx);
  if ((op === 'add' || op === 'remove') && idArg && roleArg && rest.length === 0) return change(ctx, op, idArg, roleArg);
  await notice(ctx, ctx.t('staff.usage', { roles: roleList(ctx) }));
});
