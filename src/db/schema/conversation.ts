import { bigint, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** One row per private chat: where the customer is in a flow, and what they chose so far. */
export const conversationStates = pgTable(
  'conversation_states',
  {
    chatId: bigint('chat_id', { mode: 'number' }).primaryKey(),
    step: text('step').notNull().default('menu'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    /** The one live menu message; callbacks from any other message are stale. */
    menuMessageId: integer('menu_message_id'),
    /** The photo URL the menu message shows, if any (a photo message cannot be edited into a text one). */
    menuPhoto: text('menu_photo'),
    version: integer('version').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // The retention job (src/domain/privacy/retention.ts) deletes states untouched for RETENTION_DAYS.
  (t) => [index('conversation_states_updated_idx').on(t.updatedAt)],
);

export type ConversationState = typeof conversationStates.$inferSelect;
