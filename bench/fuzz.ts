/**
 * `npm run fuzz -- --updates 10000` (or `npm run bench -- fuzz`): hostile input against the real
 * bot (APP_ROLE=bot, webhook mode, its own process, real Postgres and Redis, a support desk
 * configured) through the Bot API stand-in. Random customers send junk text, media of every kind,
 * forged and stale callback data, junk pre-checkout and shipping queries, stray successful
 * payments, odd deep links and update kinds the bot does not serve (test/support/fuzz.ts makes
 * them from a seed: printed first, `--seed N` replays the same updates, give or take stale button
 * data, which depends on what the bot answered in what order). The last line is one JSON object:
 * all its figures are zero but `updates` and `rss_mb` (the app's resident memory at the end), and
 * the process exits 1 otherwise or when the app died.
 */
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { Fuzzer, JUNK_PAYMENTS_SQL, type FuzzFigures } from '../test/support/fuzz.js';
import { textUpdate, userFor, withId } from '../test/support/updates.js';
import type { BenchArgs } from './support/args.js';
import { machine, startBenchApp } from './support/env.js';

export const description = 'hostile input: junk updates of every kind against the real bot (all figures zero but updates and rss_mb)';

const HELP = `npm run fuzz -- [options]      (same as npm run bench -- fuzz)
  --updates N      junk updates to send (default 10000)
  --seed N         the PRNG seed (default: random, printed)
  --customers N    customers sending them (default 500)
  --concurrency N  updates in flight at once (default 8)`;

const SUPPORT_GROUP = -1_009_500_000_001;

export async function run(args: BenchArgs): Promise<void> {
  if (args.flag('help')) {
    console.log(HELP);
    return;
  }
  const total = args.number('updates', 10_000);
  const seed = args.number('seed', Math.floor(Math.random() * 2 ** 31));
  const customers = args.number('customers', 500);
  const concurrency = args.number('concurrency', 8);
  const m = machine();
  console.log(`fuzz: seed ${seed} (replay with --seed ${seed}), ${total} updates from ${customers} customers, ${concurrency} in flight`);
  console.log(`machine: ${m.cores} cores (${m.cpu}), node ${m.node}, load average ${m.load1}`);
  const app = await startBenchApp({ env: { SUPPORT_CHAT_ID: String(SUPPORT_GROUP), SUPPORT_HOURS: '00:00-24:00', SUPPORT_SLA_MINUTES: '60' } });
  const onSignal = () => void app.stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const sql = postgres(app.db.url, { max: 1, onnotice: () => undefined });
  try {
    const fuzz = new Fuzzer({ seed, customers, supportChatId: SUPPORT_GROUP });
    let sent = 0;
    let failed = 0;
    let transportErrors = 0;
    const started = performance.now();
    let lastReport = started;
    const lane = async () => {
      while (sent < total) {
        sent++;
        fuzz.learn(app.api);
        const update = fuzz.next();
        try {
          const res = await app.api.deliverWebhook(update);
          if (res.status !== 200) failed++;
        } catch (err) {
          transportErrors++;
          failed++;
          if (transportErrors <= 3) console.error(`update ${update.update_id}: ${err instanceof Error ? err.message : String(err)}`);
        }
        if (performance.now() - lastReport > 5_000) {
          lastReport = performance.now();
          console.log(`… ${sent} sent, ${failed} failed, ${Math.round(sent / ((lastReport - started) / 1000))}/s`);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    // The webhook's 200 means stored; the inbox handles the update after it. Counted once nothing
    // is pending any more (or a minute has passed): until then a press may just not be answered yet.
    const pendingNow = async () => (await sql<Array<{ n: number }>>`select count(*)::int as n from inbox_updates where state = 'pending'`)[0]!.n;
    const drainBy = performance.now() + 60_000;
    let pending = await pendingNow();
    while (pending > 0 && performance.now() < drainBy) {
      await new Promise((r) => setTimeout(r, 200));
      pending = await pendingNow();
    }
    const seconds = (performance.now() - started) / 1000;
    // A try that failed shows as a row tried more than once (retried), or parked.
    const [inbox] = await sql<Array<{ parked: number; retried: number }>>`
      select count(*) filter (where state = 'parked')::int as parked, count(*) filter (where attempts > 1)::int as retried from inbox_updates`;
    // Still alive: the app answers its stats and, once handled, the next customer's /start.
    const stats = await app.child.stats();
    const fresh = userFor(9_199_999_999, { languageCode: 'en', firstName: 'After' });
    const from = app.api.calls.length;
    const res = await app.api.deliverWebhook(withId(textUpdate(fresh, '/start')));
    const answered = () => app.api.calls.slice(from).some((c) => String(c.params.chat_id) === String(fresh.id));
    const answerBy = performance.now() + 30_000;
    while (res.status === 200 && !answered() && performance.now() < answerBy) await new Promise((r) => setTimeout(r, 50));
    const alive = res.status === 200 && answered();
    const seen = fuzz.tally(app.api.calls);
    const [paid] = await sql.unsafe<Array<{ n: number }>>(JUNK_PAYMENTS_SQL);
    const [unmatched] = await sql<Array<{ n: number }>>`select count(*)::int as n from unmatched_payments`;
    console.log(`kinds: ${JSON.stringify(Object.fromEntries(fuzz.kinds))}`);
    console.log(
      `${total} updates in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s); ${app.api.calls.length} Bot API calls; ` +
        `${seen.apologies} apologies; ${unmatched!.n} stray payments kept in unmatched_payments; ` +
        `inbox: ${pending} still pending, ${inbox!.parked} parked, ${inbox!.retried} retried; app alive: ${alive}`,
    );
    const figures: FuzzFigures = {
      updates: total,
      failed_updates: failed + seen.apologies + pending + inbox!.parked + inbox!.retried,
      callbacks_unanswered: seen.callbacks_unanswered,
      precheckouts_unanswered: seen.precheckouts_unanswered,
      junk_approved: seen.junk_approved,
      junk_payments_recorded: paid!.n,
      silent_customers: seen.silent_customers,
      rss_mb: Math.round(stats.rssMb),
    };
    const clean = alive && Object.entries(figures).every(([k, v]) => k === 'updates' || k === 'rss_mb' || v === 0);
    if (!clean) process.exitCode = 1;
    console.log(JSON.stringify(figures));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await sql.end();
    await app.stop();
  }
}
