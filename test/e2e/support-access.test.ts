/**
 * The support group is for agents (src/bot/features/support/access.ts, src/telegram/support-access.ts),
 * end to end against the Bot API emulator: join requests are approved only for people with the
 * agent role in the database (the group is told), declined for anyone else, and left alone in any
 * other chat; an admin's `/staff remove <id> agent` removes that person from the group (ban, then
 * unban so a later request can be approved) and says so in the group — unless another role of
 * theirs (admin) still makes them an agent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestChat } from '../support/chat.js';
import type { Harness } from '../support/harness.js';
import { mentionOf, SupportDesk, t } from '../support/support-desk.js';
import { chatJoinRequestUpdate, userFor } from '../support/updates.js';

const GROUP = -1009400000123;
let d: SupportDesk;
let h: Harness;
let admin: TestChat;
beforeAll(async () => {
  d = await SupportDesk.start(GROUP, 94_700_000);
  h = d.h;
  admin = new TestChat(h, 94_700_900, { languageCode: 'en', firstName: 'Ada' });
  await h.app.deps.services.staff.add(admin.id, 'admin', 'test');
});
afterAll(async () => {
  await d?.h.stop();
});

const since = () => h.api.calls.length;
const callsFrom = (from: number, method: string) => h.api.calls.slice(from).filter((c) => c.method === method && c.response.ok);
const groupTexts = (from: number) =>
  callsFrom(from, 'sendMessage')
    .filter((c) => String(c.params.chat_id) === String(GROUP))
    .map((c) => String(c.params.text));
const gt = (key: string, vars: Record<string, unknown>) => t('zh-CN', `support_access.${key}`, vars);

describe('join requests to the support group', () => {
  it('an agent is approved, and the group is told who joined', async () => {
    const from = since();
    await h.deliver(chatJoinRequestUpdate(d.agent, GROUP));
    expect(callsFrom(from, 'approveChatJoinRequest').map((c) => Number(c.params.user_id))).toEqual([d.agent.id]);
    expect(callsFrom(from, 'declineChatJoinRequest')).toEqual([]);
    expect(h.api.memberStatus(GROUP, d.agent.id)).toBe('member');
    expect(groupTexts(from)).toEqual([gt('approved', { name: mentionOf(d.agent.id, 'Lena') })]);
  });

  it('someone without the agent role is declined, without a word in the group', async () => {
    const stranger = userFor(94_700_777, { firstName: 'Mallory' });
    const from = since();
    await h.deliver(chatJoinRequestUpdate(stranger, GROUP));
    expect(callsFrom(from, 'declineChatJoinRequest').map((c) => Number(c.params.user_id))).toEqual([stranger.id]);
    expect(callsFrom(from, 'approveChatJoinRequest')).toEqual([]);
    expect(h.api.memberStatus(GROUP, stranger.id)).toBe('left');
    expect(groupTexts(from)).toEqual([]);
  });

  it('a join request to another chat is not the bot’s business', async () => {
    const from = since();
    await h.deliver(chatJoinRequestUpdate(d.agent2, -1009400000999));
    expect(callsFrom(from, 'approveChatJoinRequest')).toEqual([]);
    expect(callsFrom(from, 'declineChatJoinRequest')).toEqual([]);
  });
});

describe('a revoked agent role', () => {
  it('removes the person from the group (ban, then unban) and says so there', async () => {
    await h.deliver(chatJoinRequestUpdate(d.agent2, GROUP));
    expect(h.api.memberStatus(GROUP, d.agent2.id)).toBe('member');
    const from = since();
    await admin.text(`/staff remove ${d.agent2.id} agent`);
    expect(callsFrom(from, 'banChatMember').map((c) => Number(c.params.user_id))).toEqual([d.agent2.id]);
    const unban = callsFrom(from, 'unbanChatMember');
    expect(unban.map((c) => [Number(c.params.user_id), c.params.only_if_banned])).toEqual([[d.agent2.id, true]]);
    expect(h.api.memberStatus(GROUP, d.agent2.id)).toBe('left');
    expect(groupTexts(from)).toEqual([gt('removed', { name: mentionOf(d.agent2.id, 'Bo') })]);
    expect(await h.app.deps.services.staff.can(d.agent2.id, 'agent')).toBe(false);

    // Asking to join again: declined now.
    const again = since();
    await h.deliver(chatJoinRequestUpdate(d.agent2, GROUP));
    expect(callsFrom(again, 'declineChatJoinRequest').map((c) => Number(c.params.user_id))).toEqual([d.agent2.id]);
  });

  it('an agent who is also an admin stays: the admin role still lets them work in the group', async () => {
    await h.app.deps.services.staff.add(d.agent.id, 'admin', 'test');
    const from = since();
    await admin.text(`/staff remove ${d.agent.id} agent`);
    expect(callsFrom(from, 'banChatMember')).toEqual([]);
    expect(groupTexts(from)).toEqual([]);
    expect(h.api.memberStatus(GROUP, d.agent.id)).toBe('member');
  });
});

describe('/deletemydata during a support conversation', () => {
  it('closes the conversation, deletes its transcript and the customer’s topic in the group', async () => {
    const { c, thread } = await d.handoff('en');
    await c.text('my phone is 13800138000');
    const conversation = (await d.conversationOf(c.id))!;
    const [owner] = await h.db.sql<Array<{ customer_id: number }>>`select customer_id from support_conversations where id = ${conversation.id}`;
    const customerId = owner!.customer_id;
    expect((await d.transcriptOf(c.id)).length).toBeGreaterThan(0);
    const from = since();
    // The bot is paused for this chat, but /deletemydata and its buttons still reach it.
    await c.text('/deletemydata');
    await c.tap(t('en', 'privacy.confirm_yes'));
    expect(c.lastText()).toContain(t('en', 'privacy.done').slice(0, 40));
    expect(callsFrom(from, 'deleteForumTopic').map((x) => [String(x.params.chat_id), Number(x.params.message_thread_id)])).toEqual([[String(GROUP), thread]]);
    // Nothing the customer wrote was copied into the topic on the way.
    expect(d.copiesTo(GROUP, from)).toEqual([]);
    const [row] = await h.db.sql<Array<{ status: string; card_text: string | null }>>`select status, card_text from support_conversations where id = ${conversation.id}`;
    expect(row).toEqual({ status: 'closed', card_text: null });
    const [left] = await h.db.sql<Array<{ messages: number; topics: number }>>`
      select (select count(*)::int from support_messages where customer_id = ${customerId}) as messages,
             (select count(*)::int from support_topics where customer_id = ${customerId}) as topics`;
    expect(left).toEqual({ messages: 0, topics: 0 });
  });
});
