/**
 * `npm run bench -- budget`: everything that sends, at once, against one send budget. The real
 * bot (APP_ROLE=bot, webhook) and two worker processes (APP_ROLE=worker) against the Bot API
 * stand-in, real Postgres and Redis: a campaign to `--recipients` consenting customers starts,
 * `--reminders` delivery reminders fall due within the same second, and `--customers` customers
 * play the journey (support/journey.ts) with a think time between updates for `--chat-seconds`.
 *
 * Measured at the stand-in (when each call arrived), over every metered call (messages and edits,
 * src/telegram/budgeted-client.ts): the largest count in any sliding second and in any calendar
 * second (never above the cap); the customers' reply latency (webhook POST until the app has
 * handled the update, all its messages sent); when the reminders and the campaign finished against
 * the time the cap allows for everything sent by then (the fraction); per-chat counts in any second.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { createDb } from '../src/db/client.js';
import { CampaignRepository } from '../src/domain/campaigns/repository.js';
import { campaignQueue, jobIds } from '../src/jobs/campaign-jobs.js';
import { queueNames, reminderJobOptions, type ReminderJob } from '../src/jobs/queues.js';
import { ReminderScheduler } from '../src/jobs/reminders/scheduler.js';
import { createLogger } from '../src/logger.js';
import { isBudgeted, MESSAGE_METHODS } from '../src/telegram/budgeted-client.js';
import { budgetTag } from '../src/telegram/send-budget.js';
import type { BenchArgs } from './support/args.js';
import { machine, REDIS_URL, startBenchApp, type BenchApp } from './support/env.js';
import { createPoster, type Poster } from './support/http-client.js';
import { rng, Traffic, type Customer } from './support/journey.js';
import { insertFixture } from './reminders.js';
import { Latencies, round } from './support/stats.js';
import { watchBudgetLog } from './support/budget-log.js';

export const description = 'campaign + reminders + chatting customers through one send budget; max per second, reply p99, fraction of the cap';

const HELP = `npm run bench -- budget [options]
  --cap N            SEND_BUDGET_PER_SECOND (default 30)
  --recipients N     campaign audience (default 3000)
  --reminders N      reminders falling due in the same second (default 2000)
  --customers N      customers chatting at once (default 50)
  --chat-seconds S   how long they chat (default 60)
  --think-ms MS      mean pause of a customer between updates (default 4000; 0.5–1.5×)
  --latency MS       stand-in answer time (default 30)`;

const MARKETER = 1;
const CAMPAIGN_BASE = 900_000_000;
const REMINDER_BASE = 910_000_000;
const CUSTOMER_BASE = 2_000_000_000;
const GOAL_REPLY_P99_MS = 1000;
const GOAL_FRACTION = 0.9;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j]! - times[i]! >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

function maxPerCalendarSecond(times: number[]): number {
  const per = new Map<number, number>();
  for (const t of times) per.set(Math.floor(t / 1000), (per.get(Math.floor(t / 1000)) ?? 0) + 1);
  return Math.max(0, ...per.values());
}

async function insertAudience(url: string, count: number): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`insert into customers (telegram_id, first_name, language, marketing_consent)
      select ${CAMPAIGN_BASE}::bigint + g, 'Bench', case when g % 3 = 0 then 'en' else 'zh-CN' end, true
      from generate_series(1, ${count}::int) g`;
    await sql`analyze customers`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Resolves when the bot reports update `id` handled. */
function handledBy(app: BenchApp): (id: number) => Promise<void> {
  const waiting = new Map<number, () => void>();
  app.child.onSettled((id) => {
    waiting.get(id)?.();
    waiting.delete(id);
  });
  return (id) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`update ${id} not handled within 60 s`));
      }, 60_000);
      waiting.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
    });
}

/** Customers chatting with a think time: each update's latency is POST → handled. */
async function chat(traffic: Traffic, poster: Poster, handled: (id: number) => Promise<void>, opts: { customers: number; until: number; thinkMs: number; seed: number }) {
  const latency = new Latencies();
  const random = rng(opts.seed);
  let errors = 0;
  const lane = async () => {
    let c: Customer = traffic.newCustomer();
    // Spread the first updates over one think time.
    await sleep(random() * opts.thinkMs);
    while (Date.now() < opts.until) {
      const body = traffic.next(c);
      if (body === null) {
        traffic.retire(c);
        c = traffic.newCustomer();
        continue;
      }
      const id = Number(/"update_id":(\d+)/.exec(body)?.[1]);
      const done = handled(id);
      done.catch(() => undefined);
      const start = performance.now();
      let status = 0;
      try {
        status = await poster.post(body);
        if (status === 200) await done;
      } catch {
        errors++;
        c.inbox = [];
      }
      latency.add(performance.now() - start);
      if (traffic.settle(c, status).error) errors++;
      if (c.failed) {
        traffic.retire(c);
        c = traffic.newCustomer();
      }
      await sleep(opts.thinkMs * (0.5 + random()));
    }
    traffic.retire(c);
  };
  await Promise.all(Array.from({ length: opts.customers }, lane));
  return { latency, errors };
}

export async function run(args: BenchArgs): Promise<void> {
  if (args.flag('help')) {
    console.log(HELP);
    return;
  }
  const cap = args.number('cap', 30);
  const recipients = args.number('recipients', 3000);
  const reminders = args.number('reminders', 2000);
  const customers = args.number('customers', 50);
  const chatSeconds = args.number('chat-seconds', 60);
  const thinkMs = args.number('think-ms', 4000);
  const latencyMs = args.number('latency', 30);
  const m = machine();
  console.log(`bench budget: ${m.cores} cores (${m.cpu}), node ${m.node}, load average ${m.load1}`);
  console.log(
    `cap ${cap}/s; a campaign to ${recipients}, ${reminders} reminders due in one second, ${customers} customers chatting for ${chatSeconds} s (think ~${thinkMs} ms); 1 bot + 2 worker processes; stand-in answers in ${latencyMs} ms`,
  );

  const app = await startBenchApp({ env: { SEND_BUDGET_PER_SECOND: String(cap) }, workers: 2 });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  const handle = createDb(app.db.url, { max: 2 });
  const campaigns = campaignQueue(redis, app.prefix);
  const remindersQueue = new Queue<ReminderJob>(queueNames.reminders, { connection: redis, prefix: app.prefix, defaultJobOptions: reminderJobOptions });
  const poster = createPoster(app.webhookUrl, app.webhookHeaders, Math.max(64, customers));
  const traffic = new Traffic(app.api, true, 7, CUSTOMER_BASE);
  try {
    app.api.latencyMs = latencyMs;
    await insertAudience(app.db.url, recipients);
    const lead = 15_000;
    const t0 = Date.now() + lead;
    const fixture = await insertFixture(app.db.url, reminders, t0, 1000, REMINDER_BASE);

    const sends: number[] = [];
    const byKind = { campaign: [] as number[], reminder: [] as number[], reply: [] as number[], other: [] as number[] };
    const perChat = new Map<number, number[]>();
    app.api.onCall((call) => {
      if (!isBudgeted(call.method) || !call.response.ok) return;
      const chatId = Number(call.params.chat_id);
      sends.push(call.at);
      const kind =
        chatId > CAMPAIGN_BASE && chatId <= CAMPAIGN_BASE + recipients
          ? 'campaign'
          : chatId > REMINDER_BASE && chatId <= REMINDER_BASE + reminders
            ? 'reminder'
            : chatId >= CUSTOMER_BASE
              ? 'reply'
              : 'other';
      byKind[kind].push(call.at);
      if (MESSAGE_METHODS.has(call.method) && chatId > 0) {
        const list = perChat.get(chatId) ?? [];
        list.push(call.at);
        perChat.set(chatId, list);
      }
    });

    // The reminders are queued as the bot queues them after a booking (the 2-hour one falls due at t0).
    const scheduler = new ReminderScheduler(remindersQueue, { timeZone: 'Asia/Shanghai', now: () => new Date(), logger: createLogger('silent', []) });
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < fixture.bookings.length) await scheduler.bookingMade(fixture.bookings[next++]!, null);
      }),
    );
    const repo = new CampaignRepository(handle.db);
    const id = await repo.create({
      createdBy: MARKETER,
      segment: {},
      defaultLocale: 'zh-CN',
      scheduledAt: new Date(),
      variants: [
        { locale: 'zh-CN', kind: 'text', text: '双十二限时优惠：Model Y 现车即提', fileId: null, entities: [], buttons: [] },
        { locale: 'en', kind: 'text', text: 'Double 12: Model Y ready for delivery', fileId: null, entities: [], buttons: [] },
      ],
    });
    if (Date.now() > t0 - 1000) console.log('warning: set-up ran past the start (the reminders are already due)');
    await sleep(t0 - Date.now() - 1000);
    console.log(`go: campaign started 1 s before the reminders fall due; customers start chatting`);
    const start = Date.now();
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    // The budget's own record of when it let each send go (Redis clock; it keeps about the last
    // second, so polling every 300 ms sees every entry): the send times free of arrival jitter.
    const logKey = `${budgetTag(app.prefix)}:sent`;
    const dispatched = watchBudgetLog(redis, logKey, 300);
    await campaigns.add('start', { kind: 'start', campaignId: id }, { jobId: jobIds.start(id) });
    const chatting = chat(traffic, poster, handledBy(app), { customers, until: start + chatSeconds * 1000, thinkMs, seed: 11 });

    const deadline = start + ((recipients + reminders) / cap) * 1000 * 3 + 120_000;
    let status = 'scheduled';
    while (Date.now() < deadline) {
      status = (await repo.status(id))?.status ?? 'gone';
      const remindersSent = byKind.reminder.length;
      if (status === 'done' && remindersSent >= reminders) break;
      await sleep(500);
    }
    const chatResult = await chatting;
    // How long the replies waited for the budget in the bot's process (the rest of their latency is the bot's).
    const replyWaits = new Latencies();
    const botStats = await app.child.stats();
    for (const ms of botStats.budgetWaitsMs?.reply ?? []) replyWaits.add(ms);
    const rw = replyWaits.summary();
    await sleep(2000); // late repeats, if any
    dispatched.stop();
    loop.disable();
    traffic.close();
    const maxDispatch = maxInWindow(dispatched.times(), 1000);
    // Replies held by a chat's own 1/s: consecutive messages to one customer about 1.05 s apart.
    let chatHeld = 0;
    let customerMessages = 0;
    for (const [c, t] of perChat) {
      if (c < CUSTOMER_BASE) continue;
      customerMessages += t.length;
      for (let i = 1; i < t.length; i++) if (t[i]! - t[i - 1]! >= 950 && t[i]! - t[i - 1]! < 1300) chatHeld++;
    }

    sends.sort((a, b) => a - b);
    const inWindow = sends.filter((t) => t >= start);
    const maxSliding = maxInWindow(inWindow, 1000);
    const maxCalendar = maxPerCalendarSecond(inWindow);
    const lastOf = (xs: number[]) => (xs.length ? Math.max(...xs) : start);
    const remindersEnd = lastOf(byKind.reminder);
    const campaignEnd = lastOf(byKind.campaign);
    const end = Math.max(remindersEnd, campaignEnd);
    // The time the cap allows for everything that went out from the start until the last of them.
    const sentByEnd = inWindow.filter((t) => t <= end).length;
    const allowedS = sentByEnd / cap;
    const actualS = (end - start) / 1000;
    const fraction = actualS > 0 ? allowedS / actualS : 0;
    const remindersAllowedS = inWindow.filter((t) => t <= remindersEnd).length / cap;
    const remindersS = (remindersEnd - start) / 1000;
    const perChatMax = (lo: number, hi: number) =>
      Math.max(
        0,
        ...[...perChat]
          .filter(([c]) => c > lo && c <= hi)
          .map(([, t]) =>
            maxInWindow(
              t.sort((a, b) => a - b),
              1000,
            ),
          ),
      );
    const duplicates = (lo: number, hi: number) => [...perChat].filter(([c]) => c > lo && c <= hi).reduce((n, [, t]) => n + t.length - 1, 0);
    const s = chatResult.latency.summary();
    const missingCampaign = recipients - [...perChat.keys()].filter((c) => c > CAMPAIGN_BASE && c <= CAMPAIGN_BASE + recipients).length;
    const missingReminders = reminders - [...perChat.keys()].filter((c) => c > REMINDER_BASE && c <= REMINDER_BASE + reminders).length;

    console.log(
      `sent ${inWindow.length} metered calls: campaign ${byKind.campaign.length}, reminders ${byKind.reminder.length}, replies to customers ${byKind.reply.length}, other ${byKind.other.length} (marketer's progress); campaign ${status}`,
    );
    console.log(
      `largest count in any 1 s: ${maxSliding} (sliding), ${maxCalendar} (calendar seconds) as the stand-in received them; ${maxDispatch} as the budget let them go (${dispatched.times().length} seen); cap ${cap}`,
    );
    console.log(
      `replies' wait for the send budget (in the bot process, ${rw.count} sends): p50 ${round(rw.p50)} ms, p99 ${round(rw.p99)} ms, max ${round(rw.max)} ms; slots given back for a late answer there: ${botStats.budgetLateReleases ?? 0}`,
    );
    console.log(`customers' messages ${customerMessages}, of which ${chatHeld} came 0.95–1.3 s after the one before (a chat's 1/s)`);
    console.log(`customers' replies (POST → handled, ${s.count} updates, ${chatResult.errors} errors): p50 ${round(s.p50)} ms, p99 ${round(s.p99)} ms, max ${round(s.max)} ms`);
    console.log(
      `reminders done after ${round(remindersS, 1)} s (the cap allows ${round(remindersAllowedS, 1)} s for what was sent by then); campaign and reminders done after ${round(actualS, 1)} s, the cap allows ${round(allowedS, 1)} s: fraction ${round(fraction, 3)}`,
    );
    console.log(
      `per chat in any 1 s: campaign ${perChatMax(CAMPAIGN_BASE, CAMPAIGN_BASE + recipients)}, reminders ${perChatMax(REMINDER_BASE, REMINDER_BASE + reminders)}, customers ${perChatMax(CUSTOMER_BASE - 1, Infinity)}; missing: campaign ${missingCampaign}, reminders ${missingReminders}; repeated: campaign ${duplicates(CAMPAIGN_BASE, CAMPAIGN_BASE + recipients)}, reminders ${duplicates(REMINDER_BASE, REMINDER_BASE + reminders)}`,
    );
    console.log(
      `this process's event-loop delay (the stand-in timestamps arrivals; a stall bunches them): p99 ${round(loop.percentile(99) / 1e6)} ms, max ${round(loop.max / 1e6)} ms; load average now ${machine().load1}`,
    );
    const met =
      maxSliding <= cap &&
      s.p99 < GOAL_REPLY_P99_MS &&
      fraction >= GOAL_FRACTION &&
      missingCampaign === 0 &&
      missingReminders === 0 &&
      chatResult.errors === 0 &&
      status === 'done';
    console.log(
      `goals (never above ${cap} in any second, replies p99 < ${GOAL_REPLY_P99_MS} ms, fraction ≥ ${GOAL_FRACTION}, none missing, no errors): ${met ? 'met' : 'NOT met'}`,
    );
    if (!met) process.exitCode = 1;
    console.log(
      JSON.stringify({
        bench: 'budget',
        cap_per_s: cap,
        recipients,
        reminders,
        customers,
        max_in_1s: maxSliding,
        max_in_calendar_s: maxCalendar,
        max_in_1s_dispatch: maxDispatch,
        reply_p50_ms: Math.round(s.p50),
        reply_p99_ms: Math.round(s.p99),
        reply_max_ms: Math.round(s.max),
        reply_budget_wait_p99_ms: Math.round(rw.p99),
        replies: byKind.reply.length,
        reminders_done_s: round(remindersS, 1),
        all_done_s: round(actualS, 1),
        allowed_s: round(allowedS, 1),
        fraction: round(fraction, 3),
        missing: missingCampaign + missingReminders,
        errors: chatResult.errors,
      }),
    );
  } finally {
    traffic.close();
    poster.close();
    await campaigns.close().catch(() => undefined);
    await remindersQueue.close().catch(() => undefined);
    redis.disconnect();
    await handle.close();
    await app.stop();
  }
}
