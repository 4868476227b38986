import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { conversationStates, processedUpdates } from '../../db/schema/index.js';

export interface ChatState {
  step: string;
  data: Record<string, unknown>;
  menuMessageId: number | null;
  menuPhoto: string | null;
}

export const emptyState = (): ChatState => ({ step: 'menu', data: {}, menuMessageId: null, menuPhoto: null });

/** Conversation state lives in Postgres, so a restart (or another bot process) resumes the step. */
export class ConversationRepository {
  constructor(private readonly db: Db) {}

  async load(chatId: number): Promise<ChatState> {
    const [row] = await this.db.select().from(conversationStates).where(eq(conversationStates.chatId, chatId));
    if (!row) return emptyState();
    return { step: row.step, data: row.data, menuMessageId: row.menuMessageId, menuPhoto: row.menuPhoto };
  }

  async save(chatId: number, state: ChatState): Promise<void> {
    const values = {
      step: state.step,
      data: state.data,
      menuMessageId: state.menuMessageId,
      menuPhoto: state.menuPhoto,
    };
    await this.db
      .insert(conversationStates)
      .values({ chatId, ...values })
      .onConflictDoUpdate({
        target: conversationStates.chatId,
        set: { ...values, version: sql`${conversationStates.version} + 1`, updatedAt: sql`now()` },
      });
  }

  /** True the first time an update_id is seen; Telegram may deliver an update more than once. */
  async claimUpdate(updateId: number): Promise<boolean> {
    const rows = await this.db
      .insert(processedUpdates)
      .values({ updateId })
      .onConflictDoNothing()
      .returning({ updateId: processedUpdates.updateId });
    return rows.length > 0;
  }

  /** Undoes claimUpdate for an update whose handling failed. */
  async releaseUpdate(updateId: number): Promise<void> {
    await this.db.delete(processedUpdates).where(eq(processedUpdates.updateId, updateId));
  }

  /** Forgets update ids older than `days`; Telegram keeps undelivered updates for 24 hours. */
  async pruneProcessed(days = 7): Promise<number> {
    const rows = await this.db.execute(
      sql`delete from processed_updates where processed_at < now() - make_interval(days => ${days}) returning update_id`,
    );
    return rows.length;
  }
}
