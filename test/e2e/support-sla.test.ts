/**
 * The SLA reminder: a customer waiting longer than SUPPORT_SLA_MINUTES without an agent's answer
 * gets the topic a reminder that mentions the agents on duty (the BullMQ job fires in the real
 * worker); an agent's reply removes the next one, which never posts.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supportSlaJobId } from '../../src/jobs/queues.js';
import { TestChat } from '../support/chat.js';
import { REDIS_URL } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { groupTextUpdate, userFor, withId } from '../support/updates.js';
import { sleep, waitFor } from '../support/wait.js';

const GROUP = -1009400000003;
const AGENT = 95_100_001;
const AGENT2 = 95_100_002;
/** 0.02 min = 1.2 s: reminders at 1.2 s and 3.6 s. */
const SLA_MS = 1200;

let h: Harness;
let redis: Redis;
let queue: Queue;
beforeAll(async () => {
  h = await startHarness({ env: { SUPPORT_CHAT_ID: String(GROUP), SUPPORT_HOURS: '00:00-24:00', SUPPORT_SLA_MINUTES: '0.02' } });
  await h.app.deps.services.staff.add(AGENT, 'agent', 'test');
  await h.app.deps.services.staff.add(AGENT2, 'agent', 'test');
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue('support', { connection: redis, prefix: h.config.queuePrefix });
});
afterAll(async () => {
  await queue?.close();
  await redis?.quit();
  await h?.stop();
});

const slaPosts = (thread: number) =>
  h.api.callsTo('sendMessage').filter((c) => String(c.params.chat_id) === String(GROUP) && Number(c.params.message_thread_id) === thread && String(c.params.text).startsWith('⏰'));

describe('SLA reminders', () => {
  it('fires after N minutes mentioning the agents, and is cancelled by an agent reply', async () => {
    const c = new TestChat(h, 95_100_100, { languageCode: 'en' });
    await c.text('/start');
    await c.text('agent');
    const thread = (h.api.callsTo('createForumTopic').at(-1)!.response as { result: { message_thread_id: number } }).result.message_thread_id;
    const [row] = await h.db.sql<Array<{ id: number; since: string }>>`
      select id, (extract(epoch from waiting_since) * 1000)::bigint::text as since from support_conversations`;
    const id = row!.id;
    const since = Number(row!.since);
    expect(await queue.getJob(supportSlaJobId(id, since, 1))).toBeTruthy();
    expect(slaPosts(thread)).toEqual([]);

    // The first reminder, from the worker, mentions the agent.
    const first = await h.api.waitFor((call) => call.method === 'sendMessage' && String(call.params.text).startsWith('⏰'), { timeoutMs: SLA_MS + 5000 });
    expect(Number(first.params.message_thread_id)).toBe(thread);
    expect(String(first.params.text)).toContain(`tg://user?id=${AGENT}`);
    expect(String(first.params.text)).toContain(`tg://user?id=${AGENT2}`);
    expect(first.params.parse_mode).toBe('HTML');

    // The customer writes again: still the same waiting spell, no new jobs.
    await c.text('hello?');
    const [again] = await h.db.sql<Array<{ since: string }>>`select (extract(epoch from waiting_since) * 1000)::bigint::text as since from support_conversations where id = ${id}`;
    expect(Number(again!.since)).toBe(since);

    // The agent answers: the second reminder (due at 3N) is removed and never posts.
    await h.deliver(withId(groupTextUpdate(userFor(AGENT, { firstName: 'Lena' }), GROUP, 'Hi, I am here', { messageThreadId: thread })));
    expect(await queue.getJob(supportSlaJobId(id, since, 2))).toBeUndefined();
    // Proving a negative: until 800 ms past the second reminder's time (3N after the wait began, not
    // after the reply), and it did not post.
    await sleep(since + 3 * SLA_MS + 800 - Date.now());
    expect(slaPosts(thread)).toHaveLength(1);
    const [after] = await h.db.sql<Array<{ cleared: boolean }>>`select waiting_since is null as cleared from support_conversations where id = ${id}`;
    expect(after!.cleared).toBe(true);
  });

  it('a reminder whose wait is over (a removal that failed, a re-run) posts nothing', async () => {
    const [row] = await h.db.sql<Array<{ id: number; thread_id: number }>>`select id, thread_id from support_conversations`;
    const before = slaPosts(row!.thread_id).length;
    const job = await queue.add('sla', { conversationId: row!.id, waitingSince: 1_000, level: 1 }, { jobId: 'support-sla-stale-test' });
    await waitFor('the stale reminder job to complete', () => job.isCompleted(), { timeoutMs: 5_000 });
    expect(await job.isCompleted()).toBe(true);
    expect((await queue.getJob(job.id!))!.returnvalue).toBe('skipped');
    expect(slaPosts(row!.thread_id)).toHaveLength(before);
  });

  it('a new customer message after the answer starts a new spell with its own reminders', async () => {
    const c = new TestChat(h, 95_100_100, { languageCode: 'en' });
    await c.text('One more question');
    const [row] = await h.db.sql<Array<{ id: number; since: string | null }>>`
      select id, (extract(epoch from waiting_since) * 1000)::bigint::text as since from support_conversations`;
    expect(row!.since).not.toBeNull();
    const job = await queue.getJob(supportSlaJobId(row!.id, Number(row!.since), 1));
    expect(await job!.getState()).toBe('delayed');
  });

  it('a claimed conversation: the first reminder mentions the agent who holds it (by the name from the claim), the second everyone', async () => {
    const c = new TestChat(h, 95_100_200, { languageCode: 'zh-hans' });
    await c.text('/start');
    await c.text('人工');
    const thread = (h.api.callsTo('createForumTopic').at(-1)!.response as { result: { message_thread_id: number } }).result.message_thread_id;
    // Bo claims without answering: the customer is still waiting.
    await h.deliver(withId(groupTextUpdate(userFor(AGENT2, { firstName: 'Bo' }), GROUP, '/claim', { messageThreadId: thread })));
    // Another customer, unassigned, starts waiting meanwhile (their reminder comes while these do).
    const other = new TestChat(h, 95_100_300, { languageCode: 'en' });
    await other.text('/start');
    await other.text('human');
    const otherThread = (h.api.callsTo('createForumTopic').at(-1)!.response as { result: { message_thread_id: number } }).result.message_thread_id;
    await waitFor('two reminders in the topic', () => slaPosts(thread).length >= 2, { timeoutMs: 8_000 });
    const [first, second] = slaPosts(thread).map((x) => String(x.params.text));
    expect(first).toContain(`<a href="tg://user?id=${AGENT2}">Bo</a>`);
    expect(first).not.toContain(`tg://user?id=${AGENT}"`);
    expect(second).toContain(`<a href="tg://user?id=${AGENT2}">Bo</a> <a href="tg://user?id=${AGENT}">`);

    // The other customer's: every agent, by the names they claimed with (neither opened the bot).
    await waitFor('a reminder in the other topic', () => slaPosts(otherThread).length >= 1, { timeoutMs: 5_000 });
    expect(String(slaPosts(otherThread)[0]?.params.text)).toContain(`<a href="tg://user?id=${AGENT}">Lena</a> <a href="tg://user?id=${AGENT2}">Bo</a>`);
  });
});
