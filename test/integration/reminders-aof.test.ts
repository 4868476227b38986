/**
 * Reminders survive a Redis restart with AOF persistence (as docker-compose runs Redis): a private
 * redis-server child with `--appendonly yes` holds the queue, is shut down and started again on the
 * same directory, and the reminders that came due meanwhile fire exactly once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { Customer } from '../../src/db/schema/index.js';
import { BotApiStandIn } from '../support/bot-api-stand-in.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { hasRedisServer, PrivateRedis } from '../support/private-redis.js';
import { TEST_TOKEN } from '../support/harness.js';
import { createProducer, sentTo, startWorker, TestClock, testConfig, uniquePrefix } from '../support/reminders.js';
import { sleep } from '../support/wait.js';
import { futureSlots, paidOrder, readyForDelivery } from './helpers.js';

if (!hasRedisServer) console.warn('SKIPPED reminders-aof: redis-server is not on PATH, so the Redis restart cannot be tested');

const DAY = 86_400_000;
let t: TestDb;
let api: BotApiStandIn;
let redis: PrivateRedis | null = null;
let worker: App | null = null;
const clock = new TestClock();
const prefix = uniquePrefix();

beforeAll(async () => {
  if (!hasRedisServer) return;
  redis = await PrivateRedis.create();
  t = await createTestDb();
  api = await new BotApiStandIn({ token: TEST_TOKEN }).start();
});

afterAll(async () => {
  await worker?.stop().catch(() => undefined);
  await redis?.dispose();
  await api?.stop();
  await t?.drop();
});

it.skipIf(!hasRedisServer)('reminders queued before a Redis restart with AOF fire exactly once afterwards', async () => {
  const redisUrl = redis!.url;
  const config = testConfig(t, redisUrl, prefix, api);
  const p = createProducer(t, config, clock);
  const slots = (await futureSlots(t.db, 'delivery', 'sz-nanshan', new Date(Date.now() + 2 * DAY))).filter(
    (s) => new Date(s.startsAt.getTime() + 8 * 3_600_000).getUTCHours() === 14,
  );
  const slot = slots[0]!;
  const dueAt = slot.startsAt.getTime() - DAY;
  clock.set(new Date(dueAt - 3_000));
  const chats: Customer[] = [];
  for (let i = 0; i < 3; i++) {
    const { customer, order } = await paidOrder(p.services);
    // Delivery reminders are sent for a ready car only; made ready quietly, so that the only jobs are the bookings' reminders.
    await readyForDelivery(p.quiet, order.id);
    await p.services.bookings.book({ orderId: order.id, kind: 'delivery', slotId: slot.id, centreId: 'sz-nanshan', method: 'pickup' });
    chats.push(customer);
  }
  expect((await p.queue.getDelayed(0, -1)).length).toBe(6);
  await p.close();

  await redis!.stop();
  await redis!.start();
  // Everything came back from the AOF: three reminders due in seconds, three in 22 hours.
  const check = createProducer(t, config, clock);
  expect((await check.queue.getDelayed(0, -1)).length).toBe(6);
  await check.close();

  // Time passes with no worker, until the three are overdue: that is the case under test.
  await sleep(Math.max(0, dueAt - clock.now().getTime()) + 500);
  const since = api.calls.length;
  worker = await startWorker(config, clock);
  await api.waitFor('sendMessage', { count: 3, since, timeoutMs: 10_000 });
  await sleep(1_500); // proving a negative: no fourth message (a repeat) in this time
  for (const c of chats) expect(sentTo(api, c.telegramId)).toHaveLength(1);
  await worker.stop();
  worker = null;
});
