/**
 * Helpers for the reminder tests: a clock that can be moved (the app's `now`), a producer side
 * (services whose events queue reminders, without any worker), a worker-only app against the Bot
 * API stand-in, and waiting for jobs to finish.
 */
import { randomBytes } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import { createRedis } from '../../src/shared/redis.js';
import { startApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createServices, type Services } from '../../src/deps.js';
import { fanOut } from '../../src/domain/events.js';
import { queueNames, reminderJobOptions, type ReminderJob } from '../../src/jobs/queues.js';
import { ReminderScheduler } from '../../src/jobs/reminders/scheduler.js';
import { createLogger } from '../../src/logger.js';
import { BotApiStandIn } from './bot-api-stand-in.js';
import { createTestDb, dbEnv, dropPrefix, REDIS_CLUSTER_NODES, REDIS_URL, type TestDb } from './db.js';
import { TEST_TOKEN } from './harness.js';

/** Wall-clock time of `at` in Asia/Shanghai, for choosing a daytime or night clock. */
export const shanghaiHour = (at: Date): number => Number(new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', hour: '2-digit', hourCycle: 'h23' }).format(at));

/**
 * A ticking clock with an adjustable offset from the real one. BullMQ counts delays in real
 * milliseconds, so a clock that ticks at the real rate keeps "due in 2 s" meaning 2 s.
 */
export class TestClock {
  offsetMs = 0;
  readonly now = (): Date => new Date(Date.now() + this.offsetMs);

  /** Makes `now()` read `at` at this moment (and tick on from there). */
  set(at: Date): void {
    this.offsetMs = at.getTime() - Date.now();
  }

  /** Moves the clock to the next `hour`:`minute` Shanghai time (today or tomorrow), keeping it ticking. */
  setShanghai(hour: number, minute = 0): void {
    const real = new Date();
    const shanghaiNow = new Date(real.getTime() + 8 * 3_600_000);
    const target = Date.UTC(shanghaiNow.getUTCFullYear(), shanghaiNow.getUTCMonth(), shanghaiNow.getUTCDate(), hour, minute) - 8 * 3_600_000;
    this.set(new Date(target));
  }
}

export const uniquePrefix = (): string => `r${randomBytes(4).toString('hex')}`;

export function testConfig(db: TestDb, redisUrl: string, prefix: string, api: BotApiStandIn | null, env: Record<string, string> = {}): Config {
  return loadConfig({
    BOT_TOKEN: TEST_TOKEN,
    TELEGRAM_API_ROOT: api?.apiRoot ?? 'http://127.0.0.1:1',
    DATABASE_URL: db.url,
    ...dbEnv(),
    REDIS_URL: redisUrl,
    // The tests' cluster when the file runs in the redis-cluster project (test/support/db.ts).
    ...(redisUrl === REDIS_URL && REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES } : {}),
    PORT: '0',
    APP_ROLE: 'worker',
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
}

/** The producer side as a bot process has it: services whose events queue reminders. */
export interface Producer {
  queue: Queue<ReminderJob>;
  scheduler: ReminderScheduler;
  services: Services;
  /** The same services without events: changes the scheduler never hears about. */
  quiet: Services;
  close(): Promise<void>;
}

export function createProducer(db: TestDb, config: Config, clock: TestClock): Producer {
  const connection = createRedis(config.redis, { maxRetriesPerRequest: 3 });
  connection.on('error', () => undefined);
  const queue = new Queue<ReminderJob>(queueNames.reminders, { connection, prefix: config.queuePrefix, defaultJobOptions: reminderJobOptions });
  const logger = createLogger(config.logLevel, []);
  const scheduler = new ReminderScheduler(queue, { timeZone: config.timeZone, now: clock.now, logger });
  const hooks = fanOut([scheduler], (err) => {
    throw err;
  });
  return {
    queue,
    scheduler,
    services: createServices(db.db, config, { now: clock.now, events: hooks }),
    quiet: createServices(db.db, config, { now: clock.now }),
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}

/** A worker-only app (APP_ROLE=worker) on the given clock. */
export async function startWorker(config: Config, clock: TestClock): Promise<App> {
  return startApp({ ...config, role: 'worker' }, { now: clock.now, logger: createLogger(config.logLevel, []) });
}

/** Resolves with the job once it has completed or failed (polling: no QueueEvents connection needed). */
export async function settled(queue: Queue<ReminderJob>, id: string, timeoutMs = 10_000): Promise<Job<ReminderJob>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    // State first, then the job: read the other way round, a job fetched while active could be
    // paired with the state 'completed' and miss its return value.
    const state = await queue.getJobState(id);
    if (state === 'completed' || state === 'failed') return (await queue.getJob(id))!;
    if (Date.now() > until) throw new Error(`job ${id} is still ${state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Makes a queued job due now and waits for the worker to finish it; resolves with its outcome. */
export async function fire(queue: Queue<ReminderJob>, id: string): Promise<unknown> {
  const job = await queue.getJob(id);
  if (!job) throw new Error(`no job ${id}`);
  await job.promote();
  const done = await settled(queue, id);
  if (done.failedReason) throw new Error(`job ${id} failed: ${done.failedReason}`);
  return done.returnvalue;
}

/**
 * What a reminders test file runs against: a database of its own, the Bot API stand-in, the
 * producer side and (unless told otherwise) a worker, all on `clock` and the queue prefix given.
 */
export interface ReminderBed {
  t: TestDb;
  api: BotApiStandIn;
  p: Producer;
  worker: App | null;
}

export async function startReminderBed(prefix: string, clock: TestClock): Promise<ReminderBed & { worker: App }>;
export async function startReminderBed(prefix: string, clock: TestClock, opts: { worker: false }): Promise<ReminderBed & { worker: null }>;
export async function startReminderBed(prefix: string, clock: TestClock, opts: { worker?: boolean } = {}): Promise<ReminderBed> {
  const t = await createTestDb();
  const api = await new BotApiStandIn({ token: TEST_TOKEN }).start();
  const config = testConfig(t, REDIS_URL, prefix, api);
  const p = createProducer(t, config, clock);
  const worker = opts.worker === false ? null : await startWorker(config, clock);
  return { t, api, p, worker };
}

/** Stops what startReminderBed started (what of it did start) and deletes the prefix's keys. */
export async function stopReminderBed(bed: Partial<ReminderBed>, prefix: string): Promise<void> {
  await bed.worker?.stop();
  await bed.p?.close();
  await bed.api?.stop();
  await bed.t?.drop();
  await dropPrefix(REDIS_URL, prefix);
}

/** sendMessage calls to one chat that the stand-in answered. */
export const sentTo = (api: BotApiStandIn, chatId: number) => api.messagesTo(chatId, { delivered: true }).filter((c) => c.method === 'sendMessage');
