/**
 * The app as the benchmark runs it: a process of its own, started like production's entry point
 * (src/main.ts) with `startApp(loadConfig())`, its configuration in the environment (see
 * `startBenchApp` in env.ts: BOT_TOKEN, TELEGRAM_API_ROOT = the benchmark's stand-in,
 * DATABASE_URL = the bench database, REDIS_URL, PORT=0, WEBHOOK_URL/WEBHOOK_SECRET, APP_ROLE=bot,
 * LOG_LEVEL=silent, QUEUE_PREFIX…). Not meant to be run by hand: the benchmark forks it (see
 * ipc.ts) and talks to it over IPC:
 *
 *  - `ready` with the port bound (PORT=0) once the app is up;
 *  - `settled` with the ids of updates the inbox finished (the webhook answers before that);
 *  - `stats`: CPU time (`process.cpuUsage()`), `metrics.updatesHandled`, event-loop delay, and the
 *    SQL statements counted since the last reset (always counted, through postgres.js `debug`);
 *  - `trace` (BENCH_TRACE=1 only): the SQL and Redis events recorded since the last `trace`;
 *  - `stop` (or SIGTERM, or the benchmark going away): `app.stop()`, then exit. When the benchmark
 *    went away (or sent SIGTERM) rather than asking, it may not have cleaned up (e.g. killed by
 *    tsx's signal relay while its event loop was busy): this process then drops the run's
 *    database (BENCH_CLEANUP_DATABASE) and deletes its Redis keys (QUEUE_PREFIX).
 */
import { startApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { webhookPath } from '../../src/server/http.js';
import { deleteRedisPrefix, dropBenchDatabase } from './cleanup.js';
import { countQueries, type QueryCounter } from './instrument.js';
import { serveParent } from './ipc.js';
import { probeApp } from './trace.js';

let app: App | undefined;
let queries: QueryCounter | undefined;
let probe: ReturnType<typeof probeApp> | undefined;

const parent = serveParent({
  stats(req) {
    const out = {
      updatesHandled: app?.deps.metrics.updatesHandled ?? 0,
      sqlTotal: queries?.total ?? 0,
      budgetWaitsMs: app?.deps.budget.waitSamples(),
      budgetLateReleases: app?.deps.budget.lateReleases,
      ...(req.top ? { sqlTop: queries?.top(req.top) ?? [] } : {}),
    };
    if (req.reset) queries?.reset();
    return out;
  },
  ops: {
    trace: () => {
      if (!probe) throw new Error('tracing is off (BENCH_TRACE=1)');
      return probe.drain();
    },
  },
  async stop(orderly) {
    probe?.detach();
    queries?.detach();
    await app?.stop().catch((err: unknown) => console.error('bench child: app stop failed:', err));
    if (orderly) return;
    const database = process.env.BENCH_CLEANUP_DATABASE;
    const prefix = process.env.QUEUE_PREFIX;
    if (database) {
      await dropBenchDatabase(database).then(
        () => console.error(`bench child: dropped database ${database}`),
        (err: unknown) => console.error(`bench child: could not drop database ${database}:`, err),
      );
    }
    if (prefix) {
      await deleteRedisPrefix(prefix).then(
        (n) => console.error(`bench child: deleted ${n} Redis keys under ${prefix}:`),
        (err: unknown) => console.error('bench child: could not delete Redis keys:', err),
      );
    }
  },
});

try {
  const config = loadConfig();
  app = await startApp(config);
  queries = countQueries(app);
  if (process.env.BENCH_TRACE === '1') probe = probeApp(app);
  if (app.port === null) throw new Error('the app bound no port');
  // The webhook answers once an update is stored; the benchmark also waits for it to be handled.
  let settled: number[] = [];
  app.deps.metrics.onSettled((id) => {
    if (settled.length === 0)
      setImmediate(() => {
        parent.settled(settled);
        settled = [];
      });
    settled.push(id);
  });
  parent.ready(app.port, config.webhook ? { webhookPath: webhookPath(config.webhook.secret) } : {});
} catch (err) {
  await app?.stop().catch(() => undefined);
  parent.failed(err);
}
