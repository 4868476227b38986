import { and, desc, eq, inArray, isNotNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import {
  customers,
  supportConversations,
  supportMessages,
  supportTopics,
  type Customer,
  type NewSupportMessage,
  type SupportConversation,
  type SupportMessage,
  type SupportTopic,
} from '../../db/schema/index.js';
import { pgErrorCode } from '../../shared/errors.js';
import { nextOpening, type SupportHours } from './hours.js';

/**
 * Schedules and cancels the SLA reminders of a conversation's waiting spell (src/jobs/support/sla.ts
 * puts them on the `support` queue). The jobs re-check the row, so a missed cancel does no harm.
 */
export interface SlaScheduler {
  schedule(conversationId: number, waitingSince: Date, dueAt: Date[]): Promise<void>;
  cancel(conversationId: number, waitingSince: Date): Promise<void>;
}

export const noSla: SlaScheduler = { schedule: () => Promise.resolve(), cancel: () => Promise.resolve() };

/** Which way a relayed message goes: a customer's into their topic, an agent's to the customer. */
export type RelayDirection = 'in' | 'out';

/**
 * What waits in a conversation's relay list:
 * - copy: a message to copy (from the customer's chat, or an agent's from the group), with the
 *   customer's step (for a card, if the topic must be made first);
 * - open: the conversation's topic and profile card, not yet made when its handoff started;
 * - notice: a bot notice for the topic (`name` tells them apart: one of each per conversation), or
 *   for 'out' a canned reply to the customer (`name`: canned-<the agent's message id>);
 * - close: the closed conversation's card edited (`closer`: the agent's mention) and its topic closed.
 */
export type RelayEntry =
  | { kind: 'copy'; fromChatId: number; messageId: number; step: string }
  | { kind: 'open'; step: string }
  | { kind: 'notice'; name: string; text: string }
  | { kind: 'close'; closer: string | null };

/** The part of a relay job's id that names its entry (the source message, or what it is). */
export const relayEntryKey = (entry: RelayEntry): string => (entry.kind === 'copy' ? String(entry.messageId) : entry.kind === 'notice' ? `notice-${entry.name}` : entry.kind);

/**
 * Messages Telegram would not take yet (429), kept in order per conversation and direction and
 * copied by the `support` queue's relay jobs (src/jobs/support/relay.ts). While a conversation has
 * a backlog, or the group is paused, its new messages join the queue too, so order is kept.
 */
export interface SupportRelay {
  /** Null when a message may be copied now; else the delay (ms, ≥ 0) to queue it with. */
  waitFor(conversationId: number, direction: RelayDirection): Promise<number | null>;
  /** Telegram asked for `ms` of quiet (for 'in': the whole group; for 'out': this conversation's customer). */
  pause(conversationId: number, direction: RelayDirection, ms: number): Promise<void>;
  enqueue(conversationId: number, direction: RelayDirection, entry: RelayEntry, delayMs: number): Promise<void>;
}

export const noRelay: SupportRelay = {
  waitFor: () => Promise.resolve(null),
  pause: () => Promise.resolve(),
  enqueue: () => Promise.reject(new Error('support relay queue is not wired (the `relay` option of SupportService)')),
};

export interface SupportSettings {
  hours: SupportHours;
  timeZone: string;
  slaMinutes: number;
}

export interface SupportServiceOptions {
  db: Db;
  settings: SupportSettings;
  now?: () => Date;
  /** The SLA reminder jobs (src/jobs/support/sla.ts); none by default. */
  sla?: SlaScheduler;
  /** The queue of messages Telegram would not take yet (src/jobs/support/relay.ts); unwired by default. */
  relay?: SupportRelay;
}

export type ClaimResult =
  { kind: 'claimed'; previous: number | null; previousName: string | null } | { kind: 'mine' } | { kind: 'held'; by: number; name: string | null } | { kind: 'closed' };

export type RateResult = 'rated' | 'duplicate' | 'not_found';

// eslint-disable-next-line @typescript-eslint/no-base-to-string -- v is a raw SQL timestamp (text) or a Date, never a plain object
const toDate = (v: unknown): Date | null => (v == null ? null : v instanceof Date ? v : new Date(String(v)));

/**
 * Support handoffs: one open conversation per customer (a partial unique index guards it), one
 * forum topic per customer, the transcript, atomic claims, and the waiting spells the SLA jobs
 * watch. Knows nothing of Telegram.
 */
export class SupportService {
  private readonly db: Db;
  private readonly settings: SupportSettings;
  private readonly now: () => Date;
  private readonly sla: SlaScheduler;
  /** Where messages Telegram would not take yet wait their turn (see SupportRelay). */
  readonly relay: SupportRelay;

  constructor(opts: SupportServiceOptions) {
    this.db = opts.db;
    this.settings = opts.settings;
    this.now = opts.now ?? (() => new Date());
    this.sla = opts.sla ?? noSla;
    this.relay = opts.relay ?? noRelay;
  }

  /** The customer's conversation that is not closed, if any (one indexed lookup; hot path). */
  async openFor(customerId: number): Promise<SupportConversation | null> {
    const [row] = await this.db
      .select()
      .from(supportConversations)
      .where(and(eq(supportConversations.customerId, customerId), ne(supportConversations.status, 'closed')));
    return row ?? null;
  }

  async byId(id: number): Promise<SupportConversation | null> {
    const [row] = await this.db.select().from(supportConversations).where(eq(supportConversations.id, id));
    return row ?? null;
  }

  /** Opens a conversation, or returns the one already open (`created` false). */
  async open(customerId: number): Promise<{ conversation: SupportConversation; created: boolean }> {
    const now = this.now();
    try {
      const [row] = await this.db.insert(supportConversations).values({ customerId, openedAt: now, createdAt: now, updatedAt: now }).returning();
      return { conversation: row!, created: true };
    } catch (err) {
      if (pgErrorCode(err) !== '23505') throw err;
      const existing = await this.openFor(customerId);
      if (!existing) throw err;
      return { conversation: existing, created: false };
    }
  }

  /** Gives up a conversation that could not reach any agent (no topic could be made). */
  async abandon(conversationId: number): Promise<void> {
    await this.db
      .update(supportConversations)
      .set({ status: 'closed', closedAt: this.now(), closedBy: 'system', updatedAt: this.now() })
      .where(eq(supportConversations.id, conversationId));
  }

  async topicOf(customerId: number): Promise<SupportTopic | null> {
    const [row] = await this.db.select().from(supportTopics).where(eq(supportTopics.customerId, customerId));
    return row ?? null;
  }

  /** Remembers the customer's topic (a new one replaces one that was deleted in the group). */
  async saveTopic(customerId: number, threadId: number): Promise<void> {
    const now = this.now();
    await this.db
      .insert(supportTopics)
      .values({ customerId, threadId, closed: false, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: supportTopics.customerId, set: { threadId, closed: false, updatedAt: now } });
  }

  async setTopicClosed(customerId: number, closed: boolean): Promise<void> {
    await this.db.update(supportTopics).set({ closed, updatedAt: this.now() }).where(eq(supportTopics.customerId, customerId));
  }

  async attachThread(conversationId: number, threadId: number): Promise<void> {
    await this.db.update(supportConversations).set({ threadId, updatedAt: this.now() }).where(eq(supportConversations.id, conversationId));
  }

  /** Remembers the profile card posted in the topic (its status line is edited as things change). */
  async saveCard(conversationId: number, messageId: number, text: string): Promise<void> {
    await this.db.update(supportConversations).set({ cardMessageId: messageId, cardText: text, updatedAt: this.now() }).where(eq(supportConversations.id, conversationId));
  }

  /**
   * The customer whose topic `threadId` is, with their newest conversation (closed ones included),
   * in one query: an agent's message in a topic needs both.
   */
  async byThread(threadId: number): Promise<{ conversation: SupportConversation; customer: Customer } | null> {
    const [row] = await this.db
      .select({ conversation: supportConversations, customer: customers })
      .from(supportTopics)
      .innerJoin(supportConversations, eq(supportConversations.customerId, supportTopics.customerId))
      .innerJoin(customers, eq(customers.id, supportTopics.customerId))
      .where(eq(supportTopics.threadId, threadId))
      .orderBy(desc(supportConversations.id))
      .limit(1);
    return row ?? null;
  }

  async record(message: Omit<NewSupportMessage, 'createdAt'>): Promise<void> {
    await this.db.insert(supportMessages).values({ ...message, createdAt: this.now() });
  }

  /**
   * A customer message arrived: recorded, and if nobody was waiting for an agent's answer a
   * waiting spell starts, with SLA reminders at N and 3N minutes of business hours.
   */
  async customerWrote(conversation: SupportConversation, message: Omit<NewSupportMessage, 'createdAt' | 'direction' | 'conversationId' | 'customerId'>): Promise<void> {
    await this.record({ ...message, direction: 'in', conversationId: conversation.id, customerId: conversation.customerId });
    await this.startWaiting(conversation.id);
  }

  /** Starts a waiting spell unless one is running; schedules its SLA reminders. */
  async startWaiting(conversationId: number): Promise<Date | null> {
    const now = this.now();
    const [row] = await this.db
      .update(supportConversations)
      .set({ lastCustomerMsgAt: now, waitingSince: sql`coalesce(${supportConversations.waitingSince}, ${now.toISOString()}::timestamptz)`, updatedAt: now })
      .where(and(eq(supportConversations.id, conversationId), ne(supportConversations.status, 'closed')))
      .returning({ waitingSince: supportConversations.waitingSince });
    const since = toDate(row?.waitingSince);
    if (!since || since.getTime() !== now.getTime()) return null;
    const base = nextOpening(this.settings.hours, now, this.settings.timeZone).getTime();
    const n = this.settings.slaMinutes * 60_000;
    await this.sla.schedule(conversationId, since, [new Date(base + n), new Date(base + 3 * n)]);
    return since;
  }

  /** An agent answered: the waiting spell ends (its SLA jobs are removed), first reply time kept. */
  async agentReplied(conversationId: number): Promise<void> {
    const now = this.now();
    const rows = await this.db.execute(sql`
      with old as (select id, waiting_since from support_conversations where id = ${conversationId} for update)
      update support_conversations c
         set waiting_since = null, first_agent_reply_at = coalesce(c.first_agent_reply_at, ${now.toISOString()}::timestamptz), updated_at = ${now.toISOString()}::timestamptz
        from old where c.id = old.id
      returning old.waiting_since as was_waiting`);
    const was = toDate((rows[0] as { was_waiting?: unknown } | undefined)?.was_waiting);
    if (was) await this.sla.cancel(conversationId, was);
  }

  /**
   * Assigns the conversation to `agentId` in one guarded statement: of two agents at once, one
   * wins and the other learns who holds it. With `takeover` an agent takes it from a colleague.
   */
  async claim(conversationId: number, agentId: number, opts: { takeover?: boolean; name?: string } = {}): Promise<ClaimResult> {
    const now = this.now().toISOString();
    const rows = await this.db.execute(sql`
      with prev as (select assignee_telegram_id as a, assignee_name as n from support_conversations where id = ${conversationId})
      update support_conversations c
         set assignee_telegram_id = ${agentId},
             assignee_name = case when c.assignee_telegram_id = ${agentId} then coalesce(${opts.name ?? null}::text, c.assignee_name) else ${opts.name ?? null}::text end,
             status = 'assigned', updated_at = ${now}::timestamptz
        from prev
       where c.id = ${conversationId} and c.status <> 'closed'
         and (c.assignee_telegram_id is null or c.assignee_telegram_id = ${agentId} or ${opts.takeover === true}::boolean)
      returning c.id, prev.a as previous, prev.n as previous_name`);
    const won = rows[0] as { id: number; previous: unknown; previous_name: string | null } | undefined;
    if (!won) {
      // Lost (or closed): one more read says to whom, only on this rare path.
      const current = await this.byId(conversationId);
      if (!current || current.status === 'closed') return { kind: 'closed' };
      return { kind: 'held', by: current.assigneeTelegramId!, name: current.assigneeName };
    }
    const previous = won.previous == null ? null : Number(won.previous);
    return previous === agentId ? { kind: 'mine' } : { kind: 'claimed', previous, previousName: previous === null ? null : won.previous_name };
  }

  /** Closes the conversation; null when it was closed already (a double press, two agents). */
  async close(conversationId: number, by: string): Promise<SupportConversation | null> {
    const now = this.now();
    const [row] = await this.db
      .update(supportConversations)
      .set({ status: 'closed', closedAt: now, closedBy: by, waitingSince: null, updatedAt: now })
      .where(and(eq(supportConversations.id, conversationId), ne(supportConversations.status, 'closed')))
      .returning();
    return row ?? null;
  }

  /** Cancels the SLA jobs of a conversation that was closed while the customer waited. */
  async cancelWaiting(conversationId: number, waitingSince: Date | null): Promise<void> {
    if (waitingSince) await this.sla.cancel(conversationId, waitingSince);
  }

  /** Stores the customer's 1–5 rating of a closed conversation of theirs, once. */
  async rate(conversationId: number, customerId: number, score: number): Promise<RateResult> {
    const [row] = await this.db
      .update(supportConversations)
      .set({ rating: score, updatedAt: this.now() })
      .where(
        and(
          eq(supportConversations.id, conversationId),
          eq(supportConversations.customerId, customerId),
          eq(supportConversations.status, 'closed'),
          sql`${supportConversations.rating} is null`,
        ),
      )
      .returning({ id: supportConversations.id });
    if (row) return 'rated';
    const c = await this.byId(conversationId);
    return c && c.customerId === customerId && c.status === 'closed' ? 'duplicate' : 'not_found';
  }

  async customer(customerId: number): Promise<Customer | null> {
    const [row] = await this.db.select().from(customers).where(eq(customers.id, customerId));
    return row ?? null;
  }

  /** A staff member's name if they ever opened the bot (for "held by …" notices). */
  async nameOf(telegramId: number): Promise<string | null> {
    const [row] = await this.db.select({ firstName: customers.firstName, lastName: customers.lastName }).from(customers).where(eq(customers.telegramId, telegramId));
    return row ? [row.firstName, row.lastName].filter(Boolean).join(' ') || null : null;
  }

  /**
   * Names agents gave when they last claimed a conversation, for agents who never opened the bot
   * (SLA reminders mention them by name).
   */
  async claimNames(telegramIds: number[]): Promise<Map<number, string>> {
    if (telegramIds.length === 0) return new Map();
    const rows = await this.db
      .selectDistinctOn([supportConversations.assigneeTelegramId], { id: supportConversations.assigneeTelegramId, name: supportConversations.assigneeName })
      .from(supportConversations)
      .where(and(inArray(supportConversations.assigneeTelegramId, telegramIds), isNotNull(supportConversations.assigneeName)))
      .orderBy(supportConversations.assigneeTelegramId, desc(supportConversations.updatedAt));
    return new Map(rows.map((r) => [r.id!, r.name!]));
  }

  /** The customer's last `limit` transcript messages across conversations, oldest first. */
  async transcript(customerId: number, limit = 20): Promise<SupportMessage[]> {
    const rows = await this.db.select().from(supportMessages).where(eq(supportMessages.customerId, customerId)).orderBy(desc(supportMessages.id)).limit(limit);
    return rows.reverse();
  }
}
