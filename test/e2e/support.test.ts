/**
 * Support handoff end to end, the main story: the real app against the Bot API stand-in, a forum
 * supergroup as SUPPORT_CHAT_ID, real Postgres and Redis. A customer mid-configuration asks for a
 * person; the topic opens with the profile card; the customer's photo and text reach it; an
 * agent's reply reaches the customer, a /note does not; a second agent is refused until /takeover;
 * canned replies and /order; close → rating → the customer's step resumes; the topic is reused.
 * Edge cases: support-edge.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paidOrder } from '../integration/helpers.js';
import { TestChat } from '../support/chat.js';
import type { Harness } from '../support/harness.js';
import { gt, mentionOf, SupportDesk, t } from '../support/support-desk.js';

let d: SupportDesk;
let h: Harness;
beforeAll(async () => {
  d = await SupportDesk.start(-1009400000001, 94_000_000);
  h = d.h;
});
afterAll(async () => {
  await d?.h.stop();
});

describe('the main story', () => {
  let chat: TestChat;
  let thread = 0;
  let firstId = 0;

  it('a customer mid-configuration taps "Talk to a person": a topic opens with the profile card', async () => {
    chat = new TestChat(h, d.customerId(), { languageCode: 'en', firstName: 'Wei' });
    await chat.text('/start');
    await chat.tap('Browse models');
    await chat.tap(/^Model Y/);
    await chat.tap('Configure and order');
    const stepScreen = chat.lastText();
    expect(stepScreen).toContain('Step 1 of 4');
    expect(chat.buttonLabels()).toContain(t('en', 'support.talk'));

    const calls = await chat.tap(t('en', 'support.talk'));
    const created = h.api.callsTo('createForumTopic').at(-1)!;
    expect(String(created.params.chat_id)).toBe(String(d.group));
    expect(String(created.params.name)).toMatch(/^Wei · en · #\d+$/);
    thread = d.lastThread();
    const card = d.topicTexts(thread)[0]!;
    expect(card).toContain('Wei');
    expect(card).toContain('🌐 en');
    expect(card).toContain(t('zh-CN', 'support.group.no_phone'));
    // The step in the group's language, not its id; the status line says nobody has it yet.
    expect(card).toContain(`${gt('steps.config_trim')}\n`);
    expect(card).not.toContain('config.trim');
    expect(card.split('\n')[1]).toBe(gt('status_queued'));
    const cardCall = d.inTopic(thread).find((x) => x.method === 'sendMessage')!;
    const labels = JSON.stringify(cardCall.params.reply_markup);
    expect(labels).toContain(gt('claim'));
    expect(labels).toContain(gt('close'));
    // The customer is told a person will answer, with the way back.
    expect(calls.some((x) => x.method === 'sendMessage' && x.params.text === t('en', 'support.started'))).toBe(true);
    expect(chat.buttonLabels()).toEqual([t('en', 'support.end')]);
    expect(await d.conversationOf(chat.id)).toMatchObject({ status: 'queued', assignee: null, thread_id: thread });
  });

  it("the customer's photo and text reach the topic, and the bot's flows stay quiet", async () => {
    const since = h.api.calls.length;
    const photo = await chat.photo();
    const text = await chat.text('Is the white paint extra?');
    const copies = d.inTopic(thread, since).filter((x) => x.method === 'copyMessage');
    expect(copies).toHaveLength(2);
    expect(copies.every((x) => String(x.params.from_chat_id) === String(chat.id))).toBe(true);
    // Nothing came back from the bot to the customer (no "use the buttons" re-ask).
    expect([...photo, ...text].filter((x) => x.method === 'sendMessage')).toEqual([]);
    const rows = await d.transcriptOf(chat.id);
    expect(rows.map((r) => [r.direction, r.content_type])).toEqual([
      ['in', 'photo'],
      ['in', 'text'],
    ]);
    expect(rows[0]!.file_id).toMatch(/^AgAC/);
    expect(await h.app.deps.metrics.render()).toMatch(/^support_messages_in_total 2$/m);
    expect(rows[1]!.text).toBe('Is the white paint extra?');
  });

  it("a bot button pressed during the handoff is refused with a reason, and the step's screen stays", async () => {
    const calls = await chat.press('models');
    const toast = calls.find((x) => x.method === 'answerCallbackQuery');
    expect(toast?.params.text).toBe(t('en', 'support.paused'));
    expect(calls.filter((x) => x.method !== 'answerCallbackQuery')).toEqual([]);
  });

  it("the agent's reply reaches the customer and claims the conversation; a /note does not reach them", async () => {
    const reply = await d.say(d.agent, thread, 'Pearl White is included in the price.');
    const copy = d.copiesTo(chat.id, reply.since);
    expect(copy).toHaveLength(1);
    expect(String(copy[0]!.params.from_chat_id)).toBe(String(d.group));
    expect(Number(copy[0]!.params.message_id)).toBe(reply.messageId);
    expect(d.topicTexts(thread, reply.since).join('\n')).toContain(gt('claimed', { agent: mentionOf(d.agent.id, 'Lena') }));
    expect(await d.conversationOf(chat.id)).toMatchObject({ status: 'assigned', assignee: String(d.agent.id), replied: true });
    // The card at the top of the topic now names who has it, and keeps its buttons.
    const card = await d.cardNow((await d.conversationOf(chat.id))!.id);
    expect(card.text.split('\n')[1]).toBe(gt('status_assigned', { agent: mentionOf(d.agent.id, 'Lena') }));
    expect(card.text).toContain(gt('steps.config_trim'));
    expect(card.buttons).toEqual([gt('claim'), gt('close')]);

    const note = await d.say(d.agent, thread, '/note customer seems price-sensitive');
    expect(h.api.calls.slice(note.since).filter((x) => String(x.params.chat_id) === String(chat.id))).toEqual([]);
    const rows = await d.transcriptOf(chat.id);
    expect(rows.at(-1)).toMatchObject({ direction: 'note', text: 'customer seems price-sensitive' });
    expect(rows.at(-2)).toMatchObject({ direction: 'out', text: 'Pearl White is included in the price.', sender: String(d.agent.id) });
  });

  it('a second agent is refused with who holds it, until /takeover', async () => {
    const refused = await d.say(d.agent2, thread, 'Hi, can I help?');
    expect(d.copiesTo(chat.id, refused.since)).toEqual([]);
    // Lena never opened the bot: her name comes from her claim in the group.
    expect(d.topicTexts(thread, refused.since)).toEqual([gt('held', { agent: mentionOf(d.agent.id, 'Lena') })]);

    const takeover = await d.say(d.agent2, thread, '/takeover');
    expect(d.topicTexts(thread, takeover.since).join('\n')).toContain(gt('taken_over', { agent: mentionOf(d.agent2.id, 'Bo'), previous: mentionOf(d.agent.id, 'Lena') }));
    const now = await d.say(d.agent2, thread, 'I can help with the delivery date.');
    expect(d.copiesTo(chat.id, now.since)).toHaveLength(1);
    const back = await d.say(d.agent, thread, 'Let me add something');
    expect(d.copiesTo(chat.id, back.since)).toEqual([]);
    expect(await d.conversationOf(chat.id)).toMatchObject({ assignee: String(d.agent2.id) });
    const card = await d.cardNow((await d.conversationOf(chat.id))!.id);
    expect(card.text.split('\n')[1]).toBe(gt('status_assigned', { agent: mentionOf(d.agent2.id, 'Bo') }));
  });

  it('/canned lists the templates; /canned KEY sends one in the customer’s language', async () => {
    const list = await d.say(d.agent2, thread, '/canned');
    expect(d.topicTexts(thread, list.since)[0]).toContain('<code>greeting</code>');
    const sent = await d.say(d.agent2, thread, '/canned greeting');
    const toCustomer = h.api.calls.slice(sent.since).filter((x) => x.method === 'sendMessage' && String(x.params.chat_id) === String(chat.id));
    expect(toCustomer.map((x) => x.params.text)).toEqual([t('en', 'support.canned.greeting')]);
    const unknown = await d.say(d.agent2, thread, '/canned nope');
    expect(d.topicTexts(thread, unknown.since)).toEqual([gt('canned_unknown', { key: 'nope' })]);
  });

  it("/order shows only this customer's orders", async () => {
    const other = await paidOrder(h.app.deps.services);
    const foreign = await d.say(d.agent2, thread, `/order ${other.order.number}`);
    expect(d.topicTexts(thread, foreign.since)).toEqual([gt('order_not_found', { ref: other.order.number })]);
    expect(d.topicTexts(thread, foreign.since).join()).not.toContain('Model');
  });

  it('close → the customer rates 1–5, the rating reaches the topic, the topic closes, the step resumes', async () => {
    const close = await d.say(d.agent2, thread, '/close');
    expect(d.topicTexts(thread, close.since).join('\n')).toContain(gt('closed', { agent: mentionOf(d.agent2.id, 'Bo') }));
    expect(h.api.calls.slice(close.since).some((x) => x.method === 'closeForumTopic' && Number(x.params.message_thread_id) === thread)).toBe(true);
    expect(chat.lastText()).toContain(t('en', 'support.closed_by_agent'));
    expect(chat.buttonLabels()).toEqual(['1 ⭐', '2 ⭐', '3 ⭐', '4 ⭐', '5 ⭐', t('en', 'support.continue')]);
    expect(await d.conversationOf(chat.id)).toMatchObject({ status: 'closed' });
    const id = (firstId = (await d.conversationOf(chat.id))!.id);
    const closedCard = await d.cardNow(id);
    expect(closedCard.text.split('\n')[1]).toBe(gt('status_closed_agent', { agent: mentionOf(d.agent2.id, 'Bo') }));
    expect(closedCard.buttons).toEqual([]);

    const since = h.api.calls.length;
    await chat.tap('4 ⭐');
    expect(chat.toasts()).toContain(t('en', 'support.rating_thanks', { score: 4 }));
    expect(d.topicTexts(thread, since)).toEqual([gt('rating', { score: 4 })]);
    expect(await d.conversationOf(chat.id)).toMatchObject({ rating: 4 });
    expect((await d.cardNow(id)).text.split('\n')[1]).toBe(`${gt('status_closed_agent', { agent: mentionOf(d.agent2.id, 'Bo') })} · ${gt('status_rated', { score: 4 })}`);
    // A second press (another message's button, a double tap) changes nothing.
    await chat.press(`spr:${(await d.conversationOf(chat.id))!.id}:1`);
    expect(chat.toasts().at(-1)).toBe(t('en', 'support.rating_already'));
    expect(await d.conversationOf(chat.id)).toMatchObject({ rating: 4 });

    await chat.tap(t('en', 'support.continue'));
    expect(chat.lastText()).toContain('Step 1 of 4');
    // The bot is back: free text gets the step's answer again.
    const calls = await chat.text('hello?');
    expect(calls.some((x) => x.method === 'sendMessage' && x.params.text === t('en', 'errors.use_buttons'))).toBe(true);
  });

  it('asking again reuses and reopens the same topic, with the transcript on the new card', async () => {
    const since = h.api.calls.length;
    const created = h.api.callsTo('createForumTopic').length;
    await chat.text('human');
    expect(h.api.callsTo('createForumTopic')).toHaveLength(created);
    expect(h.api.calls.slice(since).some((x) => x.method === 'reopenForumTopic' && Number(x.params.message_thread_id) === thread)).toBe(true);
    const card = d.topicTexts(thread, since)[0]!;
    expect(card).toContain('Is the white paint extra?');
    expect(card).toContain('Pearl White is included in the price.');
    expect(chat.lastText()).toBe(t('en', 'support.started'));
    // The request itself went to the topic too.
    expect(d.inTopic(thread, since).filter((x) => x.method === 'copyMessage')).toHaveLength(1);
    // The customer ends it from their side.
    const end = h.api.calls.length;
    await chat.tap(t('en', 'support.end'));
    expect(chat.lastText()).toContain(t('en', 'support.ended'));
    expect(d.topicTexts(thread, end)).toEqual([gt('closed_by_customer')]);
    expect(await d.conversationOf(chat.id)).toMatchObject({ status: 'closed' });
    // The new card says so; the first conversation's card still shows its own end and rating.
    const second = (await d.conversationOf(chat.id))!.id;
    expect((await d.cardNow(second)).text.split('\n')[1]).toBe(gt('status_closed_customer'));
    expect((await d.cardNow(firstId)).text).toContain(gt('status_rated', { score: 4 }));
  });
});
