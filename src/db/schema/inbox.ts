import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * The transactional inbox (src/domain/inbox): every update Telegram hands us, stored before it is
 * acknowledged, then handled in per-chat order by any bot process. The primary key makes a
 * redelivery a no-op; `leased_until` is the claim of the process handling the row (a process that
 * dies leaves it to expire, and the row is handled again).
 */
export const inboxUpdates = pgTable(
  'inbox_updates',
  {
    updateId: bigint('update_id', { mode: 'number' }).primaryKey(),
    /** The unit of ordering: the chat, or the topic in a forum supergroup (src/shared/chat-key.ts). */
    chatKey: text('chat_key').notNull(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    state: text('state').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** A failed row waits (backoff) until then. */
    notBefore: timestamp('not_before', { withTimezone: true }).notNull().defaultNow(),
    /** Claimed by a process until then (renewed while its handler runs). */
    leasedUntil: timestamp('leased_until', { withTimezone: true }),
    leaseOwner: text('lease_owner'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    doneAt: timestamp('done_at', { withTimezone: true }),
  },
  (t) => [
    check('inbox_updates_state_check', sql`${t.state} in ('pending', 'done', 'parked')`),
    index('inbox_updates_pending_idx')
      .on(t.chatKey, t.updateId)
      .where(sql`state = 'pending'`),
    index('inbox_updates_done_idx')
      .on(t.doneAt)
      .where(sql`state = 'done'`),
    // Counted on every metrics scrape (parked updates are few; the table holds a week of done ones).
    index('inbox_updates_parked_idx')
      .on(t.updateId)
      .where(sql`state = 'parked'`),
  ],
);

export type InboxUpdate = typeof inboxUpdates.$inferSelect;
