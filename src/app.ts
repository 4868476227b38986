import type http from 'node:http';
import type { Update } from 'telegraf/types';
import { InboxConsumer } from './bot/inbox-consumer.js';
import { noticeParked } from './bot/inbox-notices.js';
import { createBot, registerCommands, type Bot } from './bot/index.js';
import { failedUpdates, stateSinks, updateAttempts } from './bot/middlewares/index.js';
import { fatalMessage, Poller, PollingFatalError } from './bot/poller.js';
import type { Config } from './config.js';
import type { DbHandle } from './db/client.js';
import { IngestBatcher, type FinishState, type RawUpdate } from './domain/inbox/index.js';
import { runMigrations } from './db/migrate.js';
import { isCatalogEmpty, seed } from './db/seed.js';
import { databaseOf, ensureDatabase, redactUrl, startHint } from './db/server.js';
import { createDeps, type AppDeps } from './deps.js';
import { createWorkers, type Workers } from './jobs/index.js';
import { queueList } from './jobs/outbox.js';
import { scheduleMaintenance } from './jobs/queues.js';
import { scheduleReports } from './jobs/reports/scheduled-reports.js';
import { scheduleStore } from './jobs/store/store-jobs.js';
import type { Logger } from './logger.js';
import { readinessChecks, watchQueuesAndInbox } from './server/observability.js';
import { createAdminServer } from './server/admin.js';
import { createHttpServer, webhookPath } from './server/http.js';
import { createRedis, describeRedis, type RedisTarget } from './shared/redis.js';

export const allowedUpdates = ['message', 'callback_query', 'pre_checkout_query', 'shipping_query', 'my_chat_member', 'chat_join_request'] as const;

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
  /** The admin server (/metrics, /readyz, /queues) when ADMIN_PORT is set, and the port it bound. */
  admin: http.Server | null;
  adminPort: number | null;
  /** This process's BullMQ workers (worker and all roles). */
  workers: Workers | null;
  /** Settles (never resolves) if the app can no longer receive updates: long polling got 409 or 401. src/main.ts exits non-zero. */
  fatal: Promise<never>;
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

async function checkRedis(target: RedisTarget) {
  const probe = createRedis(target, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  // What the socket said (ECONNREFUSED…); connect() itself only rejects with "Connection is closed".
  let cause: unknown = null;
  probe.on('error', (err: Error) => (cause ??= err));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new StartupError(`Cannot reach Redis at ${describeRedis(target)}: ${((cause ?? err) as Error).message}${startHint(cause ?? err, 'REDIS_URL')}`);
  } finally {
    probe.disconnect();
  }
}

/**
 * Wires and starts the roles in `config.role`: the bot (long polling, or webhook behind the HTTP
 * server), the BullMQ workers, the public HTTP server (webhook, /healthz) and, with ADMIN_PORT,
 * the admin server (/metrics, /readyz, the queue dashboard).
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
    await checkRedis(config.redis);
    // Each queue reads Redis's version once when made, and a queue whose check failed (Redis went away
    // meanwhile) fails every call for good: start only with queues that are ready.
    await Promise.all(queueList(queues).map((q) => q.waitUntilReady())).catch((err: unknown) => {
      throw new StartupError(`Redis at ${describeRedis(config.redis)} went away while the queues started: ${(err as Error).message}`);
    });
  } catch (err) {
    await deps.close();
    throw err;
  }
  if (opts.migrate) {
    await runMigrations(config.databaseUrl, { prepare: config.database.prepare });
    if (config.seedOnStart || (await isCatalogEmpty(dbHandle.db))) {
      await seed(dbHandle.db, { timeZone: config.timeZone });
      logger.info('catalog seeded from data/catalog.json');
    }
  }
  // Workers block on Redis (BRPOPLPUSH …), so they get a connection of their own that waits.
  const bullConnection = createRedis(config.redis, { maxRetriesPerRequest: null });
  bullConnection.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
  const { metrics } = deps;
  // BullMQ prints an 'error' nobody listens to on the console (every reconnect while Redis is
  // down): into the log instead, with the queue's name.
  for (const q of queueList(queues)) q.on('error', (err) => logger.warn({ err: err.message, queue: q.name }, 'queue: redis error'));

  try {
    await deps.services.staff.bootstrapAdmins(config.adminIds);
  } catch (err) {
    throw new StartupError(`Cannot read the staff table (are the migrations applied? npm run db:migrate): ${(err as Error).message}`);
  }

  const runsBot = config.role === 'bot' || config.role === 'all';
  const runsWorker = config.role === 'worker' || config.role === 'all';
  let bot: Bot | null = null;
  let workers: Workers | null = null;
  let consumer: InboxConsumer | null = null;
  let poller: Poller | null = null;
  let accepting = true;
  let reportFatal: (err: Error) => void = () => undefined;
  const fatal = new Promise<never>((_, reject) => (reportFatal = reject));
  fatal.catch(() => undefined);

  /**
   * Stores a batch and claims, in the same round trip, what this process may handle at once (free
   * slots, and every pre-checkout query: answered now, ahead of its chat); what it could not claim
   * is left to the consumer's next look, at once. The claimed rows are handled while the commit is
   * flushed to disk: the batch is acknowledged (the webhook's 200, the polling offset) only once
   * `durable()` says it is on disk. Should Postgres lose it before, it was not acknowledged, so
   * Telegram delivers it again; whatever its handler wrote came later in the WAL and is lost with it.
   */
  const ingest = async (rows: RawUpdate[]): Promise<number[]> => {
    const { fresh, claimed } = await deps.services.inbox.ingestAndClaim(rows, consumer?.free ?? 0);
    if (consumer) {
      consumer.take(claimed);
      if (claimed.length < fresh.length) consumer.missed();
    }
    await deps.services.inbox.durable();
    return fresh;
  };
  const batcher = new IngestBatcher(ingest);

  if (runsWorker) {
    await scheduleMaintenance(queues, config.timeZone, config.retentionDays);
    await scheduleStore(queues.store, config.timeZone);
    await scheduleReports(queues.reports, config.timeZone);
    workers = createWorkers(deps, bullConnection, queues, opts.workers);
    for (const w of workers.all) w.on('error', (err) => logger.warn({ err: err.message, queue: w.name }, 'worker: redis error'));
    await outbox.flush().catch((err: unknown) => logger.error({ err }, 'job outbox flush at start failed'));
  }

  if (runsBot) {
    const b = (bot = createBot(deps));
    try {
      b.botInfo = await b.telegram.getMe();
    } catch (err) {
      const res = (err as { response?: { error_code?: number; description?: string } }).response;
      if (res?.error_code === 401) {
        await workers?.close();
        await bullConnection.quit().catch(() => undefined);
        await deps.close();
        throw new StartupError(fatalMessage(401, res.description ?? 'Unauthorized'));
      }
      throw err;
    }
    await registerCommands(b, deps).catch((err: unknown) => logger.warn({ err }, 'setMyCommands failed'));
    consumer = new InboxConsumer({
      inbox: deps.services.inbox,
      concurrency: config.inbox.concurrency,
      logger,
      handle: async (update, attempt) => {
        updateAttempts.set(update, attempt);
        const sink: { state: FinishState | null } = { state: null };
        stateSinks.set(update, sink);
        await b.handleUpdate(update as unknown as Update);
        return { reason: failedUpdates.get(update) ?? null, state: sink.state };
      },
      onSettled: (row, outcome, reason) => {
        metrics.settled(row.updateId, outcome);
        if (outcome === 'parked') {
          logger.error({ updateId: row.updateId, attempts: row.attempts, reason }, 'inbox: update parked after its last try');
          noticeParked(deps, row, reason ?? '').catch((err: unknown) => logger.warn({ err }, 'parked-update notice failed'));
        }
      },
    });
  }

  let stopping: Promise<void> | null = null;
  let admin: http.Server | null = null;
  let adminPort: number | null = null;
  /**
   * Stops intake first (the webhook answers 503, the poller fetches no more; what was stored stays
   * pending), lets the handlers in flight finish and be recorded, then closes the rest. Killed
   * anyway, a handler's row stays pending under a claim that expires: it is handled again.
   */
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      logger.info('shutting down');
      accepting = false;
      await poller?.stop();
      // Idle keep-alive connections are closed at once; calls in flight get their answer (503 from
      // now on), and whatever is still open a moment later is cut, so stop never waits on a client.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections?.();
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => (grace = setTimeout(resolve, 2000)))]);
      clearTimeout(grace);
      server.closeAllConnections?.();
      await closed;
      await consumer?.stop();
      await workers?.close();
      // The admin port last: /readyz says "shutting down" while handlers and jobs drain.
      const a = admin;
      if (a) {
        await new Promise<void>((resolve) => a.close(() => resolve()));
        a.closeAllConnections?.();
      }
      await bullConnection.quit().catch(() => undefined);
      await deps.close();
      logger.info('stopped');
    })());

  const server = createHttpServer({
    port: config.port,
    logger,
    metrics,
    health: [
      { name: 'postgres', check: async () => void (await dbHandle.sql`select 1`) },
      { name: 'redis', check: async () => void (await redis.ping()) },
    ],
    webhook:
      bot && config.webhook
        ? {
            path: webhookPath(config.webhook.secret),
            secret: config.webhook.secret,
            accepting: () => accepting,
            ingest: async (update: Update) => void (await batcher.add(update as unknown as RawUpdate)),
          }
        : undefined,
  });
  const port = await listen(server, config.port);

  // The admin port: /metrics, /readyz, the queue dashboard.
  watchQueuesAndInbox(deps);
  if (config.admin.port !== null) {
    admin = createAdminServer({
      metrics,
      readiness: readinessChecks({
        deps,
        workers: workers?.all ?? null,
        poller: bot && !config.webhook ? () => poller : undefined,
        accepting: () => accepting,
      }),
      queues: queueList(queues),
      password: config.admin.password,
      token: config.admin.token,
      logger,
    });
    try {
      adminPort = await listen(admin, config.admin.port, config.admin.host);
    } catch (err) {
      await stop();
      throw new StartupError(`Cannot open the admin port ${config.admin.host}:${config.admin.port} (ADMIN_PORT, ADMIN_HOST): ${(err as Error).message}`);
    }
    logger.info(
      { host: config.admin.host, port: adminPort, dashboard: !!(config.admin.password || config.admin.token) },
      config.admin.password || config.admin.token
        ? 'admin server: /metrics, /readyz, /queues'
        : 'admin server: /metrics, /readyz (queue dashboard off: set ADMIN_PASSWORD or ADMIN_TOKEN)',
    );
  }

  consumer?.start();
  if (bot && config.webhook) {
    const url = `${config.webhook.url.replace(/\/+$/, '')}${webhookPath(config.webhook.secret)}`;
    await bot.telegram.setWebhook(url, { secret_token: config.webhook.secret, allowed_updates: [...allowedUpdates], max_connections: 40 });
    logger.info({ port }, 'bot started (webhook)');
  } else if (bot) {
    const p = (poller = new Poller({
      telegram: bot.telegram,
      allowedUpdates,
      ingest,
      logger,
      timeoutS: config.pollTimeoutS,
      onSuccess: (at) => metrics.pollingSucceeded(at),
    }));
    try {
      await p.start();
    } catch (err) {
      await stop();
      throw err instanceof PollingFatalError ? new StartupError(err.message) : err;
    }
    p.done.catch((err: unknown) => {
      if (err instanceof PollingFatalError) reportFatal(err);
      else logger.error({ err }, 'long polling ended with an error');
    });
    logger.info({ port }, 'bot started (long polling)');
  }
  if (workers) logger.info('workers started');

  return { deps, bot, server, port, admin, adminPort, workers, fatal, stop };
}

/** Listens on `port` (0: any free one) and resolves with the port bound. */
async function listen(server: http.Server, port: number, host?: string): Promise<number | null> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (host) server.listen(port, host, done);
    else server.listen(port, done);
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : null;
}
