import type http from 'node:http';
import { Redis } from 'ioredis';
import type { Update } from 'telegraf/types';
import { createBot, registerCommands, type Bot } from './bot/index.js';
import { failedUpdates } from './bot/middlewares/index.js';
import { webhookReplySinks, type WebhookReplySink } from './bot/webhook-reply.js';
import type { Config } from './config.js';
import type { DbHandle } from './db/client.js';
import { runMigrations } from './db/migrate.js';
import { isCatalogEmpty, seed } from './db/seed.js';
import { databaseOf, ensureDatabase, redactUrl, startHint } from './db/server.js';
import { createDeps, type AppDeps } from './deps.js';
import { createWorkers, type Workers } from './jobs/index.js';
import { queueList } from './jobs/outbox.js';
import { scheduleMaintenance } from './jobs/queues.js';
import { scheduleStore } from './jobs/store/store-jobs.js';
import type { Logger } from './logger.js';
import { createHttpServer, webhookPath } from './server/http.js';

export const allowedUpdates = ['message', 'callback_query', 'pre_checkout_query', 'shipping_query', 'my_chat_member'] as const;

/** Raised when a backing service cannot be reached at start: the message names which one. */
export class StartupError extends Error {
  override name = 'StartupError';
}

export interface App {
  deps: AppDeps;
  bot: Bot | null;
  server: http.Server | null;
  /** The HTTP port actually bound (useful with PORT=0 in tests). */
  port: number | null;
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Run migrations (and seed an empty catalog) before starting: `npm run dev` does. */
  migrate?: boolean;
  now?: () => Date;
  /** Worker tuning (benchmarks, tests): e.g. the reminders worker's concurrency or Telegram client. */
  workers?: Parameters<typeof createWorkers>[3];
}

async function checkPostgres(db: DbHandle, url: string) {
  try {
    await db.sql`select 1`;
  } catch (err) {
    throw new StartupError(`Cannot reach Postgres at ${redactUrl(url)}: ${(err as Error).message}${startHint(err, 'DATABASE_URL')}`);
  }
}

async function checkRedis(url: string) {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  // What the socket said (ECONNREFUSED…); connect() itself only rejects with "Connection is closed".
  let cause: unknown = null;
  probe.on('error', (err) => (cause ??= err));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new StartupError(`Cannot reach Redis at ${redactUrl(url)}: ${((cause ?? err) as Error).message}${startHint(cause ?? err, 'REDIS_URL')}`);
  } finally {
    probe.disconnect();
  }
}

/**
 * Wires and starts the roles in `config.role`: the bot (long polling, or webhook behind the HTTP
 * server), the BullMQ workers, and the HTTP server with /healthz and /metrics.
 */
export async function startApp(config: Config, opts: StartOptions = {}): Promise<App> {
  // `npm run dev` on a fresh machine: the database DATABASE_URL names is made when missing.
  if (opts.migrate) {
    await ensureDatabase(config.databaseUrl).catch((err: unknown) => {
      throw new StartupError(`Cannot create the database "${databaseOf(config.databaseUrl)}" at ${redactUrl(config.databaseUrl)}: ${(err as Error).message}`);
    });
  }
  const deps = createDeps(config, { logger: opts.logger, now: opts.now });
  const { logger, dbHandle, queues, outbox, redis } = deps;
  try {
    await checkPostgres(dbHandle, config.databaseUrl);
    await checkRedis(config.redisUrl);
    // Each queue reads Redis's version once when made, and a queue whose check failed (Redis went away
    // meanwhile) fails every call for good: start only with queues that are ready.
    await Promise.all(queueList(queues).map((q) => q.waitUntilReady())).catch((err: unknown) => {
      throw new StartupError(`Redis at ${redactUrl(config.redisUrl)} went away while the queues started: ${(err as Error).message}`);
    });
  } catch (err) {
    await deps.close();
    throw err;
  }
  if (opts.migrate) {
    await runMigrations(config.databaseUrl);
    if (config.seedOnStart || (await isCatalogEmpty(dbHandle.db))) {
      await seed(dbHandle.db, { timeZone: config.timeZone });
      logger.info('catalog seeded from data/catalog.json');
    }
  }
  // Workers block on Redis (BRPOPLPUSH …), so they get a connection of their own that waits.
  const bullConnection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  bullConnection.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const { metrics } = deps;

  try {
    await deps.services.staff.bootstrapAdmins(config.adminIds);
  } catch (err) {
    throw new StartupError(`Cannot read the staff table (are the migrations applied? npm run db:migrate): ${(err as Error).message}`);
  }

  const runsBot = config.role === 'bot' || config.role === 'all';
  const runsWorker = config.role === 'worker' || config.role === 'all';
  let bot: Bot | null = null;
  let workers: Workers | null = null;
  let inFlight = 0;
  let idle: (() => void) | null = null;

  /**
   * Handles a webhook update; false when it failed and Telegram should deliver it again. Resolves
   * when the handler has really ended (telegraf's own timeout is off, src/bot/index.ts), so
   * `inFlight`, which shutdown waits on, counts every handler still running.
   */
  const handle = async (update: Update, sink?: WebhookReplySink): Promise<boolean> => {
    inFlight++;
    if (sink) webhookReplySinks.set(update, sink);
    try {
      await bot!.handleUpdate(update);
      return !failedUpdates.has(update);
    } finally {
      inFlight--;
      if (inFlight === 0) idle?.();
    }
  };

  if (runsWorker) {
    await scheduleMaintenance(queues, config.timeZone);
    await scheduleStore(queues.store, config.timeZone);
    workers = createWorkers(deps, bullConnection, queues, opts.workers);
    await outbox.flush().catch((err: unknown) => logger.error({ err }, 'job outbox flush at start failed'));
  }

  if (runsBot) {
    bot = createBot(deps);
    bot.botInfo = await bot.telegram.getMe();
    await registerCommands(bot, deps).catch((err: unknown) => logger.warn({ err }, 'setMyCommands failed'));
  }

  const server = createHttpServer({
    port: config.port,
    logger,
    metrics,
    health: [
      { name: 'postgres', check: async () => void (await dbHandle.sql`select 1`) },
      { name: 'redis', check: async () => void (await redis.ping()) },
    ],
    webhook: bot && config.webhook ? { path: webhookPath(config.webhook.secret), secret: config.webhook.secret, handle } : undefined,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : null;

  /** Settles when long polling has stopped and the batch in hand is handled (telegraf 4.16). */
  let pollingDone: Promise<void> | null = null;
  if (bot && config.webhook) {
    const url = `${config.webhook.url.replace(/\/+$/, '')}${webhookPath(config.webhook.secret)}`;
    await bot.telegram.setWebhook(url, { secret_token: config.webhook.secret, allowed_updates: [...allowedUpdates], max_connections: 40 });
    logger.info({ port }, 'bot started (webhook)');
  } else if (bot) {
    const b = bot;
    await new Promise<void>((resolve, reject) => {
      pollingDone = b.launch({ allowedUpdates: [...allowedUpdates], dropPendingUpdates: false }, () => resolve());
      pollingDone.catch(reject);
    });
    logger.info({ port }, 'bot started (long polling)');
  }
  if (workers) logger.info('workers started');

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('shutting down');
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      if (bot && !config.webhook) {
        try {
          bot.stop('SIGTERM');
        } catch {
          // not running
        }
        await pollingDone?.catch((err: unknown) => logger.warn({ err }, 'polling ended with an error'));
      }
      if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
      await workers?.close();
      await bullConnection.quit().catch(() => undefined);
      await deps.close();
      logger.info('stopped');
    })());

  return { deps, bot, server, port, stop };
}
