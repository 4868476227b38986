import { randomBytes } from 'node:crypto';
import type { Update, User } from 'telegraf/types';
import { startApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { BotApiStandIn } from './bot-api-stand-in.js';
import { createTestDb, dbEnv, dropPrefix, REDIS_URL, redisEnv, type TestDb } from './db.js';
import { withId, type UpdateDraft } from './updates.js';
import { waitFor } from './wait.js';

export const TEST_TOKEN = '7000000001:AAHStandInTokenForTestsOnly_0123456789';
export const PROVIDER_TOKEN = '284685063:TEST:provider-token-for-tests';
/** At least 32 characters, as src/config.ts requires. */
export const TEST_WEBHOOK_SECRET = 'test-webhook-secret-0123456789abcdef';

/** What the app needs in its environment to run against the stand-in at `apiRoot`, on `databaseUrl` and the queue `prefix`. */
export const appEnv = (apiRoot: string, databaseUrl: string, prefix: string): Record<string, string> => ({
  BOT_TOKEN: TEST_TOKEN,
  TELEGRAM_API_ROOT: apiRoot,
  DATABASE_URL: databaseUrl,
  ...dbEnv(),
  ...redisEnv(),
  PORT: '0',
  // The admin server (/metrics, /readyz, /queues) on a free loopback port.
  ADMIN_PORT: '0',
  PAYMENT_PROVIDER_TOKEN: PROVIDER_TOKEN,
  QUEUE_PREFIX: prefix,
  // The stand-in enforces no per-chat rate unless a test asks; the tests' chats get many messages in
  // quick succession (taps, the support group), which the send budget's per-chat limits would spread
  // over seconds. test/integration/send-budget.test.ts checks those limits.
  SEND_BUDGET_CHAT_BURST: '10',
  SEND_BUDGET_GROUP_PER_MINUTE: '600',
});

export interface Harness {
  api: BotApiStandIn;
  app: App;
  db: TestDb;
  mode: 'polling' | 'webhook';
  /**
   * Delivers an update the way Telegram would in this mode and resolves once the inbox has tried
   * it once (handled, or failed and due for a retry, or parked).
   */
  deliver(update: UpdateDraft | Update): Promise<Update>;
  /** Webhook mode: the HTTP status the app answered the last delivery with (200 = stored, 500 = not stored, retry me). */
  lastWebhookStatus: number | null;
  stop(): Promise<void>;
  /** The configuration the app was started with. */
  config: Config;
  /**
   * Stops the app only (as a deploy or crash would) and starts a new one on the same database,
   * Redis prefix and Bot API stand-in; `app` then refers to the new one. Recorded calls are kept,
   * so a chat can go on pressing buttons of messages sent before the restart.
   */
  restart(): Promise<void>;
}

export interface HarnessOptions {
  mode?: 'polling' | 'webhook';
  env?: Record<string, string>;
  now?: () => Date;
  /** The app's logger (default: LOG_LEVEL to stdout); a test that reads the log output passes its own. */
  logger?: Logger;
}

/**
 * The real app (bot and workers, real Postgres and Redis) against the Bot API stand-in, with a
 * database and queue prefix of its own. Long polling by default; webhook mode posts updates to
 * the app's HTTP server with the secret token, as Telegram does.
 */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const mode = opts.mode ?? 'polling';
  const api = await new BotApiStandIn({ token: TEST_TOKEN }).start();
  const db = await createTestDb();
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    ...appEnv(api.apiRoot, db.url, prefix),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...(mode === 'webhook' ? { WEBHOOK_URL: 'http://127.0.0.1:1', WEBHOOK_SECRET: TEST_WEBHOOK_SECRET } : {}),
    ...opts.env,
  });
  const logger = opts.logger ?? createLogger(config.logLevel, [config.botToken]);
  const launch = async (): Promise<App> => {
    const started = await startApp(config, { logger, now: opts.now });
    if (mode === 'webhook') {
      // The app registers WEBHOOK_URL + path; point the stand-in at the port actually bound.
      const path = new URL(api.webhook!.url).pathname;
      api.webhook!.url = `http://127.0.0.1:${started.port}${path}`;
    }
    return started;
  };
  const app = await launch();
  /** Waiters for the first settled try of an update id. */
  const waiters = new Map<number, () => void>();
  /** Update ids tried at least once: delivering one again is a repeat, stored before (a no-op). */
  const tried = new Set<number>();
  const watch = (a: App) =>
    a.deps.metrics.onSettled((id) => {
      tried.add(id);
      waiters.get(id)?.();
    });
  watch(app);
  /** Resolves when update `id` has been tried once (within 10 s). */
  const settled = (id: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(id);
        reject(new Error(`update ${id} not handled within 10 s`));
      }, 10_000);
      waiters.set(id, () => {
        clearTimeout(timer);
        waiters.delete(id);
        resolve();
      });
    });
  const harness: Harness = {
    lastWebhookStatus: null,
    api,
    app,
    db,
    mode,
    config,
    async restart() {
      await harness.app.stop();
      harness.app = await launch();
      watch(harness.app);
    },
    async deliver(update) {
      const full = 'update_id' in update && typeof update.update_id === 'number' ? (update as Update) : withId(update);
      if (tried.has(full.update_id)) {
        // A repeat: stored before, so there is nothing to wait for but its acknowledgement.
        if (mode === 'webhook') harness.lastWebhookStatus = (await api.deliverWebhook(full)).status;
        else {
          api.pushUpdate(full);
          await waitFor('the repeat to be fetched and stored', () => api.pendingUpdateCount === 0);
        }
        return full;
      }
      const done = settled(full.update_id);
      if (mode === 'webhook') {
        const res = await api.deliverWebhook(full);
        harness.lastWebhookStatus = res.status;
        if (res.status !== 200) {
          waiters.delete(full.update_id);
          done.catch(() => undefined);
          if (res.status === 500) return full;
          throw new Error(`webhook answered ${res.status}`);
        }
      } else api.pushUpdate(full);
      await done;
      return full;
    },
    async stop() {
      await harness.app.stop();
      await api.stop();
      await db.drop();
      await dropPrefix(REDIS_URL, prefix);
    },
  };
  return harness;
}

export type { User };
