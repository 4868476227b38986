/**
 * Outbox-lite (src/jobs/outbox.ts): reminder jobs that Redis refuses when a domain event fires are
 * kept in job_outbox, and a flush queues them with their ids and due times, once. The "down" Redis
 * is a private redis-server (AOF on, as in reminders-aof.test.ts) that is shut down and started again.
 */
import { Queue } from 'bullmq';
import { asc, sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobOutbox } from '../../src/db/schema/index.js';
import { createServices, type Services } from '../../src/deps.js';
import { JobOutbox } from '../../src/jobs/outbox.js';
import { queueNames, reminderJobOptions, type ReminderJob } from '../../src/jobs/queues.js';
import { reminderEvents } from '../../src/jobs/reminders/scheduler.js';
import { createLogger } from '../../src/logger.js';
import { createTestDb, dropPrefix, REDIS_URL, type TestDb } from '../support/db.js';
import { hasRedisServer, PrivateRedis } from '../support/private-redis.js';
import { startWorker, TestClock, testConfig, uniquePrefix } from '../support/reminders.js';
import { waitFor } from '../support/wait.js';
import { newCustomer, newOrder } from './helpers.js';

if (!hasRedisServer) console.warn('SKIPPED outbox: redis-server is not on PATH, so Redis cannot be taken down');

const MIN = 60_000;
const HOUR = 60 * MIN;
const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', []);
const clock = new TestClock();
const prefix = uniquePrefix();

let t: TestDb;
let down: PrivateRedis;
/** The producer side as the app wires it, on the private Redis. */
let conn: Redis;
let downQueue: Queue<ReminderJob>;
let outbox: JobOutbox;
let services: Services;
/** The same queue on the shared, running Redis. */
let realConn: Redis;
let realQueue: Queue<ReminderJob>;
let realOutbox: JobOutbox;

const rows = () => t.db.select().from(jobOutbox).orderBy(asc(jobOutbox.id));
const depositIds = (orderId: number) => [`reminder-deposit-${orderId}-t30m`, `reminder-deposit-${orderId}-t24h`, `expire-order-${orderId}-t72h`];

/** Asserts a delayed job whose BullMQ delay (real ms) lands on `dueAt` of the app clock. */
async function expectDelayed(queue: Queue<ReminderJob>, id: string, dueAt: number) {
  const j = await queue.getJob(id);
  expect(j, id).toBeTruthy();
  expect(await j!.getState()).toBe('delayed');
  expect(Math.abs(j!.data.dueAt - dueAt), `${id} due`).toBeLessThan(2_000);
  expect(Math.abs(j!.timestamp + j!.delay + clock.offsetMs - j!.data.dueAt), `${id} delay`).toBeLessThan(100);
}

beforeAll(async () => {
  if (!hasRedisServer) return;
  t = await createTestDb();
  clock.setShanghai(11);
  down = await PrivateRedis.create();
  // As src/app.ts makes the producers' connection: fail fast, so a handler is not held up.
  conn = new Redis(down.url, { maxRetriesPerRequest: 3 });
  conn.on('error', () => undefined);
  downQueue = new Queue<ReminderJob>(queueNames.reminders, { connection: conn, prefix, defaultJobOptions: reminderJobOptions });
  downQueue.on('error', () => undefined);
  outbox = new JobOutbox(t.db, [downQueue], { now: clock.now, logger });
  const config = testConfig(t, down.url, prefix, null);
  services = createServices(t.db, config, { now: clock.now, events: reminderEvents(downQueue, { timeZone: config.timeZone, now: clock.now, logger, outbox }) });
  realConn = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  realQueue = new Queue<ReminderJob>(queueNames.reminders, { connection: realConn, prefix, defaultJobOptions: reminderJobOptions });
  realOutbox = new JobOutbox(t.db, [realQueue], { now: clock.now, logger });
  // A BullMQ queue reads the server's version once (INFO) when made; if Redis goes down before that
  // answer (the first test stops it at once, and a loaded machine is slow), the queue stays failed
  // for good: every later call rejects with that MaxRetriesPerRequestError.
  await Promise.all([downQueue.waitUntilReady(), realQueue.waitUntilReady()]);
});

/**
 * Starts the private Redis again and waits until the app's client has reconnected: ioredis retries
 * with a backoff, and a command sent before it is back fails after maxRetriesPerRequest (as it
 * would for the app; the test is about what happens once Redis is back).
 */
async function bringRedisBack() {
  await down.start();
  await waitFor(
    'the app client to reconnect',
    () =>
      conn
        .ping()
        .then((r) => r === 'PONG')
        .catch(() => false),
    { timeoutMs: 20_000 },
  );
}

afterAll(async () => {
  if (!hasRedisServer) return;
  await downQueue?.close().catch(() => undefined);
  conn?.disconnect();
  await realQueue?.close();
  realConn?.disconnect();
  await down?.stop();
  await down?.dispose();
  await t?.drop();
  await dropPrefix(REDIS_URL, prefix);
});

describe.skipIf(!hasRedisServer)('job outbox', () => {
  it('an order created while Redis is down keeps its reminders in job_outbox; a flush queues them with their ids and due times, once', async () => {
    await down.stop();
    const t0 = clock.now().getTime();
    const order = await newOrder(services, await newCustomer(services));
    expect(order.state).toBe('awaiting_deposit');

    const stored = await rows();
    expect(stored.map((r) => [r.queue, r.op, r.jobId])).toEqual(depositIds(order.id).map((id) => ['reminders', 'add', id]));
    expect(stored[0]!.data).toMatchObject({ kind: 'deposit', orderId: order.id, step: 't30m' });
    expect(Math.abs(stored[0]!.dueAt! - (t0 + 30 * MIN))).toBeLessThan(2_000);
    expect(stored[0]!.lastError).toBeTruthy();

    // Still down: the flush gives up, the rows stay and count the attempt.
    expect((await outbox.flush()).added).toBe(0);
    expect((await rows()).map((r) => r.attempts)).toEqual([1, 0, 0]);

    // Ten minutes pass before the flush: each delay is recomputed from the stored due time.
    clock.offsetMs += 10 * MIN;
    const first = await realOutbox.flush();
    expect(first).toMatchObject({ added: 3, left: 0 });
    expect(await rows()).toEqual([]);
    await expectDelayed(realQueue, depositIds(order.id)[0]!, t0 + 30 * MIN);
    await expectDelayed(realQueue, depositIds(order.id)[1]!, t0 + 24 * HOUR);
    await expectDelayed(realQueue, depositIds(order.id)[2]!, t0 + 72 * HOUR);
    const before = (await realQueue.getJob(depositIds(order.id)[1]!))!.timestamp;

    // The same rows replayed again (two flushers, a crash before the delete): still one job each.
    await t.db.insert(jobOutbox).values(stored.map(({ id: _id, createdAt: _c, ...r }) => r));
    expect((await realOutbox.flush()).left).toBe(0);
    expect(await rows()).toEqual([]);
    expect(await realQueue.getJobCounts('delayed', 'waiting')).toMatchObject({ delayed: 3, waiting: 0 });
    expect((await realQueue.getJob(depositIds(order.id)[1]!))!.timestamp).toBe(before);
    clock.offsetMs -= 10 * MIN;
  });

  it('a cancel while Redis is down keeps the removals; once Redis is back the flush removes the pending reminders', async () => {
    await bringRedisBack();
    const customer = await newCustomer(services);
    const order = await newOrder(services, customer);
    expect(await downQueue.getJobState(depositIds(order.id)[0]!)).toBe('delayed');

    await down.stop();
    await services.orders.cancelByCustomer(order.id, customer.id, `customer:${customer.telegramId}`);
    expect((await rows()).map((r) => [r.op, r.jobId])).toEqual(depositIds(order.id).map((id) => ['remove', id]));

    await bringRedisBack();
    // The AOF kept the jobs through the restart; the flush goes through the app's reconnected client.
    expect(await downQueue.getJobState(depositIds(order.id)[0]!)).toBe('delayed');
    expect(await outbox.flush()).toMatchObject({ removed: 3, left: 0 });
    for (const id of depositIds(order.id)) expect(await downQueue.getJobState(id)).toBe('unknown');
    expect(await rows()).toEqual([]);
  });

  it('a removal drops the adds of the same jobs still waiting in the outbox', async () => {
    await down.stop();
    const customer = await newCustomer(services);
    const order = await newOrder(services, customer);
    expect((await rows()).map((r) => r.op)).toEqual(['add', 'add', 'add']);
    await bringRedisBack();
    await services.orders.cancelByCustomer(order.id, customer.id, `customer:${customer.telegramId}`);
    expect(await rows()).toEqual([]);
    expect(await outbox.flush()).toMatchObject({ added: 0, removed: 0 });
    expect(await downQueue.getJobState(depositIds(order.id)[0]!)).toBe('unknown');
  });

  it('a worker flushes the outbox when it starts, and schedules the flush every minute', async () => {
    await down.stop();
    const order = await newOrder(services, await newCustomer(services));
    expect(await rows()).toHaveLength(3);
    // The worker runs on the shared Redis (what "Redis is back" looks like to it).
    const app = await startWorker(testConfig(t, REDIS_URL, prefix, null), clock);
    try {
      expect(await rows()).toEqual([]);
      expect(await realQueue.getJobState(depositIds(order.id)[2]!)).toBe('delayed');
      const maintenance = new Queue(queueNames.maintenance, { connection: realConn, prefix });
      const scheduler = await maintenance.getJobScheduler('flush-outbox-every-minute');
      expect(scheduler).toMatchObject({ every: 60_000, name: 'flush-outbox' });
      // The maintenance task itself: a row stored after the start is queued by it.
      await t.db.insert(jobOutbox).values({
        queue: 'reminders',
        op: 'add',
        jobId: 'outbox-probe',
        name: 'checkin',
        data: { kind: 'checkin', orderId: order.id, dueAt: clock.now().getTime() + HOUR },
        dueAt: clock.now().getTime() + HOUR,
      });
      const run = await maintenance.add('flush-outbox', { task: 'flush-outbox' }, { jobId: 'outbox-flush-test' });
      await waitFor('the flush-outbox run to complete', () => run.isCompleted(), { timeoutMs: 5_000 });
      expect(await run.isCompleted()).toBe(true);
      expect(await rows()).toEqual([]);
      expect(await realQueue.getJobState('outbox-probe')).toBe('delayed');
      await maintenance.close();
    } finally {
      await app.stop();
    }
    expect((await t.db.execute<{ n: number }>(sql`select count(*)::int as n from job_outbox`))[0]!.n).toBe(0);
  });
});
