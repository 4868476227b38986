/**
 * The retention job (src/domain/privacy/retention.ts) through the real maintenance worker and
 * BullMQ: seeded rows older than RETENTION_DAYS go (support transcript, conversation states, saved
 * addresses; the profile-card copy of old closed conversations is cleared), newer rows and orders
 * stay, and the daily job scheduler is registered with the configured days.
 */
import { randomBytes } from 'node:crypto';
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createDeps, type AppDeps } from '../../src/deps.js';
import { createMaintenanceWorker } from '../../src/jobs/workers/maintenance.worker.js';
import { scheduleMaintenance } from '../../src/jobs/queues.js';
import { createLogger } from '../../src/logger.js';
import { createTestDb, dropPrefix, REDIS_URL, type TestDb } from '../support/db.js';
import { freshTelegramId, newCustomer, newOrder, TOKEN } from './helpers.js';

const DAYS = 30;
const NOW = new Date('2026-12-03T06:00:00Z');
const OLD = new Date(NOW.getTime() - (DAYS + 1) * 86_400_000).toISOString();
const RECENT = new Date(NOW.getTime() - (DAYS - 1) * 86_400_000).toISOString();

let t: TestDb;
let deps: AppDeps;
const prefix = `ret${randomBytes(4).toString('hex')}`;
beforeAll(async () => {
  t = await createTestDb();
  const config = loadConfig({ BOT_TOKEN: TOKEN, DATABASE_URL: t.url, REDIS_URL, QUEUE_PREFIX: prefix, RETENTION_DAYS: String(DAYS), LOG_LEVEL: 'silent' });
  deps = createDeps(config, { logger: createLogger('silent'), now: () => NOW });
});
afterAll(async () => {
  await deps?.close();
  await t?.drop();
  await dropPrefix(REDIS_URL, prefix);
});

const count = async (q: Promise<Array<{ n: number }>>) => (await q)[0]!.n;

describe('retention', () => {
  it('RETENTION_DAYS: 365 by default, validated', () => {
    expect(loadConfig({ BOT_TOKEN: TOKEN }).retentionDays).toBe(365);
    expect(() => loadConfig({ BOT_TOKEN: TOKEN, RETENTION_DAYS: '0' })).toThrow(/RETENTION_DAYS/);
  });

  it('the daily job is scheduled with the configured days', async () => {
    await scheduleMaintenance(deps.queues, 'Asia/Shanghai', DAYS);
    const scheduler = await deps.queues.maintenance.getJobScheduler('retention-daily');
    expect(scheduler).toMatchObject({ pattern: '50 3 * * *', tz: 'Asia/Shanghai' });
    expect(scheduler?.template?.data).toEqual({ task: 'retention', days: DAYS });
  });

  it('a run deletes or clears what is older than the period, keeps the rest and every order', async () => {
    const sql = t.sql;
    const customer = await newCustomer(deps.services);
    const order = await newOrder(deps.services, customer);
    const [oldConv] = await sql<Array<{ id: number }>>`
      insert into support_conversations (customer_id, status, closed_at, card_text) values (${customer.id}, 'closed', ${OLD}, 'Zhang Wei · 138…') returning id`;
    const [newConv] = await sql<Array<{ id: number }>>`
      insert into support_conversations (customer_id, status, closed_at, card_text) values (${customer.id}, 'closed', ${RECENT}, 'Zhang Wei · 138…') returning id`;
    for (const [conv, at, text] of [
      [oldConv!.id, OLD, 'old message'],
      [newConv!.id, RECENT, 'recent message'],
    ] as const) {
      await sql`insert into support_messages (conversation_id, customer_id, direction, sender_telegram_id, content_type, text, created_at)
        values (${conv}, ${customer.id}, 'in', ${customer.telegramId}, 'text', ${text}, ${at})`;
    }
    const [oldChat, newChat] = [freshTelegramId(), freshTelegramId()];
    await sql`insert into conversation_states (chat_id, step, updated_at) values (${oldChat}, 'order.phone', ${OLD}), (${newChat}, 'order.phone', ${RECENT})`;
    await sql`insert into store_addresses (customer_id, recipient, phone, city, address, used_at) values
      (${customer.id}, 'Zhang Wei', '13800138000', 'Shanghai', 'old street 1', ${OLD}),
      (${customer.id}, 'Zhang Wei', '13800138000', 'Shanghai', 'new street 2', ${RECENT})`;

    const worker = createMaintenanceWorker(deps, { url: REDIS_URL, maxRetriesPerRequest: null }, deps.queues);
    const events = new QueueEvents('maintenance', { connection: { url: REDIS_URL }, prefix });
    try {
      await events.waitUntilReady();
      const job = await deps.queues.maintenance.add('retention', { task: 'retention', days: DAYS });
      // One old message, one card, one state, one address.
      expect(await job.waitUntilFinished(events, 20_000)).toBe(4);
      const again = await deps.queues.maintenance.add('retention', { task: 'retention', days: DAYS });
      expect(await again.waitUntilFinished(events, 20_000)).toBe(0);
    } finally {
      await worker.close();
      await events.close();
    }

    expect((await sql<Array<{ text: string }>>`select text from support_messages where customer_id = ${customer.id}`).map((r) => r.text)).toEqual(['recent message']);
    expect(await sql<Array<{ id: number; card_text: string | null }>>`select id, card_text from support_conversations where customer_id = ${customer.id} order by id`).toEqual([
      { id: oldConv!.id, card_text: null },
      { id: newConv!.id, card_text: 'Zhang Wei · 138…' },
    ]);
    expect((await sql<Array<{ chat_id: string }>>`select chat_id from conversation_states where chat_id in (${oldChat}, ${newChat})`).map((r) => Number(r.chat_id))).toEqual([
      newChat,
    ]);
    expect((await sql<Array<{ address: string }>>`select address from store_addresses where customer_id = ${customer.id}`).map((r) => r.address)).toEqual(['new street 2']);
    expect(await count(sql`select count(*)::int as n from orders where id = ${order.id} and phone <> ''`)).toBe(1);
  });
});
