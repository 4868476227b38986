import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { customers, timestamps } from './customers.js';

export const supportStatuses = ['queued', 'assigned', 'closed'] as const;
export type SupportStatus = (typeof supportStatuses)[number];
export const supportDirections = ['in', 'out', 'note'] as const;
export type SupportDirection = (typeof supportDirections)[number];

/**
 * One forum topic per customer in the support group, reused for every later conversation (and
 * reopened when closed), so an agent sees the whole history in one place.
 */
export const supportTopics = pgTable(
  'support_topics',
  {
    customerId: integer('customer_id')
      .primaryKey()
      .references(() => customers.id),
    threadId: integer('thread_id').notNull(),
    closed: boolean('closed').notNull().default(false),
    ...timestamps,
  },
  (t) => [uniqueIndex('support_topics_thread_idx').on(t.threadId)],
);

/**
 * A handoff from the bot to a person. At most one conversation per customer is not closed (the
 * partial unique index): a second "talk to a person" finds the open one instead of racing it.
 * `waitingSince` is set when the customer writes while no agent has answered since, and cleared
 * by an agent's reply: the SLA jobs carry it and do nothing once it changed.
 */
export const supportConversations = pgTable(
  'support_conversations',
  {
    id: serial('id').primaryKey(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    status: text('status').$type<SupportStatus>().notNull().default('queued'),
    assigneeTelegramId: bigint('assignee_telegram_id', { mode: 'number' }),
    /** The assignee's Telegram name when they claimed (agents need not have opened the bot). */
    assigneeName: text('assignee_name'),
    threadId: integer('thread_id'),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull().defaultNow(),
    firstAgentReplyAt: timestamp('first_agent_reply_at', { withTimezone: true }),
    lastCustomerMsgAt: timestamp('last_customer_msg_at', { withTimezone: true }),
    waitingSince: timestamp('waiting_since', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    /** 'agent:<telegram id>', 'customer', 'blocked' (the customer blocked the bot) or 'system' (no topic could be made, or no support chat). */
    closedBy: text('closed_by'),
    rating: integer('rating'),
    /** The profile card in the topic: its message, and its body, so its status line can be edited. */
    cardMessageId: integer('card_message_id'),
    cardText: text('card_text'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('support_conversations_one_open_idx')
      .on(t.customerId)
      .where(sql`${t.status} <> 'closed'`),
    index('support_conversations_customer_idx').on(t.customerId, t.id),
    index('support_conversations_opened_idx').on(t.openedAt),
    check('support_conversations_status', sql`${t.status} in ('queued','assigned','closed')`),
    check('support_conversations_rating', sql`${t.rating} is null or ${t.rating} between 1 and 5`),
  ],
);

/** The transcript: every message in both directions, and agents' internal notes. */
export const supportMessages = pgTable(
  'support_messages',
  {
    id: serial('id').primaryKey(),
    conversationId: integer('conversation_id')
      .notNull()
      .references(() => supportConversations.id),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    direction: text('direction').$type<SupportDirection>().notNull(),
    senderTelegramId: bigint('sender_telegram_id', { mode: 'number' }).notNull(),
    /** text, photo, document, voice, video, sticker, location, contact, … */
    contentType: text('content_type').notNull(),
    /** Text or caption (or a description for a location / contact). */
    text: text('text'),
    fileId: text('file_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('support_messages_customer_idx').on(t.customerId, t.id),
    index('support_messages_created_idx').on(t.createdAt),
    check('support_messages_direction', sql`${t.direction} in ('in','out','note')`),
  ],
);

export type SupportTopic = typeof supportTopics.$inferSelect;
export type SupportConversation = typeof supportConversations.$inferSelect;
export type SupportMessage = typeof supportMessages.$inferSelect;
export type NewSupportMessage = typeof supportMessages.$inferInsert;
