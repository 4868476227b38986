/**
 * What every benchmark needs: a database of its own (migrated and seeded, dropped at the end),
 * the Bot API stand-in in this process, and the real app in webhook mode in a child process of its
 * own (app-process.ts), as in production where Telegram is elsewhere: the load generator's and
 * the stand-in's work is not charged to the app.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { createDb } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { seed } from '../../src/db/seed.js';
import { BotApiStandIn } from '../../test/support/bot-api-stand-in.js';
import { ADMIN_URL, admin, deleteRedisPrefix, dropBenchDatabase, REDIS_URL } from './cleanup.js';
import { BenchChild } from './ipc.js';

export { ADMIN_URL, deleteRedisPrefix, REDIS_URL };

export const BENCH_TOKEN = '7000000001:AAHStandInTokenForTestsOnly_0123456789';
export const BENCH_PROVIDER_TOKEN = '284685063:TEST:provider-token-for-tests';
export const BENCH_WEBHOOK_SECRET = 'bench-webhook-secret-0123456789abcdef';

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
  const drop = () => dropBenchDatabase(name);
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

/**
 * Undo-everything callbacks of what is running (children, databases, Redis keys), for a second
 * Ctrl-C: `cleanUpNow()` runs them all at once instead of waiting for the current phase.
 */
const emergencies = new Set<() => Promise<void>>();

/** Kills the children and removes the databases and Redis keys of everything still running. */
export async function cleanUpNow(): Promise<void> {
  await Promise.allSettled([...emergencies].map((fn) => fn()));
}

/**
 * The app's environment, and nothing else of the app's configuration from this process's
 * environment (these are the variables src/config.ts reads; bench/run.ts adds .env's to it).
 */
const APP_CONFIG_KEYS = [
  'BOT_TOKEN',
  'TELEGRAM_API_ROOT',
  'DATABASE_URL',
  'REDIS_URL',
  'APP_ROLE',
  'WEBHOOK_URL',
  'WEBHOOK_SECRET',
  'PORT',
  'PAYMENT_PROVIDER_TOKEN',
  'SUPPORT_CHAT_ID',
  'SUPPORT_HOURS',
  'SUPPORT_SLA_MINUTES',
  'ADMIN_IDS',
  'TZ_BUSINESS',
  'DEFAULT_LOCALE',
  'LOG_LEVEL',
  'HANDLER_TIMEOUT_MS',
  'QUEUE_PREFIX',
  'SEED_ON_START',
  'CAMPAIGN_RATE',
  'CAMPAIGN_PAID_BROADCAST',
  'SEND_BUDGET_PER_SECOND',
  'SEND_BUDGET_GROUP_PER_MINUTE',
  'SEND_BUDGET_CHAT_BURST',
];

function childEnv(vars: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of APP_CONFIG_KEYS) delete env[key];
  return { ...env, ...vars };
}

export interface BenchApp {
  api: BotApiStandIn;
  /** The app's process. */
  child: BenchChild;
  db: BenchDb;
  prefix: string;
  /** Where Telegram would POST updates (the app's own port and webhook path). */
  webhookUrl: string;
  /** Headers Telegram sends with each webhook call. */
  webhookHeaders: Record<string, string>;
  /** Stops the app's process, the stand-in, drops the database and the Redis keys (once). */
  stop(): Promise<void>;
}

/**
 * The stand-in, a fresh database and the real app in a child process (APP_ROLE=bot, webhook mode,
 * silent logs, a queue prefix of its own). `stop()` undoes all of it, whatever failed half-way.
 */
export async function startBenchApp(
  opts: {
    env?: Record<string, string>;
    /** `alter database … set` parameters for the app's connections (what-if experiments only). */
    dbSettings?: Record<string, string>;
    /** Record the app's SQL and Redis events for `--trace` (trace.ts). */
    trace?: boolean;
    /** Worker processes (APP_ROLE=worker) to start beside the app, with the same settings. */
    workers?: number;
  } = {},
): Promise<BenchApp> {
  const api = await new BotApiStandIn({ token: BENCH_TOKEN }).start();
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  let db: BenchDb | undefined;
  let child: BenchChild | undefined;
  const workers: BenchChild[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.all(workers.map((w) => w.stop().catch((err: unknown) => console.error('worker stop failed:', err))));
      await child?.stop().catch((err: unknown) => console.error('app stop failed:', err));
      await api.stop();
      await db?.drop().catch((err: unknown) => console.error(`could not drop database ${db?.name}:`, err));
      await deleteRedisPrefix(prefix).catch((err: unknown) => console.error('could not delete Redis keys:', err));
      emergencies.delete(emergency);
    })());
  const emergency = async () => {
    child?.kill();
    for (const w of workers) w.kill();
    await stop();
  };
  emergencies.add(emergency);
  try {
    db = await createBenchDb();
    for (const [name, value] of Object.entries(opts.dbSettings ?? {})) {
      if (!/^[a-z_]+$/.test(name) || !/^[\w.-]+$/.test(value)) throw new Error(`bad setting ${name}=${value}`);
      const database = db.name;
      await admin((sql) => sql.unsafe(`alter database ${database} set ${name} = '${value}'`));
    }
    const env = {
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
      ...(opts.trace ? { BENCH_TRACE: '1' } : {}),
      // Should this process die without cleaning up (killed), the app's process does it.
      BENCH_CLEANUP_DATABASE: db.name,
      ...opts.env,
    };
    const started = await BenchChild.start('app', new URL('./app-process.ts', import.meta.url), childEnv(env));
    child = started.child;
    for (let i = 1; i <= (opts.workers ?? 0); i++) {
      const w = await BenchChild.start(`worker${i}`, new URL('./app-process.ts', import.meta.url), childEnv({ ...env, APP_ROLE: 'worker' }));
      workers.push(w.child);
    }
    const path = started.ready.info?.webhookPath;
    if (!path) throw new Error('the app runs no webhook');
    const webhookUrl = `http://127.0.0.1:${started.ready.port}${path}`;
    if (api.webhook) api.webhook.url = webhookUrl;
    return {
      api,
      child,
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

export interface Baseline {
  api: BotApiStandIn;
  /** The bare bot's process. */
  child: BenchChild;
  url: string;
  stop(): Promise<void>;
}

/** The stand-in and a bare telegraf bot in a child process (baseline-process.ts). */
export async function startBaseline(): Promise<Baseline> {
  const api = await new BotApiStandIn({ token: BENCH_TOKEN }).start();
  let child: BenchChild | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await child?.stop().catch((err: unknown) => console.error('baseline stop failed:', err));
      await api.stop();
      emergencies.delete(emergency);
    })());
  const emergency = async () => {
    child?.kill();
    await stop();
  };
  emergencies.add(emergency);
  try {
    const started = await BenchChild.start(
      'baseline',
      new URL('./baseline-process.ts', import.meta.url),
      childEnv({ BOT_TOKEN: BENCH_TOKEN, TELEGRAM_API_ROOT: api.apiRoot, WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET }),
    );
    child = started.child;
    return { api, child, url: `http://127.0.0.1:${started.ready.port}${started.ready.info?.webhookPath ?? '/'}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
