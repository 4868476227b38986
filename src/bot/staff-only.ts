import type { Composer, MiddlewareFn } from 'telegraf';
import type { StaffRole } from '../db/schema/index.js';
import type { BotContext } from './context.js';

/**
 * True when the sender is a person in a private chat holding `role` (admins hold every role; see
 * StaffService.can). Read from the database each time: roles live there, not in the update.
 * A sender-less update never passes (telegraf's Composer.acl would let it through).
 */
export async function hasRole(ctx: BotContext, role: StaffRole): Promise<boolean> {
  return !!ctx.from && ctx.chat?.type === 'private' && (await ctx.deps.services.staff.can(ctx.from.id, role));
}

export interface StaffGate {
  /** The updates that are this feature's business (its buttons, commands, typed steps). */
  claims(ctx: BotContext): boolean;
  /** What a sender without the role gets before the update passes on (log it, leave the step). */
  refused?(ctx: BotContext): void;
}

/**
 * The staff-role gate, written once: the updates `gate.claims` picks go to `handlers` when the
 * sender holds `role`; anyone else is treated as if the feature did not exist (the update passes
 * on, and the catch-all answers), so nothing about orders or even the command leaks.
 */
export function staffOnly(role: StaffRole, gate: StaffGate, handlers: Composer<BotContext>): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    if (!gate.claims(ctx)) return next();
    if (await hasRole(ctx, role)) return handlers.middleware()(ctx, next);
    gate.refused?.(ctx);
    return next();
  };
}
