/**
 * Support handoff against bad input, end to end (real app, Bot API stand-in, real Postgres and
 * Redis): card buttons checked against the card and topic they are on, forged callback data,
 * buttons from non-agents or from another chat, double presses (Claim, Close, End chat, a rating),
 * and updates Telegram delivers twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../support/harness.js';
import { gt, mentionOf, SupportDesk, t } from '../support/support-desk.js';
import { callbackUpdate, groupTextUpdate, textUpdate, withId } from '../support/updates.js';

let d: SupportDesk;
let h: Harness;
beforeAll(async () => {
  d = await SupportDesk.start(-1009400000005, 94_600_000);
  h = d.h;
});
afterAll(async () => {
  await d?.h.stop();
});

const sent = (calls: Array<{ method: string }>) => calls.filter((x) => x.method !== 'answerCallbackQuery' && x.method !== 'getUpdates');
const toastOf = (calls: Array<{ method: string; params: Record<string, unknown> }>) => calls.find((x) => x.method === 'answerCallbackQuery')?.params.text;
const badButton = t('zh-CN', 'errors.bad_button');

describe('card buttons', () => {
  it('a Claim naming another conversation (pressed on another topic’s card, or on a message that is not the card) changes nothing', async () => {
    const a = await d.handoff();
    const b = await d.handoff('zh-CN');
    const idA = (await d.conversationOf(a.c.id))!.id;
    const idB = (await d.conversationOf(b.c.id))!.id;
    const cardB = await d.cardOf(idB);
    const since = h.api.calls.length;
    // B's card, with A's id in the data.
    expect(toastOf(await d.press(d.agent, `spk:${idA}`, cardB))).toBe(badButton);
    expect(toastOf(await d.press(d.agent, `spx:${idA}`, cardB))).toBe(badButton);
    // A's topic, but not A's card (another message there); and a press with no topic at all.
    const cardA = await d.cardOf(idA);
    expect(toastOf(await d.press(d.agent, `spk:${idA}`, { messageId: cardA.messageId + 1, thread: cardA.thread }))).toBe(badButton);
    expect(toastOf(await d.press(d.agent, `spk:${idA}`, { messageId: cardA.messageId }))).toBe(badButton);
    expect(await d.conversationOf(a.c.id)).toMatchObject({ status: 'queued', assignee: null });
    expect(await d.conversationOf(b.c.id)).toMatchObject({ status: 'queued', assignee: null });
    expect(sent(h.api.calls.slice(since))).toEqual([]);
    // The real card's button works.
    await d.press(d.agent, `spk:${idA}`);
    expect(await d.conversationOf(a.c.id)).toMatchObject({ status: 'assigned', assignee: String(d.agent.id) });
  });

  it('forged data (not a number, a missing conversation, an unknown prefix) is refused with a toast', async () => {
    const { c } = await d.handoff();
    for (const data of ['spk:abc', 'spk:', 'spx:99999999', 'zzz:1', `spk:${(await d.conversationOf(c.id))!.id}:extra`]) {
      const calls = await d.press(d.agent, data, { messageId: 1, thread: 1 });
      expect(toastOf(calls), data).toBe(badButton);
      expect(sent(calls), data).toEqual([]);
    }
    expect(await d.conversationOf(c.id)).toMatchObject({ status: 'queued', assignee: null });
  });

  it('a non-agent pressing Claim is refused; the card still says nobody has it', async () => {
    const { c } = await d.handoff();
    const id = (await d.conversationOf(c.id))!.id;
    expect(toastOf(await d.press(d.member, `spk:${id}`))).toBe(gt('not_agent'));
    expect(await d.conversationOf(c.id)).toMatchObject({ status: 'queued', assignee: null });
    expect((await d.cardNow(id)).text.split('\n')[1]).toBe(gt('status_queued'));
  });

  it('a card button pressed in a private chat does nothing to the conversation', async () => {
    const { c } = await d.handoff();
    const id = (await d.conversationOf(c.id))!.id;
    await h.deliver(withId(callbackUpdate(d.agent, `spk:${id}`, { messageId: 1 })));
    await h.deliver(withId(callbackUpdate(d.agent, `spx:${id}`, { messageId: 1 })));
    expect(await d.conversationOf(c.id)).toMatchObject({ status: 'queued', assignee: null });
  });

  it('Claim pressed twice: one claim notice, then "already yours"; the card is edited once', async () => {
    const { c, thread } = await d.handoff();
    const id = (await d.conversationOf(c.id))!.id;
    const since = h.api.calls.length;
    await d.press(d.agent, `spk:${id}`);
    await d.press(d.agent, `spk:${id}`);
    expect(d.topicTexts(thread, since)).toEqual([gt('claimed', { agent: mentionOf(d.agent.id, 'Lena') }), gt('already_yours')]);
    expect(h.api.calls.slice(since).filter((x) => x.method === 'editMessageText' && x.response.ok)).toHaveLength(1);
    expect((await d.cardNow(id)).text.split('\n')[1]).toBe(gt('status_assigned', { agent: mentionOf(d.agent.id, 'Lena') }));
  });

  it('/close then the Close button: closed once, one rating question for the customer', async () => {
    const { c, thread } = await d.handoff();
    const id = (await d.conversationOf(c.id))!.id;
    const since = h.api.calls.length;
    await d.say(d.agent, thread, '/close');
    await d.press(d.agent2, `spx:${id}`);
    expect(d.topicTexts(thread, since)).toEqual([gt('closed', { agent: mentionOf(d.agent.id, 'Lena') }), gt('already_closed')]);
    const questions = h.api.calls.slice(since).filter((x) => x.method === 'sendMessage' && String(x.params.chat_id) === String(c.id));
    expect(questions).toHaveLength(1);
    expect(h.api.calls.slice(since).filter((x) => x.method === 'closeForumTopic')).toHaveLength(1);
  });
});

describe('customer buttons', () => {
  it('a rating pressed twice at once is stored once and posted once; a rating for a conversation still open is refused', async () => {
    const { c, thread } = await d.handoff();
    const id = (await d.conversationOf(c.id))!.id;
    // Still open: a forged rating for it is a stale button, and the bot stays paused.
    const early = await c.press(`spr:${id}:5`);
    expect(toastOf(early)).toBe(t('en', 'support.paused'));
    await d.say(d.agent, thread, '/close');
    const since = h.api.calls.length;
    const message = c.screen()!;
    const press = (score: string) => {
      const u = withId(callbackUpdate(c.user, `spr:${id}:${score}`, { messageId: message.messageId }));
      u.callback_query.message = message.raw;
      return h.deliver(u);
    };
    await Promise.all([press('5'), press('1')]);
    const row = (await d.conversationOf(c.id))!;
    expect([1, 5]).toContain(row.rating);
    expect(d.topicTexts(thread, since)).toEqual([gt('rating', { score: row.rating })]);
    const toasts = h.api.calls
      .slice(since)
      .filter((x) => x.method === 'answerCallbackQuery')
      .map((x) => x.params.text);
    expect(toasts).toContain(t('en', 'support.rating_already'));
    // Out-of-range and malformed scores never reach the database.
    for (const data of [`spr:${id}:9`, `spr:${id}:0`, `spr:x:1`, 'spr:']) {
      await c.press(data, message);
      expect(c.toasts().at(-1), data).toBe(t('en', 'stale.button'));
    }
    expect((await d.conversationOf(c.id))!.rating).toBe(row.rating);
  });

  it('End chat pressed twice: closed once, the second press brings back the step', async () => {
    const { c, thread } = await d.handoff();
    const endMessage = c.screen()!;
    const since = h.api.calls.length;
    await c.tap(t('en', 'support.end'), { on: endMessage });
    await c.tap(t('en', 'support.end'), { on: endMessage });
    expect(d.topicTexts(thread, since)).toEqual([gt('closed_by_customer')]);
    const toCustomer = h.api.calls.slice(since).filter((x) => String(x.params.chat_id) === String(c.id) && x.method === 'sendMessage');
    expect(toCustomer.filter((x) => String(x.params.text).includes(t('en', 'support.rate_question')))).toHaveLength(1);
    expect(c.buttonLabels()).toContain(t('en', 'menu.browse'));
  });
});

describe('repeated updates (webhook: Telegram delivers an update again when unsure)', () => {
  let w: SupportDesk;
  afterAll(async () => {
    await w?.h.stop();
  });

  it('an agent message, a customer message and a Claim delivered twice are handled once', async () => {
    w = await SupportDesk.start(-1009400000006, 94_700_000, { mode: 'webhook' });
    const d = w;
    const h = w.h;
    const { c, thread } = await d.handoff();
    const id = (await d.conversationOf(c.id))!.id;
    const fromCustomer = withId(textUpdate(c.user, 'is anyone there?'));
    const since = h.api.calls.length;
    await h.deliver(fromCustomer);
    await h.deliver(fromCustomer);
    expect(d.inTopic(thread, since).filter((x) => x.method === 'copyMessage')).toHaveLength(1);

    const claim = await d.pressUpdate(d.agent2, `spk:${id}`);
    await h.deliver(claim);
    await h.deliver(claim);
    const fromAgent = withId(groupTextUpdate(d.agent2, d.group, 'Yes, I am here.', { messageThreadId: thread }));
    await h.deliver(fromAgent);
    await h.deliver(fromAgent);
    expect(d.copiesTo(c.id, since)).toHaveLength(1);
    expect(d.topicTexts(thread, since)).toEqual([gt('claimed', { agent: mentionOf(d.agent2.id, 'Bo') })]);
    const rows = await d.transcriptOf(c.id);
    expect(rows.filter((r) => r.text === 'is anyone there?')).toHaveLength(1);
    expect(rows.filter((r) => r.text === 'Yes, I am here.')).toHaveLength(1);
  });
});
