/**
 * `npm run bench -- reminders`: `--count` (10,000) reminders due within `--window` (60) seconds,
 * fired by the real reminders worker (APP_ROLE=worker, real Postgres and Redis) at the Bot API
 * stand-in. Each reminder is a real one: a delivery booking whose 2-hour reminder is queued by the
 * same scheduler a bot process uses after a booking, then re-checked against the database and
 * rendered in the customer's language when it fires. The 2-hour delivery reminder ignores quiet
 * hours, so the figures do not depend on the time of day in Shanghai.
 *
 * Lateness = when the stand-in received the sendMessage minus the reminder's due time. Early (sent
 * before due) and duplicates (a customer messaged twice) must be 0. The last line is one JSON object.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { startApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { Booking, Slot } from '../src/db/schema/index.js';
import { queueNames, reminderJobOptions, type ReminderJob } from '../src/jobs/queues.js';
import { ReminderScheduler } from '../src/jobs/reminders/scheduler.js';
import { REMINDER_CONCURRENCY } from '../src/jobs/workers/reminders.worker.js';
import { createLogger } from '../src/logger.js';
import { BotApiStandIn } from '../test/support/bot-api-stand-in.js';
import type { BenchArgs } from './support/args.js';
import { BENCH_TOKEN, createBenchDb, deleteRedisPrefix, machine, REDIS_URL, type BenchDb } from './support/env.js';
import { Latencies, round } from './support/stats.js';

export const description = '10,000 reminders due within one minute on the real worker and Redis; lateness, early, duplicates';

const HELP = `npm run bench -- reminders [options]
  --count N         reminders (default 10000)
  --window S        they come due evenly over S seconds (default 60)
  --lead S          seconds from the start of queueing to the first due time (default 20)
  --concurrency N   reminders worker concurrency (default ${REMINDER_CONCURRENCY}, the app's)
  --per-second N    SEND_BUDGET_PER_SECOND (default 1000; the app's own is 30/s, Telegram's
                    overall limit, which would spread 10,000 reminders over 350 s)
  --jobs            also split lateness into waiting to be picked up and processing (from the
                    completed jobs BullMQ still keeps: the last 5,000)`;

const GOAL_P99_MS = 500;
const GOAL_MAX_MS = 2_000;
const CENTRE = 'bench-centre';
const TWO_HOURS = 2 * 3_600_000;

export interface Fixture {
  /** telegram id → due time (epoch ms). */
  dueByChat: Map<number, number>;
  bookings: Array<Booking & { slot: Slot }>;
}

/**
 * Customers, paid orders scheduled for delivery, one slot each (starting 2 h after the reminder's
 * due time) and an active pickup booking per order, inserted in bulk.
 */
export async function insertFixture(url: string, count: number, firstDue: number, windowMs: number, base = 900_000_000): Promise<Fixture> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const step = windowMs / count;
    await sql`insert into delivery_centres (id, city, city_name, name, address, sort)
      values (${CENTRE}, 'shanghai', ${sql.json({ 'zh-CN': '上海', en: 'Shanghai' })}, ${sql.json({ 'zh-CN': '基准测试交付中心', en: 'Benchmark Delivery Centre' })},
              ${sql.json({ 'zh-CN': '上海市浦东新区 1 号', en: '1 Bench Road, Shanghai' })}, 99)`;
    await sql`insert into customers (telegram_id, first_name, language)
      select ${base}::bigint + g, 'Bench', case when g % 2 = 0 then 'en' else 'zh-CN' end from generate_series(1, ${count}::int) g`;
    const snapshot = {
      modelId: 'model-y',
      modelName: 'Model Y',
      trim: { id: 'my-rwd', name: { 'zh-CN': '后轮驱动版', en: 'RWD' }, priceFen: 26_350_000 },
      options: [],
    };
    await sql`insert into orders (customer_id, model_id, snapshot, total_fen, deposit_fen, state, contact_name, phone, city)
      select id, 'model-y', ${sql.json(snapshot)}, 26350000, 100000, 'delivery_scheduled', 'Bench', '13800138000', 'shanghai'
      from customers where telegram_id > ${base}::bigint and telegram_id <= ${base + count}::bigint order by telegram_id`;
    await sql`insert into slots (kind, centre_id, starts_at, ends_at, capacity, booked)
      select 'delivery', ${CENTRE}, to_timestamp((${firstDue + TWO_HOURS}::float8 + (g - 1) * ${step}::float8) / 1000.0),
             to_timestamp((${firstDue + 2 * TWO_HOURS}::float8 + (g - 1) * ${step}::float8) / 1000.0), 1, 1
      from generate_series(1, ${count}::int) g`;
    await sql`insert into bookings (order_id, kind, method, slot_id)
      select o.id, 'delivery', 'pickup', s.id
      from (select id, row_number() over (order by id) rn from orders where contact_name = 'Bench') o
      join (select id, row_number() over (order by starts_at, id) rn from slots where centre_id = ${CENTRE}) s using (rn)`;
    const rows = await sql<Array<{ telegram_id: string; due_ms: string; booking: Booking; slot: Slot }>>`
      select c.telegram_id, (extract(epoch from s.starts_at) * 1000)::bigint - ${TWO_HOURS} as due_ms,
             row_to_json(b) as booking, row_to_json(s) as slot
      from bookings b join orders o on o.id = b.order_id join customers c on c.id = o.customer_id join slots s on s.id = b.slot_id
      where s.centre_id = ${CENTRE}`;
    const dueByChat = new Map<number, number>();
    const bookings: Array<Booking & { slot: Slot }> = [];
    for (const r of rows) {
      dueByChat.set(Number(r.telegram_id), Number(r.due_ms));
      // Only what the scheduler reads: id, kind and the slot's start.
      bookings.push({ ...r.booking, kind: 'delivery', slot: { ...r.slot, startsAt: new Date(Number(r.due_ms) + TWO_HOURS) } });
    }
    return { dueByChat, bookings };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** CPU time the Redis server has used so far (shared with anything else on it: an upper bound). */
async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const value = (key: string) => Number(new RegExp(`${key}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (value('used_cpu_sys') + value('used_cpu_user')) * 1000;
}

export async function run(args: BenchArgs): Promise<void> {
  if (args.flag('help')) {
    console.log(HELP);
    return;
  }
  const count = args.number('count', 10_000);
  const windowMs = args.number('window', 60) * 1000;
  const leadMs = args.number('lead', 20) * 1000;
  const concurrency = args.number('concurrency', REMINDER_CONCURRENCY);
  const perSecond = args.number('per-second', 1000);
  const m = machine();
  console.log(`bench reminders: ${m.cores} cores (${m.cpu}), node ${m.node}, load average ${m.load1}`);
  console.log(`${count} reminders due over ${windowMs / 1000} s; worker concurrency ${concurrency}, limit ${perSecond}/s`);

  const prefix = `benchr${randomBytes(4).toString('hex')}`;
  const api = await new BotApiStandIn({ token: BENCH_TOKEN }).start();
  let db: BenchDb | undefined;
  let app: App | undefined;
  let producer: Redis | undefined;
  let queue: Queue<ReminderJob> | undefined;
  const cleanUp = async () => {
    await app?.stop().catch((err: unknown) => console.error('app stop failed:', err));
    await queue?.close().catch(() => undefined);
    producer?.disconnect();
    await api.stop();
    await db?.drop().catch((err: unknown) => console.error(`could not drop database ${db?.name}:`, err));
    await deleteRedisPrefix(prefix).catch((err: unknown) => console.error('could not delete Redis keys:', err));
  };
  const onSignal = () => {
    console.error('interrupted: cleaning up');
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    db = await createBenchDb();
    const config = loadConfig({
      BOT_TOKEN: BENCH_TOKEN,
      TELEGRAM_API_ROOT: api.apiRoot,
      DATABASE_URL: db.url,
      REDIS_URL,
      PORT: '0',
      APP_ROLE: 'worker',
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
      // The send budget (Telegram's ~30/s) at the measured limit: this measures the worker, not the cap.
      SEND_BUDGET_PER_SECOND: String(perSecond),
    });
    const logger = createLogger(config.logLevel, [config.botToken]);
    app = await startApp(config, { logger, workers: { reminders: { concurrency } } });

    const started = Date.now();
    const firstDue = started + leadMs;
    const fixture = await insertFixture(db.url, count, firstDue, windowMs);
    const inserted = Date.now();

    // The bot process's side: after each booking the scheduler queues its reminders.
    const received = new Map<number, number[]>();
    api.onCall((call) => {
      if (call.method !== 'sendMessage') return;
      const chat = Number(call.params.chat_id);
      const list = received.get(chat) ?? [];
      list.push(call.at);
      received.set(chat, list);
    });
    producer = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
    queue = new Queue<ReminderJob>(queueNames.reminders, { connection: producer, prefix, defaultJobOptions: reminderJobOptions });
    const scheduler = new ReminderScheduler(queue, { timeZone: config.timeZone, now: () => new Date(), logger });
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < fixture.bookings.length) await scheduler.bookingMade(fixture.bookings[next++]!, null);
      }),
    );
    const queued = Date.now();
    console.log(`set-up: fixture ${inserted - started} ms, queueing ${queued - inserted} ms; first reminder due ${firstDue - queued} ms after queueing`);
    if (queued > firstDue) console.log('warning: queueing ran past the first due time (use a longer --lead)');

    // Wait for every reminder (or until well past the window), then a little longer for repeats.
    // CPU time over the firing phase says more than lateness on a busy machine.
    const cpuBefore = process.cpuUsage();
    const redisBefore = await redisCpuMs(producer);
    const deadline = firstDue + windowMs + 30_000;
    while (received.size < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const cpu = process.cpuUsage(cpuBefore);
    const redisMs = (await redisCpuMs(producer)) - redisBefore;
    console.log(
      `CPU per reminder: this process (worker + stand-in) ${round((cpu.user + cpu.system) / 1000 / count, 2)} ms (${round(cpu.system / 1000 / count, 2)} ms in the kernel), Redis ${round(redisMs / count, 2)} ms; load average now ${machine().load1}`,
    );
    await new Promise((r) => setTimeout(r, 2_000));

    const late = new Latencies();
    let early = 0;
    let duplicates = 0;
    for (const [chat, due] of fixture.dueByChat) {
      const times = received.get(chat);
      if (!times) continue;
      duplicates += times.length - 1;
      const lateness = times[0]! - due;
      if (lateness < 0) early++;
      late.add(Math.max(0, lateness));
    }
    const missing = count - [...fixture.dueByChat.keys()].filter((c) => received.has(c)).length;
    const s = late.summary();
    const failed = await queue.getFailedCount();
    if (args.flag('jobs')) {
      // Where the lateness comes from: waiting to be picked up vs being processed.
      const pick = new Latencies();
      const work = new Latencies();
      for (const j of await queue.getCompleted(0, 9_999)) {
        pick.add((j.processedOn ?? 0) - j.data.dueAt);
        work.add((j.finishedOn ?? 0) - (j.processedOn ?? 0));
      }
      const [p, w] = [pick.summary(), work.summary()];
      console.log(`picked up after due: p50 ${round(p.p50)} ms, p99 ${round(p.p99)} ms; processing: p50 ${round(w.p50)} ms, p99 ${round(w.p99)} ms`);
    }
    console.log(`sent ${late.count}/${count} (missing ${missing}, failed jobs ${failed}), early ${early}, duplicates ${duplicates}`);
    console.log(`lateness: p50 ${round(s.p50)} ms, p90 ${round(s.p90)} ms, p99 ${round(s.p99)} ms, max ${round(s.max)} ms`);
    const goals = s.p99 < GOAL_P99_MS && s.max < GOAL_MAX_MS && early === 0 && duplicates === 0 && missing === 0;
    console.log(`goals (p99 < ${GOAL_P99_MS} ms, max < ${GOAL_MAX_MS} ms, none early, missing or repeated): ${goals ? 'met' : 'NOT met'}`);
    if (!goals) process.exitCode = 1;
    console.log(
      JSON.stringify({
        bench: 'reminders',
        count,
        early,
        late_p50_ms: Math.round(s.p50),
        late_p99_ms: Math.round(s.p99),
        late_max_ms: Math.round(s.max),
        duplicates,
        missing,
      }),
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanUp();
  }
}
