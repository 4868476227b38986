/**
 * SupportService on real Postgres (and the SLA scheduler on real Redis): one open conversation
 * per customer, atomic claims (two agents on two connections at once: one wins), takeover,
 * close once, ratings only by the conversation's customer, waiting spells and their SLA jobs.
 */
import { Queue } from 'bullmq';
import type { RedisClient } from '../../src/shared/redis.js';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from '../../src/db/client.js';
import { createServices, type Services } from '../../src/deps.js';
import { SupportService } from '../../src/domain/support/service.js';
import { supportSlaJobId, type SupportSlaJob } from '../../src/jobs/queues.js';
import { supportSla } from '../../src/jobs/support/sla.js';
import { createTestDb, tagged, testRedis, type TestDb } from '../support/db.js';
import { configFor, newCustomer } from './helpers.js';

let t: TestDb;
let other: DbHandle;
let s: Services;
let s2: SupportService;
let redis: RedisClient;
let queue: Queue<SupportSlaJob>;
const A = 96_000_001;
const B = 96_000_002;
const settings = { hours: { start: 0, end: 1440 }, timeZone: 'Asia/Shanghai', slaMinutes: 5 };

beforeAll(async () => {
  t = await createTestDb();
  s = createServices(t.db, configFor(t.url));
  // A second pool: the two agents' claims really run on two connections at once.
  other = createDb(t.url);
  s2 = new SupportService({ db: other.db, settings });
  redis = testRedis({ maxRetriesPerRequest: null });
  queue = new Queue<SupportSlaJob>('support', { connection: redis, prefix: tagged(`ts${randomBytes(4).toString('hex')}`) });
});

afterAll(async () => {
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  await redis?.quit();
  await other?.close();
  await t?.drop();
});

async function openConversation() {
  const customer = await newCustomer(s);
  const { conversation } = await s.support.open(customer.id);
  return { customer, conversation };
}

describe('open', () => {
  it('one open conversation per customer, also when two requests race', async () => {
    const customer = await newCustomer(s);
    const [x, y] = await Promise.all([s.support.open(customer.id), s2.open(customer.id)]);
    expect([x.created, y.created].sort()).toEqual([false, true]);
    expect(x.conversation.id).toBe(y.conversation.id);
    expect(x.conversation.status).toBe('queued');
    // Once closed, the next request opens a new one.
    await s.support.close(x.conversation.id, 'customer');
    const next = await s.support.open(customer.id);
    expect(next.created).toBe(true);
    expect(next.conversation.id).not.toBe(x.conversation.id);
  });
});

describe('claim', () => {
  it('two agents at once on two connections: exactly one wins, the other learns who (20 rounds)', async () => {
    for (let round = 0; round < 20; round++) {
      const { conversation } = await openConversation();
      const [ra, rb] = await Promise.all([s.support.claim(conversation.id, A), s2.claim(conversation.id, B)]);
      const kinds = [ra.kind, rb.kind].sort();
      expect(kinds).toEqual(['claimed', 'held']);
      const winner = ra.kind === 'claimed' ? A : B;
      const loser = ra.kind === 'held' ? ra : (rb as { kind: 'held'; by: number; name: string | null });
      expect(loser.by).toBe(winner);
      expect(loser.name).toBeNull();
      expect((await s.support.byId(conversation.id))!).toMatchObject({ status: 'assigned', assigneeTelegramId: winner });
    }
  });

  it('the holder claims again (a reply) as "mine"; /takeover moves it and names the previous agent', async () => {
    const { conversation } = await openConversation();
    expect(await s.support.claim(conversation.id, A, { name: 'Lena' })).toMatchObject({ kind: 'claimed', previous: null });
    expect(await s.support.claim(conversation.id, A)).toMatchObject({ kind: 'mine' });
    expect(await s.support.claim(conversation.id, B, { name: 'Bo' })).toEqual({ kind: 'held', by: A, name: 'Lena' });
    expect(await s.support.claim(conversation.id, B, { takeover: true, name: 'Bo' })).toEqual({ kind: 'claimed', previous: A, previousName: 'Lena' });
    expect(await s.support.claim(conversation.id, A)).toEqual({ kind: 'held', by: B, name: 'Bo' });
    expect((await s.support.byId(conversation.id))!.assigneeTelegramId).toBe(B);
  });

  it('a closed conversation cannot be claimed, even with takeover', async () => {
    const { conversation } = await openConversation();
    await s.support.close(conversation.id, `agent:${A}`);
    expect(await s.support.claim(conversation.id, A)).toEqual({ kind: 'closed' });
    expect(await s.support.claim(conversation.id, B, { takeover: true })).toEqual({ kind: 'closed' });
  });
});

describe('close and rate', () => {
  it('closes once; only the customer of a closed conversation rates it, once', async () => {
    const { customer, conversation } = await openConversation();
    const stranger = await newCustomer(s);
    expect(await s.support.rate(conversation.id, customer.id, 5)).toBe('not_found'); // still open
    expect(await s.support.close(conversation.id, 'customer')).toMatchObject({ status: 'closed', closedBy: 'customer' });
    expect(await s.support.close(conversation.id, `agent:${A}`)).toBeNull();
    expect(await s.support.rate(conversation.id, stranger.id, 1)).toBe('not_found');
    expect(await s.support.rate(conversation.id, customer.id, 4)).toBe('rated');
    expect(await s.support.rate(conversation.id, customer.id, 1)).toBe('duplicate');
    expect((await s.support.byId(conversation.id))!.rating).toBe(4);
  });

  it('a rating outside 1–5 is refused by the database too', async () => {
    const { customer, conversation } = await openConversation();
    await s.support.close(conversation.id, 'customer');
    await expect(s.support.rate(conversation.id, customer.id, 9)).rejects.toThrow();
  });
});

describe('waiting spells and SLA jobs', () => {
  it('the first customer message schedules reminders at N and 3N; more messages do not; a reply removes them', async () => {
    let clock = new Date('2026-11-27T04:00:00Z');
    const svc = new SupportService({ db: t.db, settings, now: () => clock, sla: supportSla(queue, () => clock) });
    const customer = await newCustomer(s);
    const { conversation } = await svc.open(customer.id);
    const since = await svc.startWaiting(conversation.id);
    expect(since?.getTime()).toBe(clock.getTime());
    const id1 = supportSlaJobId(conversation.id, clock.getTime(), 1);
    const id2 = supportSlaJobId(conversation.id, clock.getTime(), 2);
    expect((await queue.getJob(id1))!.opts.delay).toBe(5 * 60_000);
    expect((await queue.getJob(id2))!.opts.delay).toBe(15 * 60_000);

    clock = new Date(clock.getTime() + 30_000);
    expect(await svc.startWaiting(conversation.id)).toBeNull();
    expect(await queue.getJobCounts('delayed')).toMatchObject({ delayed: 2 });

    await svc.agentReplied(conversation.id);
    expect(await queue.getJob(id1)).toBeUndefined();
    expect(await queue.getJob(id2)).toBeUndefined();
    const row = (await svc.byId(conversation.id))!;
    expect(row.waitingSince).toBeNull();
    expect(row.firstAgentReplyAt?.getTime()).toBe(clock.getTime());
  });

  it('closing a waiting conversation ends its spell', async () => {
    const { conversation } = await openConversation();
    await s.support.startWaiting(conversation.id);
    const closed = await s.support.close(conversation.id, 'customer');
    expect(closed!.waitingSince).toBeNull();
    expect(await s.support.startWaiting(conversation.id)).toBeNull();
  });
});

describe('topics and transcript', () => {
  it('a topic per customer, found by thread with the newest conversation; transcript: last 20, oldest first', async () => {
    const { customer, conversation } = await openConversation();
    await s.support.saveTopic(customer.id, 777_001);
    await s.support.attachThread(conversation.id, 777_001);
    expect(await s.support.byThread(777_001)).toMatchObject({ conversation: { id: conversation.id }, customer: { id: customer.id } });
    expect(await s.support.byThread(777_002)).toBeNull();
    for (let i = 1; i <= 25; i++) {
      await s.support.record({
        conversationId: conversation.id,
        customerId: customer.id,
        direction: i % 2 ? 'in' : 'out',
        senderTelegramId: customer.telegramId,
        contentType: 'text',
        text: `m${i}`,
        fileId: null,
      });
    }
    const transcript = await s.support.transcript(customer.id);
    expect(transcript.map((m) => m.text)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i + 6}`));
    await s.support.close(conversation.id, 'customer');
    const next = await s.support.open(customer.id);
    expect((await s.support.byThread(777_001))!.conversation.id).toBe(next.conversation.id);
    await s.support.setTopicClosed(customer.id, true);
    expect((await s.support.topicOf(customer.id))!.closed).toBe(true);
    await s.support.saveTopic(customer.id, 777_003);
    expect(await s.support.topicOf(customer.id)).toMatchObject({ threadId: 777_003, closed: false });
  });
});
