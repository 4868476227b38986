import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { createFmt } from './telegram/format.js';
import { ConfigError, loadOpsConfig } from './config.js';
import { createDb } from './db/client.js';
import { isUnreachable, rootCause } from './db/server.js';
import { createServices } from './deps.js';
import { createRedis } from './shared/redis.js';
import { createQueues } from './jobs/queues.js';
import { JobOutbox, queueList } from './jobs/outbox.js';
import { reminderEvents } from './jobs/reminders/scheduler.js';
import { storeEvents } from './jobs/store/store-jobs.js';
import { noStoreEvents } from './domain/store/events.js';
import { createLogger } from './logger.js';
import { createI18n } from './i18n.js';
import { EXIT, parseArgs, runCommand, type CliIo } from './ops/cli.js';
import { cliActor } from './ops/actor.js';

/**
 * The ops CLI (`npm run ops -- <command> [--json] [--lang en|zh-CN]`, see src/ops/cli.ts) as a
 * function: its arguments, environment and output are given, the exit code is returned.
 * src/ops-cli.ts binds it to the process; the tests call it in their own process.
 *
 * Reads only what it uses (loadOpsConfig, src/config.ts): the database, Redis and the business
 * settings, never BOT_TOKEN, as it sends nothing to Telegram itself. Domain events go to the same BullMQ queues as the bot's: a step taken here is
 * audited, and the worker tells the customer and (re)schedules their reminders, exactly as for a
 * step in /ops.
 */
export async function runOpsCli(argv: string[], env: Record<string, string | undefined>, io: CliIo): Promise<number> {
  const i18n = createI18n('en');
  const parsed = parseArgs(argv, (lang) => i18n.t(lang));
  const t = i18n.t(parsed.lang);
  if (parsed.problem) {
    if (parsed.json) io.out(JSON.stringify({ ok: false, error: { code: 'usage', message: parsed.problem } }, null, 2));
    else io.err(parsed.problem);
    return EXIT.usage;
  }
  if (parsed.help || !parsed.command) {
    io.out(t('ops.cli.usage'));
    io.out(t('catalogOps.cli.usage'));
    return parsed.help ? EXIT.ok : EXIT.usage;
  }
  let config;
  try {
    config = loadOpsConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(err.message);
    return EXIT.usage;
  }
  const handle = createDb(config.databaseUrl, { max: config.database.poolMax, prepare: config.database.prepare });
  // Fail fast when Redis is down: the step is still taken and audited; the lost notice is logged.
  const redis = createRedis(config.redis, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
  redis.on('error', () => undefined);
  const queues = createQueues(redis, config.queuePrefix);
  try {
    // BullMQ starts connecting a lazy client as soon as a Queue is made on it, so a second
    // connect() would fail with "already connecting": wait for the outcome instead.
    let redisDown = false;
    await new Promise<void>((resolve, reject) => {
      if (redis.status === 'ready') return resolve();
      redis.once('ready', () => resolve());
      redis.once('error', reject);
      redis.once('end', () => reject(new Error('connection closed')));
      if (redis.status === 'wait') redis.connect().catch(reject);
    }).catch((err: unknown) => {
      redisDown = true;
      io.err(t('ops.cli.no_redis', { message: err instanceof Error ? err.message : String(err) }));
    });
    // Log lines go to stderr through io, one write each (pino ends every line with a newline).
    const logger = createLogger('warn', [], { write: (line: string) => io.err(line.replace(/\n$/, '')) });
    // With Redis down, the customers' notices wait in job_outbox; a worker replays them within a minute.
    const outbox = new JobOutbox(handle.db, queueList(queues), { now: () => new Date(), logger, redisDown: () => redisDown });
    const hooks = reminderEvents(queues.reminders, { timeZone: config.timeZone, now: () => new Date(), logger, outbox });
    const services = createServices(handle.db, config, {
      events: hooks,
      storeEvents: redisDown ? noStoreEvents : storeEvents(queues.store, { now: () => new Date(), logger }),
    });
    return await runCommand(
      {
        services,
        f: createFmt(parsed.lang, t, config.timeZone),
        actor: cliActor(() => os.userInfo().username, env),
        json: parsed.json,
        io,
        readFile: (path) => readFile(path, 'utf8'),
      },
      parsed.command,
      parsed.args,
    );
  } catch (err) {
    io.err(failure(err, t));
    return EXIT.failed;
  } finally {
    await queues.close().catch(() => undefined);
    redis.disconnect();
    await handle.close();
  }
}

/**
 * What went wrong, said so that the operator knows what to do: a database without the tables
 * (never migrated), one that does not exist, or a server that does not answer; else the driver's message.
 */
function failure(err: unknown, t: ReturnType<ReturnType<typeof createI18n>['t']>): string {
  const cause = rootCause(err) as { code?: unknown; message?: unknown } | null;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  // 42P01: undefined table; 42883: undefined function (the inbox's functions come with the migrations).
  if (code === '42P01' || code === '42883') return t('ops.cli.no_schema');
  if (code === '3D000') return t('ops.cli.no_database');
  if (isUnreachable(cause)) return t('ops.cli.no_postgres', { code });
  return t('ops.cli.failed', { message: err instanceof Error ? err.message : String(err) });
}
