/**
 * Support handoff edge cases end to end (real app, Bot API stand-in, real Postgres and Redis):
 * non-agents in the group, two claims at once, a customer who blocked the bot, media and service
 * messages, topics deleted by hand or never made, the card's orders, Close pressed twice, forged
 * ratings, the check-in help, and free text that only looks like a request for a person.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOrder } from '../integration/helpers.js';
import { TestChat } from '../support/chat.js';
import type { Harness } from '../support/harness.js';
import { gt, SupportDesk, t } from '../support/support-desk.js';
import { contactUpdate, groupPhotoUpdate, groupTextUpdate, locationUpdate, myChatMemberUpdate, stickerUpdate, userFor, withId } from '../support/updates.js';

let d: SupportDesk;
let h: Harness;
beforeAll(async () => {
  d = await SupportDesk.start(-1009400000004, 94_500_000);
  h = d.h;
});
afterAll(async () => {
  await d?.h.stop();
});

describe('edge cases', () => {
  it('a non-agent in the group: messages are not copied, commands and buttons are refused', async () => {
    const { c, thread } = await d.handoff();
    const msg = await d.say(d.member, thread, 'I can answer this one');
    expect(d.copiesTo(c.id, msg.since)).toEqual([]);
    expect(d.topicTexts(thread, msg.since)).toEqual([]);
    // An admin posting anonymously (as the group): not sent, and told why.
    const anonymous = withId(groupTextUpdate(userFor(1087968824, { firstName: 'Group' }), d.group, 'Hello from the team', { messageThreadId: thread }));
    Object.assign(anonymous.message, { sender_chat: { id: d.group, type: 'supergroup', title: 'Support' } });
    Object.assign(anonymous.message.from, { is_bot: true, username: 'GroupAnonymousBot' });
    const anonSince = h.api.calls.length;
    await h.deliver(anonymous);
    expect(d.copiesTo(c.id, anonSince)).toEqual([]);
    expect(d.topicTexts(thread, anonSince)).toEqual([gt('anonymous')]);
    const cmd = await d.say(d.member, thread, '/close');
    expect(d.topicTexts(thread, cmd.since)).toEqual([gt('not_agent')]);
    const conversation = (await d.conversationOf(c.id))!;
    const press = await d.press(d.member, `spx:${conversation.id}`);
    expect(press.find((x) => x.method === 'answerCallbackQuery')?.params.text).toBe(gt('not_agent'));
    expect(await d.conversationOf(c.id)).toMatchObject({ status: 'queued', assignee: null });
  });

  it('two agents press Claim at once: one gets it, the other is told who has it', async () => {
    const { c, thread } = await d.handoff('zh-CN');
    const id = (await d.conversationOf(c.id))!.id;
    const since = h.api.calls.length;
    const [a, b] = [await d.pressUpdate(d.agent, `spk:${id}`), await d.pressUpdate(d.agent2, `spk:${id}`)];
    await Promise.all([h.deliver(a), h.deliver(b)]);
    const texts = d.topicTexts(thread, since);
    expect(texts).toHaveLength(2);
    const winner = String((await d.conversationOf(c.id))!.assignee);
    expect([String(d.agent.id), String(d.agent2.id)]).toContain(winner);
    expect(texts.filter((x) => x.startsWith('✋'))).toHaveLength(1);
    expect(texts.filter((x) => x.startsWith('⛔'))).toHaveLength(1);
    expect(texts.find((x) => x.startsWith('✋'))).toContain(`tg://user?id=${winner}`);
  });

  it('the customer blocked the bot: the topic says so (on a failed copy and on my_chat_member)', async () => {
    const { c, thread } = await d.handoff();
    h.api.blockChat(c.id);
    const msg = await d.say(d.agent, thread, 'Are you still there?');
    expect(d.topicTexts(thread, msg.since)).toContain(gt('blocked'));
    const [row] = await h.db.sql<Array<{ blocked: boolean }>>`select blocked from customers where telegram_id = ${c.id}`;
    expect(row!.blocked).toBe(true);
    // Nobody can answer them now: the conversation ends (no SLA reminders), the card and topic say so.
    const conversation = (await d.conversationOf(c.id))!;
    expect(conversation).toMatchObject({ status: 'closed' });
    const [why] = await h.db.sql<
      Array<{ closed_by: string; waiting: boolean }>
    >`select closed_by, waiting_since is not null as waiting from support_conversations where id = ${conversation.id}`;
    expect(why).toEqual({ closed_by: 'blocked', waiting: false });
    expect((await d.cardNow(conversation.id)).text.split('\n')[1]).toBe(gt('status_closed_blocked'));
    expect(h.api.calls.slice(msg.since).some((x) => x.method === 'closeForumTopic' && Number(x.params.message_thread_id) === thread)).toBe(true);

    const since = h.api.calls.length;
    await h.deliver(withId(myChatMemberUpdate(c.user, 'kicked')));
    expect(d.topicTexts(thread, since)).toEqual([gt('blocked')]);
    h.api.unblockChat(c.id);
  });

  it('a customer who blocks the bot mid-handoff (my_chat_member): the conversation ends, its SLA jobs with it', async () => {
    const { c, thread } = await d.handoff();
    const id = (await d.conversationOf(c.id))!.id;
    const since = h.api.calls.length;
    await h.deliver(withId(myChatMemberUpdate(c.user, 'kicked')));
    expect(d.topicTexts(thread, since)).toEqual([gt('blocked')]);
    expect(await d.conversationOf(c.id)).toMatchObject({ status: 'closed' });
    expect((await d.cardNow(id)).text.split('\n')[1]).toBe(gt('status_closed_blocked'));
    await h.deliver(withId(myChatMemberUpdate(c.user, 'member')));
  });

  it('an agent photo reply is copied; service and general-chat messages are not', async () => {
    const { c, thread } = await d.handoff();
    const since = h.api.calls.length;
    const photo = withId(groupPhotoUpdate(d.agent, d.group, { messageThreadId: thread, caption: 'Here is the charger' }));
    await h.deliver(photo);
    expect(d.copiesTo(c.id, since)).toHaveLength(1);
    // A photo captioned /note stays internal.
    const noted = h.api.calls.length;
    await h.deliver(withId(groupPhotoUpdate(d.agent, d.group, { messageThreadId: thread, caption: '/note scratch on the door, see photo' })));
    expect(d.copiesTo(c.id, noted)).toEqual([]);
    expect((await d.transcriptOf(c.id)).at(-1)).toMatchObject({ direction: 'note', content_type: 'photo', text: 'scratch on the door, see photo' });
    const general = await (async () => {
      const s = h.api.calls.length;
      await h.deliver(withId(groupTextUpdate(d.agent, d.group, 'lunch anyone?')));
      return h.api.calls.slice(s);
    })();
    expect(general.filter((x) => x.method === 'copyMessage' || x.method === 'sendMessage')).toEqual([]);
  });

  it('a topic deleted by hand in the group is replaced on the next customer message, with a new card', async () => {
    const { c, thread } = await d.handoff();
    h.api.failNext('copyMessage', { code: 400, description: 'Bad Request: message thread not found' });
    h.api.failNext('reopenForumTopic', { code: 400, description: 'Bad Request: TOPIC_ID_INVALID' });
    const since = h.api.calls.length;
    const calls = await c.text('are you there?');
    const fresh = d.lastThread();
    expect(fresh).not.toBe(thread);
    expect(d.topicTexts(fresh, since)[0]).toContain('Wei');
    expect(d.inTopic(fresh, since).filter((x) => x.method === 'copyMessage')).toHaveLength(1);
    expect(calls.filter((x) => x.method === 'sendMessage')).toEqual([]);
    expect(await d.conversationOf(c.id)).toMatchObject({ thread_id: fresh, status: 'queued' });
    // The agent's next reply in the new topic reaches the customer.
    const reply = await d.say(d.agent, fresh, 'Yes, here');
    expect(d.copiesTo(c.id, reply.since)).toHaveLength(1);
  });

  it('a topic closed by hand in the group is reopened on the next customer message (same topic, no new card)', async () => {
    const { c, thread } = await d.handoff();
    const topics = h.api.callsTo('createForumTopic').length;
    h.api.failNext('copyMessage', { code: 400, description: 'Bad Request: TOPIC_CLOSED' });
    const since = h.api.calls.length;
    const calls = await c.text('hello again');
    expect(
      h.api.calls
        .slice(since)
        .filter((x) => x.method === 'reopenForumTopic')
        .map((x) => Number(x.params.message_thread_id)),
    ).toEqual([thread]);
    expect(d.inTopic(thread, since).filter((x) => x.method === 'copyMessage')).toHaveLength(1);
    expect(d.topicTexts(thread, since)).toEqual([]);
    expect(h.api.callsTo('createForumTopic')).toHaveLength(topics);
    expect(calls.filter((x) => x.method === 'sendMessage')).toEqual([]);
  });

  it('the card lists orders with states and bookings; /order N shows one of them; a sticker, location and contact are copied too', async () => {
    const c = new TestChat(h, d.customerId(), { languageCode: 'zh-hans', firstName: 'Fang' });
    await c.text('/start');
    const s = h.app.deps.services;
    const customer = await s.customers.touch({ id: c.id, first_name: 'Fang', language_code: 'zh-hans' });
    const created = await newOrder(s, customer);
    const order = await s.orders.transition(created.id, 'deposit_paid', 'system', { note: 'test' });
    const [centre] = await s.bookings.centresIn(order.city);
    const days = await s.bookings.availableDays('delivery', centre!.id);
    const [slot] = await s.bookings.freeSlotsOn('delivery', centre!.id, days.find((d) => d.free > 0)!.dateKey);
    await s.bookings.book({ orderId: order.id, kind: 'delivery', slotId: slot!.id, centreId: centre!.id, method: 'pickup', actor: 'customer:e2e' });
    // A store order too (a jacket, awaiting payment).
    await s.store.add(customer.id, 'jkt-gry-m', 1);
    const storeOrder = await s.storeCheckout.place(customer.id);

    const since = h.api.calls.length;
    await c.text('客服');
    const thread = d.lastThread();
    const card = d.topicTexts(thread, since)[0]!;
    const state = (await s.orders.byId(order.id))!.state;
    expect(card).toContain(`<code>${order.number}</code> Model Y — ${t('zh-CN', `order_state.${state}`)}`);
    // The booking, under its order: pickup, day and time window.
    expect(card).toMatch(new RegExp(`${order.number}.*\\n   .*\\d\\d:\\d\\d–\\d\\d:\\d\\d`));
    expect(card).toContain(gt('store_order_line', { number: storeOrder.order.number, count: 1, state: t('zh-CN', 'store.orders.state.pending_payment') }));

    const shown = await d.say(d.agent, thread, `/order ${order.number}`);
    const detail = d.topicTexts(thread, shown.since)[0]!;
    expect(detail).toContain(order.number);
    expect(detail).toContain('¥1,000');
    expect(detail).toContain(t('zh-CN', `order_state.${state}`));
    const byId = await d.say(d.agent, thread, `/order ${order.id}`);
    expect(d.topicTexts(thread, byId.since)[0]).toContain(order.number);
    const byStoreNumber = await d.say(d.agent, thread, `/order ${storeOrder.order.number}`);
    expect(d.topicTexts(thread, byStoreNumber.since)[0]).toContain(storeOrder.order.number);
    expect(d.topicTexts(thread, byStoreNumber.since)[0]).toContain(t('zh-CN', 'store.orders.state.pending_payment'));
    const usage = await d.say(d.agent, thread, '/order');
    expect(d.topicTexts(thread, usage.since)).toEqual([gt('order_usage')]);

    const before = h.api.calls.length;
    await h.deliver(stickerUpdate(c.user));
    await h.deliver(locationUpdate(c.user, { latitude: 31.2304, longitude: 121.4737 }));
    await h.deliver(contactUpdate(c.user, '+8613800138000'));
    expect(d.inTopic(thread, before).filter((x) => x.method === 'copyMessage')).toHaveLength(3);
    const rows = await d.transcriptOf(c.id);
    expect(rows.slice(-3).map((r) => r.content_type)).toEqual(['sticker', 'location', 'contact']);
    expect(rows.at(-2)!.text).toBe('31.2304,121.4737');
  });

  it('Close button: closes once (a second press says so); a forged rating for someone else’s conversation is refused', async () => {
    const { c, thread } = await d.handoff();
    const id = (await d.conversationOf(c.id))!.id;
    const first = await d.press(d.agent, `spx:${id}`);
    expect(first.some((x) => x.method === 'closeForumTopic')).toBe(true);
    expect(c.lastText()).toContain(t('en', 'support.rate_question'));
    const second = await d.press(d.agent2, `spx:${id}`);
    expect(second.filter((x) => x.method === 'sendMessage').map((x) => x.params.text)).toEqual([gt('already_closed')]);
    expect(second.filter((x) => x.method === 'sendMessage').every((x) => Number(x.params.message_thread_id) === thread)).toBe(true);
    // A stranger presses this conversation's rating button (forged callback data).
    const stranger = new TestChat(h, d.customerId(), { languageCode: 'en' });
    await stranger.text('/start');
    await stranger.press(`spr:${id}:1`);
    expect(stranger.toasts().at(-1)).toBe(t('en', 'stale.button'));
    expect(await d.conversationOf(c.id)).toMatchObject({ rating: null });
    // A Claim for a conversation that does not exist.
    const bogus = await d.press(d.agent, 'spk:999999');
    expect(bogus.find((x) => x.method === 'answerCallbackQuery')?.params.text).toBe(t('zh-CN', 'errors.bad_button'));
  });

  it('the delivery check-in help offers a person instead of "we cannot chat here"', async () => {
    const c = new TestChat(h, d.customerId(), { languageCode: 'en' });
    await c.text('/start');
    const s = h.app.deps.services;
    const customer = await s.customers.touch({ id: c.id, first_name: 'Wei', language_code: 'en' });
    const order = await newOrder(s, customer);
    await c.press(`chelp:${order.id}`);
    expect(c.lastText()).toBe(
      t('en', 'support.checkin_help', { number: order.number }) + (c.lastText().endsWith(t('en', 'reminders.help.charger_hint')) ? t('en', 'reminders.help.charger_hint') : ''),
    );
    expect(c.buttonLabels()).toContain(t('en', 'support.talk'));
    await c.tap(t('en', 'support.talk'));
    expect(c.lastText()).toBe(t('en', 'support.started'));
    // "Talk to a person" pressed again on an older message during the handoff: already connected.
    const calls = await c.press('spt');
    expect(calls.find((x) => x.method === 'answerCallbackQuery')?.params.text).toBe(t('en', 'support.already'));
  });

  it('a conversation left without a topic (a stop between the two) gets one on the next message', async () => {
    const c = new TestChat(h, d.customerId(), { languageCode: 'en' });
    await c.text('/start');
    const customer = await h.app.deps.services.customers.touch({ id: c.id, first_name: 'Wei', language_code: 'en' });
    await h.app.deps.services.support.open(customer.id);
    const topics = h.api.callsTo('createForumTopic').length;
    const since = h.api.calls.length;
    const calls = await c.text('hello, anyone?');
    expect(h.api.callsTo('createForumTopic')).toHaveLength(topics + 1);
    const thread = d.lastThread();
    expect(d.topicTexts(thread, since)[0]).toContain('Wei');
    expect(d.inTopic(thread, since).filter((x) => x.method === 'copyMessage')).toHaveLength(1);
    expect(calls.filter((x) => x.method === 'sendMessage')).toEqual([]);
  });

  it('a deposit paid during a handoff is still recorded (payments pass through)', async () => {
    const c = new TestChat(h, d.customerId(), { languageCode: 'en' });
    await c.text('/start');
    const s = h.app.deps.services;
    const customer = await s.customers.touch({ id: c.id, first_name: 'Wei', language_code: 'en' });
    const order = await newOrder(s, customer);
    await c.press(`pay:${order.id}`);
    expect(h.api.callsTo('sendInvoice').some((x) => String(x.params.chat_id) === String(c.id))).toBe(true);
    await c.text('/support');
    expect(c.lastText()).toBe(t('en', 'support.started'));
    const paid = await c.pay();
    expect(paid.approved).toBe(true);
    expect((await s.orders.byId(order.id))!.state).toBe('deposit_paid');
    // The payment's service message is not copied into the topic.
    expect(d.inTopic(d.lastThread()).filter((x) => x.method === 'copyMessage')).toEqual([]);
  });

  it('a support group where the bot may not make topics: the customer hears no agents are available, nothing stays open', async () => {
    const c = new TestChat(h, d.customerId(), { languageCode: 'en' });
    await c.text('/start');
    h.api.failNext('createForumTopic', { code: 400, description: 'Bad Request: not enough rights to create a topic' });
    await c.text('/support');
    expect(c.lastText()).toBe(t('en', 'support.unavailable'));
    expect(await d.conversationOf(c.id)).toMatchObject({ status: 'closed' });
    // The bot still answers the customer as before.
    await c.tap(t('en', 'support.continue'));
    expect(c.buttonLabels()).toContain(t('en', 'menu.browse'));
  });

  it('only a whole-message request starts a handoff; typed answers that contain the word do not', async () => {
    const c = new TestChat(h, d.customerId(), { languageCode: 'en' });
    await c.text('/start');
    const before = h.api.callsTo('createForumTopic').length;
    await c.text('my agent said the car is ready');
    expect(h.api.callsTo('createForumTopic')).toHaveLength(before);
    expect(c.lastText()).not.toBe(t('en', 'support.started'));
    await c.text('人工客服');
    expect(h.api.callsTo('createForumTopic')).toHaveLength(before + 1);
    expect(c.lastText()).toBe(t('en', 'support.started'));
    // /support while connected: told so, nothing copied.
    const thread = d.lastThread();
    const since = h.api.calls.length;
    await c.text('/support');
    expect(c.lastText()).toBe(t('en', 'support.already'));
    expect(d.inTopic(thread, since)).toEqual([]);
  });
});
