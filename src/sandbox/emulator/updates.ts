/**
 * What the emulator needs of incoming updates: their draft type (no `update_id` yet), the
 * sequence that numbers them, and the bot it impersonates. Builders for tests live in
 * test/support/updates.ts, which re-exports these.
 */
import type { Update, UserFromGetMe } from 'telegraf/types';

/** Omit that keeps union members apart (plain `Omit` collapses a union to its common keys). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An update whose `update_id` may still be missing. */
export type UpdateDraft<U extends Update = Update> = DistributiveOmit<U, 'update_id'> & {
  update_id?: number;
};

/** The bot user the emulator impersonates unless told otherwise (answer of `getMe`). */
export const STAND_IN_BOT: Readonly<UserFromGetMe> = Object.freeze({
  id: 7000000001,
  is_bot: true,
  first_name: 'TeslaJD',
  username: 'tesla_jd_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
});

// A random base keeps ids from different test files / runs visibly apart.
let updateCounter = 100_000_000 + Math.floor(Math.random() * 1_000_000);

/** Next update id from the module-level sequence. */
export function nextUpdateId(): number {
  updateCounter += 1;
  return updateCounter;
}
