/**
 * The chaos run of issue 10 (`npm run chaos`, bench/chaos.ts; short form test/e2e/chaos.test.ts):
 * customers (customers.ts) order a car and pay its deposit, then buy from the store, against the
 * real app's processes (processes.ts): round 1 two bot processes in webhook mode behind one
 * webhook (stand-in/webhook-delivery.ts redelivers what was not answered 2xx, as Telegram does),
 * round 2 one bot in polling mode plus a worker. Meanwhile (faults.ts: at random, or each kind once
 * per round at chosen points of the journeys): kill -9 of a process (it is started again), every
 * Postgres connection cut for 2–5 s (tcp-proxy.ts between the app and Postgres), Redis restarted
 * (a private redis-server), and the stand-in answering 500 or 429 to every send, edit and copy to
 * some chats for a while. Then faults stop, deliveries drain, and verdict.ts checks what a customer
 * and the books would notice.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { webhookPath } from '../../../src/server/http.js';
import { BotApiStandIn } from '../bot-api-stand-in.js';
import { PROVIDER_TOKEN, TEST_TOKEN, TEST_WEBHOOK_SECRET } from '../harness.js';
import { PrivateRedis } from '../private-redis.js';
import { WebhookDelivery } from '../stand-in/webhook-delivery.js';
import { TcpProxy } from '../tcp-proxy.js';
import { sleep, waitFor } from '../wait.js';
import { CHAOS_VARIANT, Customers, rng, type PaymentSent } from './customers.js';
import { Faults, randomFaults, scriptedFaults, type FaultPlan } from './faults.js';
import { AppProcess } from './processes.js';
import { verdict, type ChaosFigures, type RoundPayments } from './verdict.js';
import { accepts, freePort } from '../net.js';

export type { ChaosFigures } from './verdict.js';

export interface ChaosOptions {
  /** A migrated and seeded database of the run's own (the app reaches it through the proxy). */
  databaseUrl: string;
  /** Customers per round. */
  customers: number;
  rounds?: Array<'webhook' | 'polling'>;
  /**
   * Kill, cut, restart and fail: at random (`random`), or each kind once per round at chosen points
   * of the journeys (`scripted`, faults.ts); false: the same run without faults, to check the harness.
   */
  faults: false | FaultPlan;
  /** Settings added to the app processes' environment (e.g. a shorter INBOX_LEASE_MS). */
  appEnv?: Record<string, string>;
  seed: number;
  /** Where the app processes' logs go (one file per process). */
  logDir: string;
  /** Progress lines. */
  print?: (line: string) => void;
  /** Average pause between two faults (default 5 s; each pause is 0.5–1.5× it). */
  faultEveryMs?: number;
  /** How long a customer waits for an expected answer before doing it again (default 10 s). */
  replyTimeoutMs?: number;
  maxAttempts?: number;
  /** The window over which the round's customers start (default: 100 ms per customer, at most 30 s). */
  rampMs?: number;
  /**
   * Longest pause of a customer between an answer and the next action (default 2 s; each pause is a
   * random share of it): people read before they tap, and 200 customers tapping at once every few
   * hundred ms would be a load test, not a chaos run, on a small machine.
   */
  thinkMs?: number;
  /** How long the end of a round waits for every update to be handed over (default 60 s). */
  drainMs?: number;
  /** Customers still on their way after this long give up (default: no limit, they finish or give up on their own). */
  roundMs?: number;
}

export interface ChaosResult {
  figures: ChaosFigures;
  /** Everything behind the figures, for the report line before them. */
  details: Record<string, unknown>;
}

/** What runs now (app processes, the private redis-server), for `killEverything`. */
const emergencies = new Set<() => void>();

/**
 * Kills the app processes (their process groups) and the private redis-server of every run still
 * going, at once, and makes the run give up: for a Ctrl-C, or a test that timed out (its run goes
 * on in the background otherwise). They are children of this process and would outlive it; the
 * same happens when this process exits.
 */
export function killEverything(): void {
  for (const kill of emergencies) kill();
}
process.on('exit', killEverything);

export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const print = opts.print ?? (() => undefined);
  const random = rng(opts.seed);
  const started = Date.now();
  const target = new URL(opts.databaseUrl);
  const proxy = await new TcpProxy(target.hostname, Number(target.port || 5432)).start();
  const appDbUrl = new URL(opts.databaseUrl);
  appDbUrl.hostname = '127.0.0.1';
  appDbUrl.port = String(proxy.port);
  const redis = await PrivateRedis.create();
  const api = await new BotApiStandIn({ token: TEST_TOKEN }).start();
  const sql = postgres(opts.databaseUrl, { max: 2, onnotice: () => undefined });
  const faults = new Faults(api, proxy, redis, random, print);
  const rounds: RoundPayments[] = [];
  const extra: Record<string, unknown> = {};
  const live: AppProcess[] = [];
  const unwatch: Array<() => void> = [];
  let aborted = false;
  let current: { customers: Customers; delivery: WebhookDelivery | null } | null = null;
  const emergency = () => {
    aborted = true;
    current?.customers.stop();
    current?.delivery?.stop();
    for (const p of live) p.killNow();
    void redis.dispose();
  };
  emergencies.add(emergency);
  let firstId = 9_600_000_000 + Math.floor(random() * 1_000) * 10_000;
  try {
    // Every customer buys the same screen protector: plenty of them for the run.
    await sql`update store_variants set stock = 1000000, held = 0 where id = ${CHAOS_VARIANT}`;
    for (const mode of opts.rounds ?? ['webhook', 'polling']) {
      if (aborted) throw new Error('chaos run torn down (killEverything)');
      const prefix = `chaos${randomBytes(4).toString('hex')}`;
      const baseEnv = {
        BOT_TOKEN: TEST_TOKEN,
        TELEGRAM_API_ROOT: api.apiRoot,
        DATABASE_URL: appDbUrl.toString(),
        REDIS_URL: redis.url,
        PAYMENT_PROVIDER_TOKEN: PROVIDER_TOKEN,
        QUEUE_PREFIX: prefix,
        LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
        // A chat lock left by a killed process lasts the handler timeout plus 5 s (src/bot/index.ts).
        HANDLER_TIMEOUT_MS: '10000',
        ...opts.appEnv,
      };
      const processes: AppProcess[] = [];
      let delivery: WebhookDelivery | null = null;
      let ports: number[] = [];
      if (mode === 'webhook') {
        ports = [await freePort(), await freePort()];
        for (const [i, port] of ports.entries()) {
          const env = { ...baseEnv, APP_ROLE: 'bot', PORT: String(port), WEBHOOK_URL: `http://127.0.0.1:${port}`, WEBHOOK_SECRET: TEST_WEBHOOK_SECRET };
          processes.push(new AppProcess(`bot${i + 1}-webhook`, env, `${opts.logDir}/bot${i + 1}-webhook.log`));
        }
        delivery = new WebhookDelivery(api, {
          targets: ports.map((port) => `http://127.0.0.1:${port}${webhookPath(TEST_WEBHOOK_SECRET)}`),
          secret: TEST_WEBHOOK_SECRET,
          timeoutMs: 30_000,
        });
      } else {
        // The webhook round's bots registered a webhook; a poller refuses to start while one is set
        // (409, src/bot/poller.ts), so the operator deletes it first, as here.
        if (api.webhook) await fetch(`${api.apiRoot}/bot${TEST_TOKEN}/deleteWebhook`, { method: 'POST' });
        processes.push(new AppProcess('bot-polling', { ...baseEnv, APP_ROLE: 'bot', PORT: String(await freePort()) }, `${opts.logDir}/bot-polling.log`));
        processes.push(new AppProcess('worker', { ...baseEnv, APP_ROLE: 'worker', PORT: String(await freePort()) }, `${opts.logDir}/worker.log`));
      }
      live.push(...processes);
      const roundStart = Date.now();
      let confirmedOffset = 0;
      const stopWatching = api.onCall((call) => {
        const offset = Number(call.params.offset ?? 0);
        if (call.method === 'getUpdates' && offset > confirmedOffset) confirmedOffset = offset;
      });
      unwatch.push(stopWatching);
      const since = api.calls.length;
      for (const p of processes) p.start();
      if (mode === 'webhook') {
        await waitFor('the webhook bots to listen and register', async () => (await Promise.all(ports.map(accepts))).every(Boolean) && api.callsTo('setWebhook').length >= 2, {
          timeoutMs: 60_000,
          intervalMs: 100,
        });
      } else {
        await waitFor('the polling bot to poll', () => api.heldPolls > 0 || api.calls.slice(since).some((c) => c.method === 'getUpdates'), { timeoutMs: 60_000, intervalMs: 100 });
      }
      print(`round ${mode}: ${processes.map((p) => p.name).join(', ')} up after ${((Date.now() - roundStart) / 1000).toFixed(1)} s`);

      const send = delivery ? (u: Parameters<WebhookDelivery['enqueue']>[0]) => delivery.enqueue(u) : (u: Parameters<BotApiStandIn['pushUpdate']>[0]) => api.pushUpdate(u);
      const customers = new Customers(api, send, { replyTimeoutMs: opts.replyTimeoutMs ?? 10_000, maxAttempts: opts.maxAttempts ?? 5, thinkMs: opts.thinkMs ?? 2_000 }, random);
      const ramp = opts.rampMs ?? Math.min(opts.customers * 100, 30_000);
      const plays = Array.from({ length: opts.customers }, async (_, i) => {
        await sleep(random() * ramp);
        await customers.play(firstId + i, i);
      });
      firstId += opts.customers;

      current = { customers, delivery };
      let chaosOn = opts.faults !== false;
      const plan = {
        faults,
        mode,
        processes,
        customers,
        random,
        faultEveryMs: opts.faultEveryMs ?? 5_000,
        on: () => chaosOn && !aborted,
        stopped: () => aborted,
      };
      const chaos = opts.faults === 'scripted' ? scriptedFaults(plan) : opts.faults === 'random' ? randomFaults(plan) : Promise.resolve();

      const deadline = opts.roundMs === undefined ? undefined : setTimeout(() => customers.stop(), opts.roundMs);
      await Promise.all(plays);
      clearTimeout(deadline);
      chaosOn = false;
      await chaos;
      customers.stop();
      // Faults over: let the processes come back and every update reach the app.
      faults.liftApiFaults();
      await waitFor('every process to run', () => processes.every((p) => p.running), { timeoutMs: 30_000, intervalMs: 100 }).catch(() => undefined);
      const drained = delivery
        ? await delivery.idle(opts.drainMs ?? 60_000)
        : await waitFor('getUpdates to hand over every update', () => api.pendingUpdateCount === 0, { timeoutMs: opts.drainMs ?? 60_000, intervalMs: 100 }).then(
            () => true,
            () => false,
          );
      // Receipts of payments handed over late.
      // Polling: handed over once a getUpdates' offset moved past it (a held poll is recorded once it
      // ends, at the latest when the bot stops: verdict.ts reads this after the round).
      const handedOver = (p: PaymentSent) => (delivery ? delivery.acknowledged.has(p.updateId) : p.updateId < confirmedOffset);
      await waitFor('the receipts', () => customers.payments.every((p) => customers.receiptFor(p)), { timeoutMs: 10_000, intervalMs: 200 }).catch(() => undefined);
      // Faults over: the inbox works off what they left behind (failed updates come back after a
      // backoff, src/domain/inbox), as it would once an outage ends; "nothing pending" is read after.
      await waitFor(
        'the inbox to drain',
        async () => {
          const [row] = await sql<Array<{ n: number }>>`select count(*)::int as n from inbox_updates where state = 'pending'`.catch(() => [{ n: 0 }]);
          return row!.n === 0;
        },
        { timeoutMs: opts.drainMs ?? 60_000, intervalMs: 200 },
      ).catch(() => undefined);
      // Let what is in flight finish before the books are read.
      await sleep(1_000);
      rounds.push({
        mode,
        customers,
        handedOver,
      });
      extra[mode] = {
        seconds: Math.round((Date.now() - roundStart) / 100) / 10,
        drained,
        journeys_done: customers.journeysDone,
        abandoned: summarize(customers.abandoned.map((a) => a.step)),
        refused: summarize(customers.refusals.map((r) => r.reason)),
        customer_retries: customers.retries,
        apologies: customers.apologies,
        webhook_failures: delivery?.failures,
        webhook_statuses: delivery ? Object.fromEntries(delivery.statuses) : undefined,
        restarts: Object.fromEntries(processes.map((p) => [p.name, p.starts - 1])),
        exits: Object.fromEntries(processes.filter((p) => p.exits.length).map((p) => [p.name, p.exits])),
      };
      print(`round ${mode} done: ${JSON.stringify(extra[mode])}`);
      delivery?.stop();
      await Promise.all(processes.map((p) => p.stop()));
      customers.close();
      current = null;
    }
    for (const stop of unwatch) stop();
    const result = await verdict(sql, rounds);
    const figures: ChaosFigures = {
      ...result.figures,
      kills: faults.counts.kills,
      pg_cuts: faults.counts.pg_cuts,
      redis_restarts: faults.counts.redis_restarts,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    return { figures, details: { ...result.details, api_fault_windows: faults.counts.api_fault_windows, rounds: extra, logs: opts.logDir, seed: opts.seed } };
  } finally {
    emergencies.delete(emergency);
    await Promise.all(live.map((p) => p.stop(2_000)));
    await sql.end({ timeout: 5 }).catch(() => undefined);
    await api.stop();
    await proxy.stop();
    await redis.stop().catch(() => undefined);
    await redis.dispose();
  }
}

function summarize(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[item] = (out[item] ?? 0) + 1;
  return out;
}
