/**
 * The scale-out run of issue 12 (short form test/e2e/scale.test.ts; `npm run bench -- scale` for
 * 200 customers): the same customers' journeys (journey.ts) played twice through the Bot API
 * stand-in's webhook delivery — first against ONE app process (APP_ROLE=all), then against
 * THREE bot processes (APP_ROLE=bot, webhook mode) and TWO worker processes (APP_ROLE=worker),
 * real child processes on loopback (test/support/chaos/processes.ts), with the webhook calls
 * spread over the bot processes in turn (stand-in/webhook-delivery.ts, a load balancer's round
 * robin). Each customer leaves their deposit unpaid; the 30-minute deposit reminder is then made
 * due (BullMQ promote, as the passing of time would) and must arrive exactly once. Every
 * customer's transcript of the second run must equal their transcript of the first.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import postgres from 'postgres';
import { webhookPath } from '../../../src/server/http.js';
import { BotApiStandIn } from '../bot-api-stand-in.js';
import { planner, rng, type Plan } from '../chaos/customer.js';
import { AppProcess } from '../chaos/processes.js';
import { PROVIDER_TOKEN, TEST_TOKEN, TEST_WEBHOOK_SECRET } from '../harness.js';
import { PrivateRedis } from '../private-redis.js';
import { WebhookDelivery } from '../stand-in/webhook-delivery.js';
import { sleep, waitFor } from '../wait.js';
import { reminderCalls, ScaleCustomers } from './journey.js';
import { transcriptOf } from './transcript.js';
import { accepts, freePort } from '../net.js';

export interface ScaleOptions {
  /** A migrated and seeded database of the run's own. */
  databaseUrl: string;
  customers: number;
  bots?: number;
  workers?: number;
  seed: number;
  logDir: string;
  print?: (line: string) => void;
  /** How long a customer waits for each answer before counting an error (default 60 s). */
  replyTimeoutMs?: number;
  /** The window over which customers start (default 50 ms per customer, at most 20 s). */
  rampMs?: number;
}

export interface ScaleFigures {
  customers: number;
  bot_processes: number;
  worker_processes: number;
  journeys_done: number;
  transcripts_equal: number;
  transcripts_differ: number;
  errors: number;
  reminders_sent_once: number;
  reminders_missing: number;
  reminders_doubled: number;
  /** Bot processes that handled at least one of the customers' updates (inbox lease owners). */
  bot_processes_used: number;
  seconds_one_process: number;
  seconds_scaled: number;
}

export interface ScaleResult {
  figures: ScaleFigures;
  details: Record<string, unknown>;
}

/**
 * A fixed-offset zone where it is early afternoon now: reminders are held back in quiet hours
 * (22:00–08:00 in TZ_BUSINESS), and the run must not depend on the hour it is started at.
 */
export function afternoonZone(now = new Date()): string {
  const offset = 14 - now.getUTCHours();
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

interface Phase {
  name: string;
  transcripts: string[];
  journeysDone: number;
  errors: string[];
  remindersOnce: number;
  remindersMissing: number;
  remindersDoubled: number;
  leaseOwners: number;
  seconds: number;
  details: Record<string, unknown>;
}

/** Processes still running (a Ctrl-C in the bench kills them). */
const live = new Set<AppProcess>();
export function killEverything(): void {
  for (const p of live) p.killNow();
}

export async function runScale(opts: ScaleOptions): Promise<ScaleResult> {
  const print = opts.print ?? (() => undefined);
  const bots = opts.bots ?? 3;
  const workers = opts.workers ?? 2;
  const makePlan = planner(rng(opts.seed));
  const plans: Plan[] = Array.from({ length: opts.customers }, (_, i) => makePlan(i));
  const redis = await PrivateRedis.create();
  const api = await new BotApiStandIn({ token: TEST_TOKEN }).start();
  const sql = postgres(opts.databaseUrl, { max: 2, onnotice: () => undefined });
  const timeZone = afternoonZone();
  const random = rng(opts.seed + 1);
  let nextId = 8_100_000_000 + Math.floor(random() * 1_000) * 10_000;

  const phase = async (name: string, layout: Array<{ role: 'all' | 'bot' | 'worker' }>): Promise<Phase> => {
    const prefix = `scale${randomBytes(4).toString('hex')}`;
    const env = {
      BOT_TOKEN: TEST_TOKEN,
      TELEGRAM_API_ROOT: api.apiRoot,
      DATABASE_URL: opts.databaseUrl,
      REDIS_URL: redis.url,
      PAYMENT_PROVIDER_TOKEN: PROVIDER_TOKEN,
      QUEUE_PREFIX: prefix,
      TZ_BUSINESS: timeZone,
      LOG_LEVEL: process.env.SCALE_LOG_LEVEL ?? 'warn',
    };
    const processes: AppProcess[] = [];
    const webhookPorts: number[] = [];
    for (const [i, { role }] of layout.entries()) {
      const port = await freePort();
      const webhook: Record<string, string> = role === 'worker' ? {} : { WEBHOOK_URL: `http://127.0.0.1:${port}`, WEBHOOK_SECRET: TEST_WEBHOOK_SECRET };
      if (role !== 'worker') webhookPorts.push(port);
      const label = `${name}-${role}${i + 1}`;
      processes.push(new AppProcess(label, { ...env, ...webhook, APP_ROLE: role, PORT: String(port) }, `${opts.logDir}/${label}.log`));
    }
    const started = Date.now();
    const registered = api.callsTo('setWebhook').length;
    for (const p of processes) {
      live.add(p);
      p.start();
    }
    await waitFor(
      `${name}: the webhook processes to listen and register`,
      async () => (await Promise.all(webhookPorts.map(accepts))).every(Boolean) && api.callsTo('setWebhook').length >= registered + webhookPorts.length,
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    // Workers are up when their schedulers are: give them the time the bots took, at most 30 s.
    const readyAfter = Date.now() - started;
    print(`${name}: ${processes.map((p) => p.name).join(', ')} up after ${(readyAfter / 1000).toFixed(1)} s`);
    const delivery = new WebhookDelivery(api, {
      targets: webhookPorts.map((port) => `http://127.0.0.1:${port}${webhookPath(TEST_WEBHOOK_SECRET)}`),
      secret: TEST_WEBHOOK_SECRET,
      timeoutMs: 30_000,
    });
    const customers = new ScaleCustomers(api, (u) => delivery.enqueue(u), opts.replyTimeoutMs ?? 60_000);
    const ids = plans.map(() => nextId++);
    const ramp = opts.rampMs ?? Math.min(opts.customers * 50, 20_000);
    const playStart = Date.now();
    await Promise.all(
      plans.map(async (plan, i) => {
        await sleep(random() * ramp);
        await customers.play(ids[i]!, plan);
      }),
    );
    const journeySeconds = (Date.now() - playStart) / 1000;
    await delivery.idle(30_000);
    print(`${name}: ${customers.journeysDone}/${opts.customers} journeys in ${journeySeconds.toFixed(1)} s, ${customers.errors.length} errors`);

    // Half an hour later, as far as the reminders know: each order's t30m deposit reminder is due.
    const orders = await sql<Array<{ telegram_id: string; id: number }>>`
      select c.telegram_id, o.id from orders o join customers c on c.id = o.customer_id where c.telegram_id = any(${ids.map(String)}::bigint[])`;
    const orderOf = new Map(orders.map((o) => [Number(o.telegram_id), o.id]));
    const queue = new Queue('reminders', { connection: { url: redis.url }, prefix });
    const jobIds = [...orderOf.values()].map((id) => `reminder-deposit-${id}-t30m`);
    let notQueued = 0;
    for (const jobId of jobIds) {
      const job = await queue.getJob(jobId);
      if (!job) notQueued++;
      else await job.promote();
    }
    const reminded = () => ids.every((id) => !orderOf.has(id) || reminderCalls(customers.callsOf(id), orderOf.get(id)!).length > 0);
    await waitFor(`${name}: every deposit reminder`, reminded, { timeoutMs: 60_000, intervalMs: 200 }).catch(() => undefined);
    await waitFor(
      `${name}: the reminder jobs to complete`,
      async () => (await Promise.all(jobIds.map((j) => queue.getJobState(j)))).every((s) => s === 'completed' || s === 'unknown'),
      { timeoutMs: 30_000, intervalMs: 200 },
    ).catch(() => undefined);
    // A reminder sent twice would show by now (another worker taking the same job).
    await sleep(1_000);
    const counts = ids.map((id) => (orderOf.has(id) ? reminderCalls(customers.callsOf(id), orderOf.get(id)!).length : 0));
    const [owners] = await sql<Array<{ n: number }>>`
      select count(distinct lease_owner)::int as n from inbox_updates where chat_key = any(${ids.map(String)}::text[])`;
    const [parked] = await sql<Array<{ n: number }>>`select count(*)::int as n from inbox_updates where state <> 'done' and chat_key = any(${ids.map(String)}::text[])`;
    await queue.close();
    delivery.stop();
    customers.close();
    await Promise.all(processes.map((p) => p.stop()));
    for (const p of processes) live.delete(p);
    const exits = processes.flatMap((p) => p.exits.map((e) => `${p.name} exited ${e}`));
    // Errors the processes logged (pino levels 50 error and 60 fatal), first line of each.
    const logged = processes.flatMap((p) =>
      readFileSync(`${opts.logDir}/${p.name}.log`, 'utf8')
        .split('\n')
        .filter((line) => /"level":(50|60)\b/.test(line))
        .map((line) => `${p.name} logged: ${line.slice(0, 300)}`),
    );
    const errors = [
      ...customers.errors,
      ...exits,
      ...logged,
      ...(notQueued ? [`${notQueued} reminder job(s) not queued`] : []),
      ...(parked!.n ? [`${parked!.n} update(s) not done in the inbox`] : []),
      ...(orderOf.size < ids.length ? [`${ids.length - orderOf.size} customer(s) without an order`] : []),
      ...(delivery.failures ? [`${delivery.failures} webhook deliveries not answered 2xx`] : []),
    ];
    return {
      name,
      transcripts: ids.map((id) => transcriptOf(customers.callsOf(id))),
      journeysDone: customers.journeysDone,
      errors,
      remindersOnce: counts.filter((n) => n === 1).length,
      remindersMissing: counts.filter((n) => n === 0).length,
      remindersDoubled: counts.filter((n) => n > 1).length,
      leaseOwners: owners!.n,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      details: {
        journey_seconds: journeySeconds,
        webhook_statuses: Object.fromEntries(delivery.statuses),
        restarts: Object.fromEntries(processes.map((p) => [p.name, p.starts - 1])),
      },
    };
  };

  try {
    const one = await phase('one', [{ role: 'all' }]);
    const scaled = await phase('scaled', [
      ...Array.from({ length: bots }, () => ({ role: 'bot' as const })),
      ...Array.from({ length: workers }, () => ({ role: 'worker' as const })),
    ]);
    const differ = scaled.transcripts.flatMap((t, i) => (t === one.transcripts[i] ? [] : [i]));
    const figures: ScaleFigures = {
      customers: opts.customers,
      bot_processes: bots,
      worker_processes: workers,
      journeys_done: scaled.journeysDone,
      transcripts_equal: opts.customers - differ.length,
      transcripts_differ: differ.length,
      errors: one.errors.length + scaled.errors.length,
      reminders_sent_once: scaled.remindersOnce,
      reminders_missing: scaled.remindersMissing,
      reminders_doubled: scaled.remindersDoubled,
      bot_processes_used: scaled.leaseOwners,
      seconds_one_process: one.seconds,
      seconds_scaled: scaled.seconds,
    };
    const first = differ[0];
    return {
      figures,
      details: {
        seed: opts.seed,
        time_zone: timeZone,
        logs: opts.logDir,
        errors: { one: one.errors.slice(0, 20), scaled: scaled.errors.slice(0, 20) },
        one_process: {
          ...one.details,
          journeys_done: one.journeysDone,
          reminders_once: one.remindersOnce,
          reminders_missing: one.remindersMissing,
          reminders_doubled: one.remindersDoubled,
        },
        scaled: scaled.details,
        first_difference: first === undefined ? null : { customer: first, one_process: one.transcripts[first], scaled: scaled.transcripts[first] },
      },
    };
  } finally {
    killEverything();
    await sql.end({ timeout: 5 }).catch(() => undefined);
    await api.stop();
    await redis.stop().catch(() => undefined);
    await redis.dispose();
  }
}
