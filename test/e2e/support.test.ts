/**
 * Support handoff end to end: the real app against the Bot API stand-in, a forum supergroup as
 * SUPPORT_CHAT_ID, real Postgres and Redis. A customer mid-configuration asks for a person; the
 * topic opens with the profile card; the customer's photo and text reach it; an agent's reply
 * reaches the customer, a /note does not; a second agent is refused until /takeover; close →
 * rating → the customer's step resumes. Then the edge cases: non-agents in the group, two claims
 * at once, a customer who blocked the bot, free text that only looks like a request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createI18n } from '../../src/i18n.js';
import { newOrder, paidOrder } from '../integration/helpers.js';
import type { RecordedCall } from '../support/bot-api-stand-in.js';
import { TestChat } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import {
  callbackUpdate,
  contactUpdate,
  groupPhotoUpdate,
  groupTextUpdate,
  locationUpdate,
  myChatMemberUpdate,
  stickerUpdate,
  userFor,
  withId,
} from '../support/updates.js';

type Lng = 'en' | 'zh-CN';
const i18n = createI18n('zh-CN');
const t = (lng: Lng, key: string, vars: Record<string, unknown> = {}): string => String(i18n.t(lng)(key, vars));
/** Agents read the group in DEFAULT_LOCALE (zh-CN). */
const gt = (key: string, vars: Record<string, unknown> = {}) => t('zh-CN', `support.group.${key}`, vars);

const GROUP = -1009400000001;
const AGENT = 94_000_001;
const AGENT2 = 94_000_002;
const MEMBER = 94_000_003;
const agent = userFor(AGENT, { firstName: 'Lena', languageCode: 'en' });
const agent2 = userFor(AGENT2, { firstName: 'Bo', languageCode: 'zh-hans' });
const member = userFor(MEMBER, { firstName: 'Intern' });

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { SUPPORT_CHAT_ID: String(GROUP), SUPPORT_HOURS: '00:00-24:00', SUPPORT_SLA_MINUTES: '60' } });
  await h.app.deps.services.staff.add(AGENT, 'agent', 'test');
  await h.app.deps.services.staff.add(AGENT2, 'agent', 'test');
});
afterAll(async () => {
  await h?.stop();
});

let nextCustomer = 94_100_000;
const ok = (c: RecordedCall) => c.response.ok;
const inTopic = (thread: number, since = 0) =>
  h.api.calls.slice(since).filter((c) => ok(c) && String(c.params.chat_id) === String(GROUP) && Number(c.params.message_thread_id) === thread);
const topicTexts = (thread: number, since = 0) => inTopic(thread, since).filter((c) => c.method === 'sendMessage').map((c) => String(c.params.text));
const copiesTo = (chatId: number, since = 0) => h.api.calls.slice(since).filter((c) => ok(c) && c.method === 'copyMessage' && String(c.params.chat_id) === String(chatId));
const lastThread = (): number => (h.api.callsTo('createForumTopic').at(-1)!.response as { result: { message_thread_id: number } }).result.message_thread_id;

async function conversationOf(telegramId: number) {
  const [row] = await h.db.sql<Array<{ id: number; status: string; assignee: string | null; rating: number | null; thread_id: number; replied: boolean }>>`
    select c.id, c.status, c.assignee_telegram_id as assignee, c.rating, c.thread_id, c.first_agent_reply_at is not null as replied
    from support_conversations c join customers u on u.id = c.customer_id where u.telegram_id = ${telegramId} order by c.id desc limit 1`;
  return row;
}

async function transcriptOf(telegramId: number) {
  return h.db.sql<Array<{ direction: string; content_type: string; text: string | null; file_id: string | null; sender: string }>>`
    select m.direction, m.content_type, m.text, m.file_id, m.sender_telegram_id as sender
    from support_messages m join customers u on u.id = m.customer_id where u.telegram_id = ${telegramId} order by m.id`;
}

/** An agent (or anyone) writes in a topic; resolves once handled. */
async function say(user: ReturnType<typeof userFor>, thread: number, text: string) {
  const update = withId(groupTextUpdate(user, GROUP, text, { messageThreadId: thread }));
  const since = h.api.calls.length;
  await h.deliver(update);
  return { messageId: update.message.message_id, since };
}

/** A press on a button of the profile card (the card is a bot message in the topic). */
async function pressInGroup(user: ReturnType<typeof userFor>, data: string) {
  const since = h.api.calls.length;
  await h.deliver(withId(callbackUpdate(user, data, { messageId: 1, chatId: GROUP })));
  return h.api.calls.slice(since);
}

/** A customer who asks for a person from the main menu; returns the chat and the topic's thread id. */
async function handoff(lng: Lng = 'en') {
  const c = new TestChat(h, ++nextCustomer, { languageCode: lng === 'en' ? 'en' : 'zh-hans', firstName: 'Wei' });
  await c.text('/start');
  await c.tap(t(lng, 'support.talk'));
  return { c, thread: lastThread() };
}

describe('the main story', () => {
  const c = new TestChat(null as unknown as Harness, 0);
  let chat: TestChat = c;
  let thread = 0;

  it('a customer mid-configuration taps "Talk to a person": a topic opens with the profile card', async () => {
    chat = new TestChat(h, ++nextCustomer, { languageCode: 'en', firstName: 'Wei' });
    await chat.text('/start');
    await chat.tap('Browse models');
    await chat.tap(/^Model Y/);
    await chat.tap('Configure and order');
    const stepScreen = chat.lastText();
    expect(stepScreen).toContain('Step 1 of 4');
    expect(chat.buttonLabels()).toContain(t('en', 'support.talk'));

    const calls = await chat.tap(t('en', 'support.talk'));
    const created = h.api.callsTo('createForumTopic').at(-1)!;
    expect(String(created.params.chat_id)).toBe(String(GROUP));
    expect(String(created.params.name)).toMatch(/^Wei · en · #\d+$/);
    thread = lastThread();
    const [card] = topicTexts(thread);
    expect(card).toContain('Wei');
    expect(card).toContain('🌐 en');
    expect(card).toContain(t('zh-CN', 'support.group.no_phone'));
    expect(card).toMatch(/<code>cfg\.|<code>configure|<code>\w+\.trim/);
    const cardCall = inTopic(thread).find((x) => x.method === 'sendMessage')!;
    const labels = JSON.stringify(cardCall.params.reply_markup);
    expect(labels).toContain(gt('claim'));
    expect(labels).toContain(gt('close'));
    // The customer is told a person will answer, with the way back.
    expect(calls.some((x) => x.method === 'sendMessage' && x.params.text === t('en', 'support.started'))).toBe(true);
    expect(chat.buttonLabels()).toEqual([t('en', 'support.end')]);
    expect(await conversationOf(chat.id)).toMatchObject({ status: 'queued', assignee: null, thread_id: thread });
  });

  it("the customer's photo and text reach the topic, and the bot's flows stay quiet", async () => {
    const since = h.api.calls.length;
    const photo = await chat.photo();
    const text = await chat.text('Is the white paint extra?');
    const copies = inTopic(thread, since).filter((x) => x.method === 'copyMessage');
    expect(copies).toHaveLength(2);
    expect(copies.every((x) => String(x.params.from_chat_id) === String(chat.id))).toBe(true);
    // Nothing came back from the bot to the customer (no "use the buttons" re-ask).
    expect([...photo, ...text].filter((x) => x.method === 'sendMessage')).toEqual([]);
    const rows = await transcriptOf(chat.id);
    expect(rows.map((r) => [r.direction, r.content_type])).toEqual([
      ['in', 'photo'],
      ['in', 'text'],
    ]);
    expect(rows[0]!.file_id).toMatch(/^AgAC/);
    expect(rows[1]!.text).toBe('Is the white paint extra?');
  });

  it("a bot button pressed during the handoff is refused with a reason, and the step's screen stays", async () => {
    const calls = await chat.press('models');
    const toast = calls.find((x) => x.method === 'answerCallbackQuery');
    expect(toast?.params.text).toBe(t('en', 'support.paused'));
    expect(calls.filter((x) => x.method !== 'answerCallbackQuery')).toEqual([]);
  });

  it("the agent's reply reaches the customer and claims the conversation; a /note does not reach them", async () => {
    const reply = await say(agent, thread, 'Pearl White is included in the price.');
    const copy = copiesTo(chat.id, reply.since);
    expect(copy).toHaveLength(1);
    expect(String(copy[0]!.params.from_chat_id)).toBe(String(GROUP));
    expect(Number(copy[0]!.params.message_id)).toBe(reply.messageId);
    expect(topicTexts(thread, reply.since).join('\n')).toContain(gt('claimed', { agent: `<a href="tg://user?id=${AGENT}">Lena</a>` }));
    expect(await conversationOf(chat.id)).toMatchObject({ status: 'assigned', assignee: String(AGENT), replied: true });

    const note = await say(agent, thread, '/note customer seems price-sensitive');
    expect(h.api.calls.slice(note.since).filter((x) => String(x.params.chat_id) === String(chat.id))).toEqual([]);
    const rows = await transcriptOf(chat.id);
    expect(rows.at(-1)).toMatchObject({ direction: 'note', text: 'customer seems price-sensitive' });
    expect(rows.at(-2)).toMatchObject({ direction: 'out', text: 'Pearl White is included in the price.', sender: String(AGENT) });
  });

  it('a second agent is refused with who holds it, until /takeover', async () => {
    const refused = await say(agent2, thread, 'Hi, can I help?');
    expect(copiesTo(chat.id, refused.since)).toEqual([]);
    // Lena never opened the bot: her name comes from her claim in the group.
    expect(topicTexts(thread, refused.since)).toEqual([gt('held', { agent: `<a href="tg://user?id=${AGENT}">Lena</a>` })]);

    const takeover = await say(agent2, thread, '/takeover');
    expect(topicTexts(thread, takeover.since).join('\n')).toContain(gt('taken_over', { agent: `<a href="tg://user?id=${AGENT2}">Bo</a>`, previous: `<a href="tg://user?id=${AGENT}">Lena</a>` }));
    const now = await say(agent2, thread, 'I can help with the delivery date.');
    expect(copiesTo(chat.id, now.since)).toHaveLength(1);
    const back = await say(agent, thread, 'Let me add something');
    expect(copiesTo(chat.id, back.since)).toEqual([]);
    expect(await conversationOf(chat.id)).toMatchObject({ assignee: String(AGENT2) });
  });

  it('/canned lists the templates; /canned KEY sends one in the customer’s language', async () => {
    const list = await say(agent2, thread, '/canned');
    expect(topicTexts(thread, list.since)[0]).toContain('<code>greeting</code>');
    const sent = await say(agent2, thread, '/canned greeting');
    const toCustomer = h.api.calls.slice(sent.since).filter((x) => x.method === 'sendMessage' && String(x.params.chat_id) === String(chat.id));
    expect(toCustomer.map((x) => x.params.text)).toEqual([t('en', 'support.canned.greeting')]);
    const unknown = await say(agent2, thread, '/canned nope');
    expect(topicTexts(thread, unknown.since)).toEqual([gt('canned_unknown', { key: 'nope' })]);
  });

  it("/order shows only this customer's orders", async () => {
    const other = await paidOrder(h.app.deps.services);
    const foreign = await say(agent2, thread, `/order ${other.order.number}`);
    expect(topicTexts(thread, foreign.since)).toEqual([gt('order_not_found', { ref: other.order.number })]);
    expect(topicTexts(thread, foreign.since).join()).not.toContain('Model');
  });

  it('close → the customer rates 1–5, the rating reaches the topic, the topic closes, the step resumes', async () => {
    const close = await say(agent2, thread, '/close');
    expect(topicTexts(thread, close.since).join('\n')).toContain(gt('closed', { agent: `<a href="tg://user?id=${AGENT2}">Bo</a>` }));
    expect(h.api.calls.slice(close.since).some((x) => x.method === 'closeForumTopic' && Number(x.params.message_thread_id) === thread)).toBe(true);
    expect(chat.lastText()).toContain(t('en', 'support.closed_by_agent'));
    expect(chat.buttonLabels()).toEqual(['1 ⭐', '2 ⭐', '3 ⭐', '4 ⭐', '5 ⭐', t('en', 'support.continue')]);
    expect(await conversationOf(chat.id)).toMatchObject({ status: 'closed' });

    const since = h.api.calls.length;
    await chat.tap('4 ⭐');
    expect(chat.toasts()).toContain(t('en', 'support.rating_thanks', { score: 4 }));
    expect(topicTexts(thread, since)).toEqual([gt('rating', { score: 4 })]);
    expect(await conversationOf(chat.id)).toMatchObject({ rating: 4 });
    // A second press (another message's button, a double tap) changes nothing.
    await chat.press(`spr:${(await conversationOf(chat.id))!.id}:1`);
    expect(chat.toasts().at(-1)).toBe(t('en', 'support.rating_already'));
    expect(await conversationOf(chat.id)).toMatchObject({ rating: 4 });

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
    const card = topicTexts(thread, since)[0]!;
    expect(card).toContain('Is the white paint extra?');
    expect(card).toContain('Pearl White is included in the price.');
    expect(chat.lastText()).toBe(t('en', 'support.started'));
    // The request itself went to the topic too.
    expect(inTopic(thread, since).filter((x) => x.method === 'copyMessage')).toHaveLength(1);
    // The customer ends it from their side.
    const end = h.api.calls.length;
    await chat.tap(t('en', 'support.end'));
    expect(chat.lastText()).toContain(t('en', 'support.ended'));
    expect(topicTexts(thread, end)).toEqual([gt('closed_by_customer')]);
    expect(await conversationOf(chat.id)).toMatchObject({ status: 'closed' });
  });
});

describe('edge cases', () => {
  it('a non-agent in the group: messages are not copied, commands and buttons are refused', async () => {
    const { c, thread } = await handoff();
    const msg = await say(member, thread, 'I can answer this one');
    expect(copiesTo(c.id, msg.since)).toEqual([]);
    expect(topicTexts(thread, msg.since)).toEqual([]);
    const cmd = await say(member, thread, '/close');
    expect(topicTexts(thread, cmd.since)).toEqual([gt('not_agent')]);
    const conversation = (await conversationOf(c.id))!;
    const press = await pressInGroup(member, `spx:${conversation.id}`);
    expect(press.find((x) => x.method === 'answerCallbackQuery')?.params.text).toBe(gt('not_agent'));
    expect(await conversationOf(c.id)).toMatchObject({ status: 'queued', assignee: null });
  });

  it('two agents press Claim at once: one gets it, the other is told who has it', async () => {
    const { c, thread } = await handoff('zh-CN');
    const id = (await conversationOf(c.id))!.id;
    const since = h.api.calls.length;
    await Promise.all([
      h.deliver(withId(callbackUpdate(agent, `spk:${id}`, { messageId: 1, chatId: GROUP }))),
      h.deliver(withId(callbackUpdate(agent2, `spk:${id}`, { messageId: 1, chatId: GROUP }))),
    ]);
    const texts = topicTexts(thread, since);
    expect(texts).toHaveLength(2);
    const winner = String((await conversationOf(c.id))!.assignee);
    expect([String(AGENT), String(AGENT2)]).toContain(winner);
    expect(texts.filter((x) => x.startsWith('✋'))).toHaveLength(1);
    expect(texts.filter((x) => x.startsWith('⛔'))).toHaveLength(1);
    expect(texts.find((x) => x.startsWith('✋'))).toContain(`tg://user?id=${winner}`);
  });

  it('the customer blocked the bot: the topic says so (on a failed copy and on my_chat_member)', async () => {
    const { c, thread } = await handoff();
    h.api.blockChat(c.id);
    const msg = await say(agent, thread, 'Are you still there?');
    expect(topicTexts(thread, msg.since)).toContain(gt('blocked'));
    const [row] = await h.db.sql<Array<{ blocked: boolean }>>`select blocked from customers where telegram_id = ${c.id}`;
    expect(row!.blocked).toBe(true);

    const since = h.api.calls.length;
    await h.deliver(withId(myChatMemberUpdate(c.user, 'kicked')));
    expect(topicTexts(thread, since)).toEqual([gt('blocked')]);
    h.api.unblockChat(c.id);
  });

  it('an agent photo reply is copied; service and general-chat messages are not', async () => {
    const { c, thread } = await handoff();
    const since = h.api.calls.length;
    const photo = withId(groupPhotoUpdate(agent, GROUP, { messageThreadId: thread, caption: 'Here is the charger' }));
    await h.deliver(photo);
    expect(copiesTo(c.id, since)).toHaveLength(1);
    // A photo captioned /note stays internal.
    const noted = h.api.calls.length;
    await h.deliver(withId(groupPhotoUpdate(agent, GROUP, { messageThreadId: thread, caption: '/note scratch on the door, see photo' })));
    expect(copiesTo(c.id, noted)).toEqual([]);
    expect((await transcriptOf(c.id)).at(-1)).toMatchObject({ direction: 'note', content_type: 'photo', text: 'scratch on the door, see photo' });
    const general = await (async () => {
      const s = h.api.calls.length;
      await h.deliver(withId(groupTextUpdate(agent, GROUP, 'lunch anyone?')));
      return h.api.calls.slice(s);
    })();
    expect(general.filter((x) => x.method === 'copyMessage' || x.method === 'sendMessage')).toEqual([]);
  });

  it('a topic deleted by hand in the group is replaced on the next customer message, with a new card', async () => {
    const { c, thread } = await handoff();
    h.api.failNext('copyMessage', { code: 400, description: 'Bad Request: message thread not found' });
    h.api.failNext('reopenForumTopic', { code: 400, description: 'Bad Request: TOPIC_ID_INVALID' });
    const since = h.api.calls.length;
    const calls = await c.text('are you there?');
    const fresh = lastThread();
    expect(fresh).not.toBe(thread);
    expect(topicTexts(fresh, since)[0]).toContain('Wei');
    expect(inTopic(fresh, since).filter((x) => x.method === 'copyMessage')).toHaveLength(1);
    expect(calls.filter((x) => x.method === 'sendMessage')).toEqual([]);
    expect(await conversationOf(c.id)).toMatchObject({ thread_id: fresh, status: 'queued' });
    // The agent's next reply in the new topic reaches the customer.
    const reply = await say(agent, fresh, 'Yes, here');
    expect(copiesTo(c.id, reply.since)).toHaveLength(1);
  });

  it('the card lists orders with states and bookings; /order N shows one of them; a sticker, location and contact are copied too', async () => {
    const c = new TestChat(h, ++nextCustomer, { languageCode: 'zh-hans', firstName: 'Fang' });
    await c.text('/start');
    const s = h.app.deps.services;
    const customer = (await s.customers.touch({ id: c.id, first_name: 'Fang', language_code: 'zh-hans' }))!;
    const created = await newOrder(s, customer);
    const order = await s.orders.transition(created.id, 'deposit_paid', 'system', { note: 'test' });
    const [centre] = await s.bookings.centresIn(order.city);
    const days = await s.bookings.availableDays('delivery', centre!.id);
    const [slot] = await s.bookings.freeSlotsOn('delivery', centre!.id, days.find((d) => d.free > 0)!.dateKey);
    await s.bookings.book({ orderId: order.id, kind: 'delivery', slotId: slot!.id, centreId: centre!.id, method: 'pickup', actor: 'customer:e2e' });

    const since = h.api.calls.length;
    await c.text('客服');
    const thread = lastThread();
    const card = topicTexts(thread, since)[0]!;
    const state = (await s.orders.byId(order.id))!.state;
    expect(card).toContain(`<code>${order.number}</code> Model Y — ${t('zh-CN', `order_state.${state}`)}`);
    // The booking, under its order: pickup, day and time window.
    expect(card).toMatch(new RegExp(`${order.number}.*\\n   .*\\d\\d:\\d\\d–\\d\\d:\\d\\d`));

    const shown = await say(agent, thread, `/order ${order.number}`);
    const detail = topicTexts(thread, shown.since)[0]!;
    expect(detail).toContain(order.number);
    expect(detail).toContain('¥1,000');
    expect(detail).toContain(t('zh-CN', `order_state.${state}`));
    const byId = await say(agent, thread, `/order ${order.id}`);
    expect(topicTexts(thread, byId.since)[0]).toContain(order.number);
    const usage = await say(agent, thread, '/order');
    expect(topicTexts(thread, usage.since)).toEqual([gt('order_usage')]);

    const before = h.api.calls.length;
    await h.deliver(stickerUpdate(c.user));
    await h.deliver(locationUpdate(c.user, { latitude: 31.2304, longitude: 121.4737 }));
    await h.deliver(contactUpdate(c.user, '+8613800138000'));
    expect(inTopic(thread, before).filter((x) => x.method === 'copyMessage')).toHaveLength(3);
    const rows = await transcriptOf(c.id);
    expect(rows.slice(-3).map((r) => r.content_type)).toEqual(['sticker', 'location', 'contact']);
    expect(rows.at(-2)!.text).toBe('31.2304,121.4737');
  });

  it('Close button: closes once (a second press says so); a forged rating for someone else’s conversation is refused', async () => {
    const { c, thread } = await handoff();
    const id = (await conversationOf(c.id))!.id;
    const first = await pressInGroup(agent, `spx:${id}`);
    expect(first.some((x) => x.method === 'closeForumTopic')).toBe(true);
    expect(c.lastText()).toContain(t('en', 'support.rate_question'));
    const second = await pressInGroup(agent2, `spx:${id}`);
    expect(second.filter((x) => x.method === 'sendMessage').map((x) => x.params.text)).toEqual([gt('already_closed')]);
    expect(second.filter((x) => x.method === 'sendMessage').every((x) => Number(x.params.message_thread_id) === thread)).toBe(true);
    // A stranger presses this conversation's rating button (forged callback data).
    const stranger = new TestChat(h, ++nextCustomer, { languageCode: 'en' });
    await stranger.text('/start');
    await stranger.press(`spr:${id}:1`);
    expect(stranger.toasts().at(-1)).toBe(t('en', 'stale.button'));
    expect(await conversationOf(c.id)).toMatchObject({ rating: null });
    // A Claim for a conversation that does not exist.
    const bogus = await pressInGroup(agent, 'spk:999999');
    expect(bogus.find((x) => x.method === 'answerCallbackQuery')?.params.text).toBe(t('zh-CN', 'errors.bad_button'));
  });

  it('the delivery check-in help offers a person instead of "we cannot chat here"', async () => {
    const c = new TestChat(h, ++nextCustomer, { languageCode: 'en' });
    await c.text('/start');
    const s = h.app.deps.services;
    const customer = (await s.customers.touch({ id: c.id, first_name: 'Wei', language_code: 'en' }))!;
    const order = await newOrder(s, customer);
    await c.press(`chelp:${order.id}`);
    expect(c.lastText()).toBe(t('en', 'support.checkin_help', { number: order.number }) + (c.lastText().endsWith(t('en', 'reminders.help.charger_hint')) ? t('en', 'reminders.help.charger_hint') : ''));
    expect(c.buttonLabels()).toContain(t('en', 'support.talk'));
    await c.tap(t('en', 'support.talk'));
    expect(c.lastText()).toBe(t('en', 'support.started'));
    // "Talk to a person" pressed again on an older message during the handoff: already connected.
    const calls = await c.press('spt');
    expect(calls.find((x) => x.method === 'answerCallbackQuery')?.params.text).toBe(t('en', 'support.already'));
  });

  it('a conversation left without a topic (a stop between the two) gets one on the next message', async () => {
    const c = new TestChat(h, ++nextCustomer, { languageCode: 'en' });
    await c.text('/start');
    const customer = (await h.app.deps.services.customers.touch({ id: c.id, first_name: 'Wei', language_code: 'en' }))!;
    await h.app.deps.services.support.open(customer.id);
    const topics = h.api.callsTo('createForumTopic').length;
    const since = h.api.calls.length;
    const calls = await c.text('hello, anyone?');
    expect(h.api.callsTo('createForumTopic')).toHaveLength(topics + 1);
    const thread = lastThread();
    expect(topicTexts(thread, since)[0]).toContain('Wei');
    expect(inTopic(thread, since).filter((x) => x.method === 'copyMessage')).toHaveLength(1);
    expect(calls.filter((x) => x.method === 'sendMessage')).toEqual([]);
  });

  it('only a whole-message request starts a handoff; typed answers that contain the word do not', async () => {
    const c = new TestChat(h, ++nextCustomer, { languageCode: 'en' });
    await c.text('/start');
    const before = h.api.callsTo('createForumTopic').length;
    await c.text('my agent said the car is ready');
    expect(h.api.callsTo('createForumTopic')).toHaveLength(before);
    expect(c.lastText()).not.toBe(t('en', 'support.started'));
    await c.text('人工客服');
    expect(h.api.callsTo('createForumTopic')).toHaveLength(before + 1);
    expect(c.lastText()).toBe(t('en', 'support.started'));
    // /support while connected: told so, nothing copied.
    const thread = lastThread();
    const since = h.api.calls.length;
    await c.text('/support');
    expect(c.lastText()).toBe(t('en', 'support.already'));
    expect(inTopic(thread, since)).toEqual([]);
  });
});
