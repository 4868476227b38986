/**
 * Relaying to the support topic when Telegram says 429 (a group takes about 20 messages a minute
 * from a bot): the customer's messages are recorded and queued, not failed, and reach the topic
 * in order once the pause is over, in polling and webhook mode. The relay worker re-reads the
 * conversation, survives a group that refuses for good, and replaces a deleted topic. An agent's
 * reply to a rate-limited customer is delivered later, and the agent told so.
 */
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supportRelayJobId } from '../../src/jobs/queues.js';
import type { RecordedCall } from '../support/bot-api-stand-in.js';
import { testRedis } from '../support/db.js';
import { TestChat } from '../support/chat.js';
import { gt, SupportDesk, t } from '../support/support-desk.js';
import type { User } from 'telegraf/types';
import { textUpdate, withId } from '../support/updates.js';
import { sleep, waitFor } from '../support/wait.js';

const TOO_MANY = { code: 429, description: 'Too Many Requests: retry after 1', retryAfter: 1 };

const desks: SupportDesk[] = [];
const conns: Array<{ close(): Promise<unknown> }> = [];
afterAll(async () => {
  for (const c of conns) await c.close();
  for (const d of desks) await d.h.stop();
});

async function deskFor(mode: 'polling' | 'webhook', group: number, base: number) {
  const d = await SupportDesk.start(group, base, { mode });
  desks.push(d);
  const redis = testRedis({ maxRetriesPerRequest: null });
  const queue = new Queue('support', { connection: redis, prefix: d.h.config.queuePrefix });
  conns.push(queue, { close: () => redis.quit() });
  return { d, h: d.h, queue, redis };
}

/** The customer writes `text`; resolves once handled, with the message's id. */
async function customerSays(d: SupportDesk, customer: number | User, text: string): Promise<number> {
  const user = typeof customer === 'number' ? { id: customer, is_bot: false, first_name: 'Wei', language_code: 'en' } : customer;
  const update = withId(textUpdate(user, text));
  await d.h.deliver(update);
  if (d.h.mode === 'webhook') expect(d.h.lastWebhookStatus).toBe(200);
  return update.message.message_id;
}

/** What went into a topic, in order: 'copy:<message id>' or the text posted. */
const topicLog = (d: SupportDesk, thread: number, since: number) =>
  d.inTopic(thread, since).map((x) => (x.method === 'copyMessage' ? `copy:${String(x.params.message_id)}` : x.method === 'sendMessage' ? String(x.params.text) : x.method));

const toCustomer = (calls: RecordedCall[], customerId: number) => calls.filter((c) => String(c.params.chat_id) === String(customerId));

describe.each([
  ['polling', -1009400000021, 96_100_000],
  ['webhook', -1009400000022, 96_200_000],
] as const)('relay to the topic after a 429 (%s)', (mode, group, base) => {
  it('three messages while the group answers 429: no error to the customer, all three in the topic in order, three transcript rows', async () => {
    const { d, h } = await deskFor(mode, group, base);
    const { c, thread } = await d.handoff();
    const since = h.api.calls.length;
    h.api.failChat(d.group, TOO_MANY);
    const ids: number[] = [];
    for (const text of ['first', 'second', 'third']) ids.push(await customerSays(d, c.id, text));
    // Safe: recorded at once, nothing in the topic yet, and the customer heard nothing.
    expect((await d.transcriptOf(c.id)).map((m) => [m.direction, m.text])).toEqual([
      ['in', 'first'],
      ['in', 'second'],
      ['in', 'third'],
    ]);
    expect(d.inTopic(thread, since)).toEqual([]);
    await sleep(1200); // the group keeps refusing past its retry_after (1 s): the outage is the case under test
    h.api.failChat(d.group, null);
    const copies = await waitFor('three copies in the topic', () => {
      const got = d.inTopic(thread, since).filter((x) => x.method === 'copyMessage');
      return got.length >= 3 && got;
    });
    await sleep(300); // proving a negative: no fourth copy (a repeat) follows
    expect(
      d
        .inTopic(thread, since)
        .filter((x) => x.method === 'copyMessage')
        .map((x) => Number(x.params.message_id)),
    ).toEqual(ids);
    expect(copies.every((x) => String(x.params.from_chat_id) === String(c.id))).toBe(true);
    expect(toCustomer(h.api.calls.slice(since), c.id)).toEqual([]);
    expect(await d.transcriptOf(c.id)).toHaveLength(3);
    // The backlog is gone: the next message goes straight to the topic.
    const after = h.api.calls.length;
    const next = await customerSays(d, c.id, 'fourth');
    expect(
      d
        .inTopic(thread, after)
        .filter((x) => x.method === 'copyMessage')
        .map((x) => Number(x.params.message_id)),
    ).toEqual([next]);
  });
});

describe('relay worker', () => {
  let ctx: Awaited<ReturnType<typeof deskFor>>;
  beforeAll(async () => {
    ctx = await deskFor('polling', -1009400000023, 96_300_000);
  });

  it('a conversation deleted while its messages wait: nothing is copied, the job ends', async () => {
    const { d, h, queue } = ctx;
    const { c, thread } = await d.handoff();
    const conversation = (await d.conversationOf(c.id))!;
    const since = h.api.calls.length;
    h.api.failChat(d.group, TOO_MANY);
    const id = await customerSays(d, c.id, 'are you there?');
    await h.db.sql`delete from support_messages where conversation_id = ${conversation.id}`;
    await h.db.sql`delete from support_conversations where id = ${conversation.id}`;
    h.api.failChat(d.group, null);
    const job = await waitFor('the relay job to finish', async () => {
      // State first, then the job: a job read while still active has no return value yet.
      const jobId = supportRelayJobId(conversation.id, 'in', id);
      return (await queue.getJobState(jobId)) === 'completed' && (await queue.getJob(jobId));
    });
    expect(job.returnvalue).toBe('gone');
    expect(d.inTopic(thread, since).filter((x) => x.method === 'copyMessage')).toEqual([]);
  });

  it('the group refuses for good (403, bot removed): the message is dropped with a log, the conversation is not stuck', async () => {
    const { d, h, queue } = ctx;
    const { c, thread } = await d.handoff();
    const conversation = (await d.conversationOf(c.id))!;
    h.api.failChat(d.group, TOO_MANY);
    const id = await customerSays(d, c.id, 'hello?');
    h.api.failChat(d.group, { code: 403, description: 'Forbidden: bot was kicked from the supergroup chat' });
    const job = await waitFor('the relay job to finish', async () => {
      // State first, then the job: a job read while still active has no return value yet.
      const jobId = supportRelayJobId(conversation.id, 'in', id);
      return (await queue.getJobState(jobId)) === 'completed' && (await queue.getJob(jobId));
    });
    h.api.failChat(d.group, null);
    expect(job.returnvalue).toBe('dropped');
    await waitFor('the group pause to expire', async () => (await ctx.redis.pttl(`${h.config.queuePrefix}:support-relay:pause:group`)) < 0);
    const since = h.api.calls.length;
    const next = await customerSays(d, c.id, 'back again');
    expect(
      d
        .inTopic(thread, since)
        .filter((x) => x.method === 'copyMessage')
        .map((x) => Number(x.params.message_id)),
    ).toEqual([next]);
  });

  it('the topic was deleted while the message waited: the worker makes a new one with a card and copies into it', async () => {
    const { d, h } = ctx;
    const { c, thread } = await d.handoff();
    const conversation = (await d.conversationOf(c.id))!;
    h.api.failChat(d.group, TOO_MANY);
    const id = await customerSays(d, c.id, 'still there?');
    const since = h.api.calls.length;
    h.api.failChat(d.group, null);
    h.api.failNext('copyMessage', { code: 400, description: 'Bad Request: message thread not found' });
    h.api.failNext('reopenForumTopic', { code: 400, description: 'Bad Request: TOPIC_ID_INVALID' });
    const copy = await waitFor('the copy in a new topic', () =>
      h.api.calls.slice(since).find((x) => x.response.ok && x.method === 'copyMessage' && String(x.params.chat_id) === String(d.group)),
    );
    const fresh = d.lastThread();
    expect(fresh).not.toBe(thread);
    expect(Number(copy.params.message_thread_id)).toBe(fresh);
    expect(Number(copy.params.message_id)).toBe(id);
    expect((await d.conversationOf(c.id))!.thread_id).toBe(fresh);
    // The new topic opens with the conversation's card.
    expect(d.topicTexts(fresh, since).some((x) => x.includes(`#${conversation.id}`))).toBe(true);
  });

  it('an agent reply to a customer over their limit: the agent is told, the reply arrives after the pause', async () => {
    const { d, h } = ctx;
    const { c, thread } = await d.handoff();
    h.api.failChat(c.id, TOO_MANY);
    const said = await d.say(d.agent, thread, 'We are on it');
    expect(d.copiesTo(c.id, said.since)).toEqual([]);
    expect(d.topicTexts(thread, said.since)).toContain(gt('reply_queued', { seconds: 1 }));
    expect((await d.transcriptOf(c.id)).filter((m) => m.direction === 'out').map((m) => m.text)).toEqual(['We are on it']);
    h.api.failChat(c.id, null);
    const copy = await waitFor('the reply at the customer', () => d.copiesTo(c.id, said.since)[0]);
    expect(Number(copy.params.message_id)).toBe(said.messageId);
    expect(String(copy.params.from_chat_id)).toBe(String(d.group));
    // A canned reply while the customer is over their limit: queued the same way, after the first.
    h.api.failChat(c.id, TOO_MANY);
    const canned = await d.say(d.agent, thread, '/canned greeting');
    const later = await d.say(d.agent, thread, 'And one more');
    expect(toCustomer(h.api.calls.slice(canned.since), c.id).filter((x) => x.response.ok)).toEqual([]);
    expect(d.topicTexts(thread, canned.since).filter((x) => x === gt('reply_queued', { seconds: 1 })).length).toBeGreaterThanOrEqual(1);
    h.api.failChat(c.id, null);
    await waitFor('both at the customer', () => toCustomer(h.api.calls.slice(canned.since), c.id).filter((x) => x.response.ok).length >= 2);
    const got = toCustomer(h.api.calls.slice(canned.since), c.id).filter((x) => x.response.ok);
    expect(got.map((x) => x.method)).toEqual(['sendMessage', 'copyMessage']);
    expect(got[0]!.params.text).toBe(t('en', 'support.canned.greeting'));
    expect(Number(got[1]!.params.message_id)).toBe(later.messageId);
  });

  it('a handoff asked for while the group answers 429: the customer is connected as usual; topic, card and the request follow in order', async () => {
    const { d, h } = ctx;
    const c = new TestChat(h, d.customerId(), { languageCode: 'en' });
    await c.text('/start');
    const since = h.api.calls.length;
    h.api.failChat(d.group, TOO_MANY);
    const id = await customerSays(d, c.user, 'talk to a person');
    const replies = toCustomer(h.api.calls.slice(since), c.id).filter((x) => x.method === 'sendMessage');
    expect(replies.map((x) => x.params.text)).toEqual([t('en', 'support.started')]);
    const conversation = (await d.conversationOf(c.id))!;
    expect(conversation.status).toBe('queued');
    h.api.failChat(d.group, null);
    await waitFor('the request in the topic', () => h.api.calls.slice(since).some((x) => x.response.ok && x.method === 'copyMessage' && Number(x.params.message_id) === id));
    const thread = d.lastThread();
    const log = topicLog(d, thread, since);
    expect(log).toHaveLength(2);
    expect(log[0]).toContain(`#${conversation.id}`);
    expect(log[1]).toBe(`copy:${id}`);
    expect((await d.conversationOf(c.id))!.thread_id).toBe(thread);
  });

  it('End chat and a rating while messages wait: the message, the close notice, the topic closed and the rating, in that order', async () => {
    const { d, h } = ctx;
    const { c, thread } = await d.handoff();
    const since = h.api.calls.length;
    h.api.failChat(d.group, TOO_MANY);
    const id = await customerSays(d, c.user, 'one more thing');
    await c.tap(t('en', 'support.end'));
    expect(c.lastText()).toContain(t('en', 'support.rate_question'));
    await c.tap('5 ⭐');
    expect(c.lastText()).toBe(t('en', 'support.rating_thanks', { score: 5 }));
    expect(topicLog(d, thread, since)).toEqual([]);
    h.api.failChat(d.group, null);
    await waitFor('the rating in the topic', () => topicLog(d, thread, since).includes(gt('rating', { score: 5 })));
    // As without a pause: the close notice, the topic closed, then the rating (posted in the closed topic).
    expect(topicLog(d, thread, since).filter((x) => x !== 'editMessageText')).toEqual([`copy:${id}`, gt('closed_by_customer'), 'closeForumTopic', gt('rating', { score: 5 })]);
    expect((await d.cardNow((await d.conversationOf(c.id))!.id)).text).toContain(gt('status_closed_customer'));
  });
});
