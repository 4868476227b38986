/**
 * What every benchmark needs: a database of its own (migrated and seeded, dropped at the end),
 * the Bot API stand-in, and the real app in webhook mode in this process, as
 * test/support/harness.ts starts it for the end-to-end tests.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import postgres from 'postgres';
import { Redis } from 'ioredis';
import { startApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDb } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { seed } from '../../src/db/seed.js';
import { createLogger } from '../../src/logger.js';
import { webhookPath } from '../../src/server/http.js';
import { BotApiStandIn } from '../../test/support/bot-api-stand-in.js';

export const BENCH_TOKEN = '7000000001:AAHStandInTokenForTestsOnly_0123456789';
export const BENCH_PROVIDER_TOKEN = '284685063:TEST:provider-token-for-tests';
export const BENCH_WEBHOOK_SECRET = 'bench-webhook-secret';
export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const machine = () => ({
  cores: os.availableParallelism(),
  /** 1-minute load average: other work on the machine skews every figure. */
  load1: Math.round(os.loadavg()[0]! * 10) / 10,
  cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
  mem_gb: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()}-${os.arch()}`,
});

const urlFor = (database: string): string => {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
};

async function admin<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export interface BenchDb {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh `tjd_bench_<random>` database, migrated with drizzle-kit's files and seeded from data/. */
export async function createBenchDb(timeZone = 'Asia/Shanghai'): Promise<BenchDb> {
  const name = `tjd_bench_${randomBytes(5).toString('hex')}`;
  await admin((sql) => sql.unsafe(`create database ${name}`));
  const url = urlFor(name);
  const drop = () => admin((sql) => sql.unsafe(`drop database if exists ${name} with (force)`)).then(() => undefined);
  try {
    await runMigrations(url);
    const handle = createDb(url, { max: 1 });
    try {
      await seed(handle.db, { timeZone });
    } finally {
      await handle.close();
    }
  } catch (err) {
    await drop().catch(() => undefined);
    throw err;
  }
  return { name, url, drop };
}

/** Deletes every Redis key under `prefix:` (SCAN, not KEYS: the server may be shared). */
export async function deleteRedisPrefix(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

export interface BenchApp {
  api: BotApiStandIn;
  app: App;
  db: BenchDb;
  prefix: string;
  /** Where Telegram would POST updates (the app's own port and webhook path). */
  webhookUrl: string;
  /** Headers Telegram sends with each webhook call. */
  webhookHeaders: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The stand-in, a fresh database and the real app (APP_ROLE=bot, webhook mode, silent logs, a queue
 * prefix of its own). `stop()` undoes all of it, whatever failed half-way.
 */
export async function startBenchApp(
  opts: {
    env?: Record<string, string>;
    /** `alter database … set` parameters for the app's connections (what-if experiments only). */
    dbSettings?: Record<string, string>;
  } = {},
): Promise<BenchApp> {
  const api = await new BotApiStandIn({ token: BENCH_TOKEN }).start();
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  let db: BenchDb | undefined;
  let app: App | undefined;
  const stop = async () => {
    await app?.stop().catch((err: unknown) => console.error('app stop failed:', err));
    await api.stop();
    await db?.drop().catch((err: unknown) => console.error(`could not drop database ${db?.name}:`, err));
    await deleteRedisPrefix(prefix).catch((err: unknown) => console.error('could not delete Redis keys:', err));
  };
  try {
    db = await createBenchDb();
    for (const [name, value] of Object.entries(opts.dbSettings ?? {})) {
      if (!/^[a-z_]+$/.test(name) || !/^[\w.-]+$/.test(value)) throw new Error(`bad setting ${name}=${value}`);
      const database = db.name;
      await admin((sql) => sql.unsafe(`alter database ${database} set ${name} = '${value}'`));
    }
    const config = loadConfig({
      BOT_TOKEN: BENCH_TOKEN,
      TELEGRAM_API_ROOT: api.apiRoot,
      DATABASE_URL: db.url,
      REDIS_URL,
      PORT: '0',
      APP_ROLE: 'bot',
      PAYMENT_PROVIDER_TOKEN: BENCH_PROVIDER_TOKEN,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
      // The app registers WEBHOOK_URL + path; the stand-in is pointed at the port actually bound below.
      WEBHOOK_URL: 'http://127.0.0.1:1',
      WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET,
      ...opts.env,
    });
    const logger = createLogger(config.logLevel, [config.botToken]);
    app = await startApp(config, { logger });
    const path = webhookPath(BENCH_WEBHOOK_SECRET);
    const webhookUrl = `http://127.0.0.1:${app.port}${path}`;
    if (api.webhook) api.webhook.url = webhookUrl;
    return {
      api,
      app,
      db,
      prefix,
      webhookUrl,
      webhookHeaders: { 'x-telegram-bot-api-secret-token': BENCH_WEBHOOK_SECRET },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
