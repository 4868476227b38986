import type postgres from 'postgres';
import type { Db } from '../../db/client.js';
import type { Customer } from '../../db/schema/index.js';

export interface ChatState {
  step: string;
  data: Record<string, unknown>;
  menuMessageId: number | null;
  menuPhoto: string | null;
}

export const emptyState = (): ChatState => ({ step: 'menu', data: {}, menuMessageId: null, menuPhoto: null });

/** What the bot needs to start handling an update, read in one round trip. */
export interface UpdateStart {
  customer: Customer | null;
  state: ChatState;
  /** The customer's open support conversation (a handoff pauses the bot), read in the same statement. */
  supportConversationId: number | null;
}

const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));

/** A conversation_states row (or the state columns of a join) as a ChatState; no row → the menu. */
function toState(r: { step?: unknown; data?: unknown; menu_message_id?: unknown; menu_photo?: unknown } | undefined): ChatState {
  if (!r || r.step == null) return emptyState();
  return {
    step: r.step as string,
    // jsonb arrives parsed from a plain postgres.js pool, as text from the one Drizzle configured.
    data: (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Record<string, unknown>,
    menuMessageId: r.menu_message_id == null ? null : Number(r.menu_message_id),
    menuPhoto: (r.menu_photo as string | null) ?? null,
  };
}

export interface ConversationRepositoryOptions {
  db: Db;
  /** The relaxed pool (DbHandle.relaxed) for the hot statements; the Drizzle pool's client by default. */
  relaxed?: postgres.Sql;
}

/**
 * Conversation state: per-update bookkeeping on the hot path, so it is plain
 * prepared SQL on the relaxed pool (see DbHandle.relaxed) rather than built by Drizzle each time.
 * State lives in Postgres, so a restart (or another bot process) resumes the step.
 */
export class ConversationRepository {
  private readonly sql: postgres.Sql;

  constructor(opts: ConversationRepositoryOptions) {
    this.sql = opts.relaxed ?? opts.db.$client;
  }

  /**
   * For a private chat, reads the customer and the chat's state (and open support conversation)
   * in one statement. The inbox hands out a chat's updates one at a time, so the state is the latest.
   */
  async begin(chat: { telegramId: number; chatId: number } | null): Promise<UpdateStart> {
    if (!chat) return { customer: null, state: emptyState(), supportConversationId: null };
    const [row] = await this.sql<Array<Record<string, unknown>>>`
      select c.id, c.telegram_id, c.first_name, c.last_name, c.username, c.language, c.phone, c.marketing_consent,
        c.blocked, c.source, c.last_source, c.last_active_at, c.created_at, c.updated_at,
        s.step, s.data, s.menu_message_id, s.menu_photo,
        (select sc.id from support_conversations sc where sc.customer_id = c.id and sc.status <> 'closed') as support_conversation_id
      from (select 1) one
      left join customers c on c.telegram_id = ${chat.telegramId}::bigint
      left join conversation_states s on s.chat_id = ${chat.chatId}::bigint`;
    const r = row ?? {};
    const customer: Customer | null =
      r.id == null
        ? null
        : {
            id: Number(r.id),
            telegramId: Number(r.telegram_id),
            firstName: r.first_name as string,
            lastName: (r.last_name as string | null) ?? null,
            username: (r.username as string | null) ?? null,
            language: r.language as string,
            phone: (r.phone as string | null) ?? null,
            marketingConsent: (r.marketing_consent as boolean | null) ?? null,
            blocked: r.blocked as boolean,
            source: (r.source as string | null) ?? null,
            lastSource: (r.last_source as string | null) ?? null,
            lastActiveAt: toDate(r.last_active_at),
            createdAt: toDate(r.created_at),
            updatedAt: toDate(r.updated_at),
            // Never an erased row: its telegram_id is negative, no Telegram user has it.
            erasedAt: null,
          };
    const supportConversationId = r.support_conversation_id == null ? null : Number(r.support_conversation_id);
    return { customer, state: toState(r), supportConversationId };
  }

  async load(chatId: number): Promise<ChatState> {
    const [row] = await this.sql<Array<Record<string, unknown>>>`
      select step, data, menu_message_id, menu_photo from conversation_states where chat_id = ${chatId}`;
    return toState(row);
  }

  async save(chatId: number, state: ChatState): Promise<void> {
    await this.sql`
      insert into conversation_states (chat_id, step, data, menu_message_id, menu_photo)
      values (${chatId}, ${state.step}, ${JSON.stringify(state.data)}::text::jsonb, ${state.menuMessageId}, ${state.menuPhoto})
      on conflict (chat_id) do update set step = excluded.step, data = excluded.data,
        menu_message_id = excluded.menu_message_id, menu_photo = excluded.menu_photo,
        version = conversation_states.version + 1, updated_at = now()`;
  }
}
