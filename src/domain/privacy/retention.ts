import type postgres from 'postgres';

/** What one retention run removed. */
export interface RetentionResult {
  supportMessages: number;
  supportCards: number;
  conversationStates: number;
  storeAddresses: number;
}

/**
 * The retention job (daily, src/jobs/queues.ts): personal data kept only for service is not kept
 * for ever. Older than `days`: support transcripts (messages) are deleted, and the profile-card
 * copy of closed conversations (name, phone) is cleared; conversation states (a half-filled order
 * form holds name and phone) are deleted, the chat starts at the menu next time; saved store
 * addresses not used since are deleted. Orders and payments are not touched (the law keeps them).
 * Each statement is idempotent: a second run the same day removes nothing.
 */
export async function applyRetention(sql: postgres.Sql, days: number, now: Date): Promise<RetentionResult> {
  // As text: the Drizzle-configured pool serialises no Date parameters.
  const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString();
  const messages = await sql`delete from support_messages where created_at < ${cutoff}::timestamptz`;
  const cards = await sql`update support_conversations set card_text = null where status = 'closed' and closed_at < ${cutoff}::timestamptz and card_text is not null`;
  const states = await sql`delete from conversation_states where updated_at < ${cutoff}::timestamptz`;
  const addresses = await sql`delete from store_addresses where used_at < ${cutoff}::timestamptz`;
  return { supportMessages: messages.count, supportCards: cards.count, conversationStates: states.count, storeAddresses: addresses.count };
}
