/**
 * `npm run bench -- updates`: simulated customers play the journey (15 updates each, see
 * support/journey.ts) through the Bot API stand-in on loopback against the real bot, Postgres and
 * Redis, in webhook mode. Three measurements:
 *
 *  1. baseline: a bare telegraf bot (one API call per update, no database) driven with the same
 *     update mix and concurrency: what this machine and telegraf manage without the product;
 *  2. throughput: the real app with `--customers` updates in flight (closed loop);
 *  3. paced: the real app at `--rate` updates/s (open loop), for the latency at a given load.
 *
 * Latency of an update = from the start of the webhook POST until the app has handled it (the
 * app answers the POST once the update is stored in its inbox, then reports each update handled
 * over IPC); the ingest figures are the webhook's answer time alone (POST to 200). The app (and the baseline bot) runs in a child process of its own,
 * as in production (support/app-process.ts, support/ipc.ts); the load generator and the Bot API
 * stand-in share this process. Postgres and Redis are the machine's own servers. The last line
 * printed is one JSON object with the figures.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { BenchArgs } from './support/args.js';
import { CpuMeter } from './support/cpu.js';
import { ADMIN_URL, BENCH_WEBHOOK_SECRET, cleanUpNow, machine, REDIS_URL, startBaseline, startBenchApp, type BenchApp } from './support/env.js';
import { createPoster, type Poster } from './support/http-client.js';
import type { BenchChild, ChildStats } from './support/ipc.js';
import { rng, STEPS, Traffic, type Customer } from './support/journey.js';
import { closedLoop, openLoop, type Driver, type PhaseResult } from './support/load.js';
import { fmtMs, round, withLoopDelay } from './support/stats.js';
import { Tracer, type TraceEvent } from './support/trace.js';

export const description = 'customers play the journey against the real bot in webhook mode; updates/s and latency';

const HELP = `npm run bench -- updates [options]
  --customers N       updates in flight in the throughput phases (default 128)
  --seconds S         length of the throughput phases (default 10)
  --warmup S          unmeasured warm-up of the app before them (default 3)
  --rate R[,R…]       updates/s of the paced phase(s), one phase per rate (default 250,1000)
  --paced-seconds S   length of each paced phase (default: --seconds)
  --seed N            seed of the customers' choices (default 42)
  --skip-baseline     do not measure the bare telegraf bot
  --steps             latency of each journey step in the paced phases
  --queries           the SQL statements the app sent most often
  --trace             instead of measuring, play journeys one update at a time and print what
                      each update of the last one waited for (SQL, Redis, Bot API calls)
  --async-commit      what-if: the app's database with synchronous_commit=off (not the product's setting)`;

/** The goals of issue 2 on the 2-core reference machine. */
const GOAL_UPDATES_PER_S = 500;
const GOAL_RATE = 250;
const GOAL_P99_MS = 50;

const indent = ' '.repeat(25);

interface Options {
  customers: number;
  seconds: number;
  warmup: number;
  rates: number[];
  pacedSeconds: number;
  seed: number;
  stop: () => boolean;
}

type CpuPerUpdate = { node: number; postgres: number; redis: number };

/** Event-loop delay (p99) during a phase: the bot's process, and this one (load generator + stand-in). */
interface Loops {
  bot: number;
  harness: number;
}

function describe(label: string, r: PhaseResult, loops: Loops): void {
  const s = r.latency.summary();
  const i = r.ingest.summary();
  const ingest = i.count > 0 ? `${indent}webhook answer (stored in the inbox): p50 ${fmtMs(i.p50)}  p99 ${fmtMs(i.p99)}  max ${fmtMs(i.max)}` : null;
  console.log(
    `${label.padEnd(24)} ${String(r.updates).padStart(6)} updates in ${r.seconds.toFixed(1)} s = ` +
      `${r.updatesPerS.toFixed(0).padStart(5)} updates/s | p50 ${fmtMs(s.p50)}  p90 ${fmtMs(s.p90)}  ` +
      `p99 ${fmtMs(s.p99)}  max ${fmtMs(s.max)} | event-loop p99 ${fmtMs(loops.bot)} (harness ${fmtMs(loops.harness)})`,
  );
  if (ingest) console.log(ingest);
}

interface Measured {
  result: PhaseResult;
  loops: Loops;
  /** The bot's process (`node`), Postgres, Redis. */
  cpu: CpuPerUpdate;
  /** This process (load generator + stand-in), ms per update. */
  harnessCpu: number;
  /** What the bot's process reported, over the phase (updates handled, SQL statements, event-loop delay). */
  child: ChildStats;
}

/** Runs a phase, measuring the event-loop delays and the CPU time spent on it (`top`: the SQL statements to list). */
async function measured(meter: CpuMeter, fn: () => Promise<PhaseResult>, top = 0): Promise<Measured> {
  const before = await meter.sample({ reset: true });
  const { result, loopP99Ms } = await withLoopDelay(fn);
  const d = CpuMeter.diff(before, await meter.sample({ top }));
  const n = Math.max(1, result.updates);
  const cpu = { node: round(d.botMs / n, 2), postgres: round(d.postgresMs / n, 2), redis: round(d.redisMs / n, 2) };
  return { result, loops: { bot: d.child.loopP99Ms, harness: loopP99Ms }, cpu, harnessCpu: round(d.harnessMs / n, 2), child: d.child };
}

/** Runs a phase, measuring the event-loop delays only. */
async function withLoops(child: BenchChild, fn: () => Promise<PhaseResult>): Promise<{ result: PhaseResult; loops: Loops }> {
  await child.stats({ reset: true });
  const { result, loopP99Ms } = await withLoopDelay(fn);
  const after = await child.stats();
  return { result, loops: { bot: after.loopP99Ms, harness: loopP99Ms } };
}

function describeCpu(m: Measured, who: string, withServers: boolean): void {
  console.log(
    `${indent}CPU per update: ${m.cpu.node} ms in the ${who}'s process` +
      (withServers ? `, ${m.cpu.postgres} ms in Postgres backends, ≤ ${m.cpu.redis} ms in Redis (shared server)` : '') +
      `; ${m.harnessCpu} ms in the load generator + stand-in`,
  );
  if (m.child.updatesHandled !== m.result.updates) {
    console.log(`${indent}(the ${who} counted ${m.child.updatesHandled} updates handled, the load generator ${m.result.updates} answered)`);
  }
}

async function measureBaseline(o: Options): Promise<Measured> {
  const b = await startBaseline();
  const traffic = new Traffic(b.api, false, o.seed, 1_000_000_000);
  const poster = createPoster(b.url, { 'x-telegram-bot-api-secret-token': BENCH_WEBHOOK_SECRET }, o.customers);
  const driver: Driver = { traffic, poster };
  const meter = new CpuMeter(b.child, null, null, null);
  try {
    if (o.warmup > 0) await closedLoop(driver, { concurrency: o.customers, seconds: Math.min(o.warmup, 2), stop: o.stop });
    b.api.clear();
    const m = await measured(meter, () => closedLoop(driver, { concurrency: o.customers, seconds: o.seconds, stop: o.stop }));
    describe('baseline (bare telegraf)', m.result, m.loops);
    describeCpu(m, 'baseline bot', false);
    if (traffic.errorCount) console.log(`${indent}${traffic.errorCount} webhook calls failed`);
    return m;
  } finally {
    await meter.close();
    traffic.close();
    poster.close();
    await b.stop();
  }
}

/** Plays `journeys` journeys one update at a time; prints the timeline of each update of the last. */
async function traceJourneys(env: BenchApp, traffic: Traffic, poster: Poster, journeys: number): Promise<void> {
  const tracer = new Tracer(env.api, () => env.child.request<TraceEvent[]>('trace'));
  try {
    for (let j = 1; j <= journeys; j++) {
      const c = traffic.newCustomer();
      const traced = j === journeys;
      for (let body = traffic.next(c); body !== null; body = traffic.next(c)) {
        const step = c.stepName;
        await tracer.begin();
        const start = performance.now();
        const status = await poster.post(body);
        const ms = performance.now() - start;
        traffic.settle(c, status);
        traffic.observe(step, ms);
        if (traced) console.log([`— ${step} (${ms.toFixed(1)} ms)`, ...(await tracer.render(ms)).map((l) => `   ${l}`)].join('\n'));
      }
      traffic.retire(c);
    }
  } finally {
    tracer.detach();
  }
}

const BUDGET_LIFTED = { SEND_BUDGET_PER_SECOND: '1000', SEND_BUDGET_CHAT_BURST: '10' };

async function runTrace(seed: number, asyncCommit: boolean): Promise<void> {
  const env = await startBenchApp({ trace: true, env: BUDGET_LIFTED, ...(asyncCommit ? { dbSettings: { synchronous_commit: 'off' } } : {}) });
  const traffic = new Traffic(env.api, true, seed + 1, 2_000_000_000);
  const poster = createPoster(env.webhookUrl, env.webhookHeaders, 1);
  try {
    await traceJourneys(env, traffic, poster, 3);
  } finally {
    traffic.close();
    poster.close();
    await env.stop();
  }
  const steps = Object.fromEntries(STEPS.map((step) => [step, round(traffic.byStep.get(step)?.summary().p50 ?? 0)]));
  console.log(`journeys completed: ${traffic.journeys}; errors: ${traffic.errorCount}`);
  if (traffic.errorCount > 0) process.exitCode = 1;
  console.log(JSON.stringify({ bench: 'updates', mode: 'trace', p50_ms_by_step: steps, errors: traffic.errorCount, machine: machine() }));
}

/**
 * Calls `handler` on each Ctrl-C (SIGINT) or SIGTERM (run.ts forwards one per press; signals within
 * 300 ms of the previous one count as the same press all the same). Returns the function that
 * removes the handler.
 */
function onPresses(handler: (press: number, signal: NodeJS.Signals) => void): () => void {
  let presses = 0;
  let last = -Infinity;
  const listener = (signal: NodeJS.Signals) => {
    const now = performance.now();
    if (now - last < 300) return;
    last = now;
    handler(++presses, signal);
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return () => {
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
}

/** Kills the bot processes, drops the database, deletes the Redis keys, exits. */
function quit(): void {
  console.error('quitting: killing the bot processes, dropping the database, deleting the Redis keys…');
  void cleanUpNow().finally(() => process.exit(130));
}

/** Resolves when the app reports update `id` handled (its first try ended); rejects after 30 s. */
function handledBy(env: BenchApp): (id: number) => Promise<void> {
  const waiting = new Map<number, () => void>();
  env.child.onSettled((id) => {
    const w = waiting.get(id);
    if (w) {
      waiting.delete(id);
      w();
    }
  });
  return (id) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`update ${id} not handled within 30 s`));
      }, 30_000);
      waiting.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
    });
}

interface PacedFigures {
  rate: number;
  result: PhaseResult;
}

export async function run(args: BenchArgs): Promise<void> {
  if (args.flag('help')) {
    console.log(HELP);
    return;
  }
  let interrupted = false;
  const o: Options = {
    customers: args.number('customers', 128),
    seconds: args.number('seconds', 10),
    warmup: args.number('warmup', 3),
    rates: args.numbers('rate', [GOAL_RATE, 1000]),
    pacedSeconds: args.number('paced-seconds', args.number('seconds', 10)),
    seed: args.number('seed', 42),
    stop: () => interrupted,
  };
  const asyncCommit = args.flag('async-commit');
  if (args.flag('trace')) {
    // Nothing to finish in a trace: Ctrl-C cleans up and quits (again: quits at once).
    const off = onPresses((press) => (press > 1 ? process.exit(130) : quit()));
    try {
      return await runTrace(o.seed, asyncCommit);
    } finally {
      off();
    }
  }

  // Ctrl-C: finish the phase, clean up, report. Again (or SIGTERM): clean up and quit. A third time: quit.
  const offSignals = onPresses((press, signal) => {
    if (press > 2 || (press > 1 && signal === 'SIGTERM')) process.exit(130);
    interrupted = true;
    if (press > 1 || signal === 'SIGTERM') return quit();
    console.error('interrupted: finishing the current phase, then cleaning up (Ctrl-C again to clean up and quit at once)');
  });

  const m = machine();
  console.log(`bench updates: ${m.cores} cores (${m.cpu}), ${m.mem_gb} GB, node ${m.node}, ${m.platform}, load average ${m.load1}`);
  console.log(`journey of ${STEPS.length} updates per customer: ${STEPS.join(' → ')}`);
  console.log(
    `throughput: ${o.customers} updates in flight for ${o.seconds} s; paced: ${o.rates.join(', ')} updates/s for ${o.pacedSeconds} s` +
      (asyncCommit ? '; WHAT-IF synchronous_commit=off' : ''),
  );

  // 1. Baseline: the bare telegraf bot, same update mix and concurrency.
  const baseline = args.flag('skip-baseline') ? null : await measureBaseline(o);

  // 2 and 3. The real app.
  console.log('starting the app in its own process (fresh database, migrations, seed)…');
  // The stand-in has no rate limits and this bench measures the update path, not Telegram's cap: the
  // send budget (30 messages/s in production, src/telegram/send-budget.ts) is lifted to its maximum.
  const env = await startBenchApp({ env: BUDGET_LIFTED, ...(asyncCommit ? { dbSettings: { synchronous_commit: 'off' } } : {}) });
  const traffic = new Traffic(env.api, true, o.seed + 1, 2_000_000_000);
  const poster = createPoster(env.webhookUrl, env.webhookHeaders, Math.max(o.customers, 256));
  const driver: Driver = { traffic, poster, handled: handledBy(env) };
  const meter = new CpuMeter(env.child, ADMIN_URL, env.db.name, REDIS_URL);
  let throughput: Measured | null = null;
  const paced: PacedFigures[] = [];
  let sqlPerUpdate = 0;
  // Customers carried from phase to phase, spread over the journey.
  const pool: Customer[] = [];
  const random = rng(o.seed + 2);
  try {
    console.log(`app up (pid ${env.child.pid}): database ${env.db.name}, queue prefix ${env.prefix}, webhook on ${new URL(env.webhookUrl).host}`);
    if (o.warmup > 0) {
      const w = await closedLoop(driver, { concurrency: o.customers, seconds: o.warmup, stop: o.stop });
      console.log(`${'warm-up'.padEnd(24)} ${String(w.updates).padStart(6)} updates (${w.updatesPerS.toFixed(0)}/s), not counted`);
    }
    env.api.clear();
    const t = await measured(meter, () => closedLoop(driver, { concurrency: o.customers, seconds: o.seconds, stop: o.stop, keep: pool }), args.flag('queries') ? 20 : 0);
    throughput = t;
    describe(`app, ${o.customers} in flight`, t.result, t.loops);
    describeCpu(t, 'app', true);
    // Counted in the app's process (postgres.js `debug`), from the start of the phase to its end.
    sqlPerUpdate = (t.child.sqlTotal ?? 0) / Math.max(1, t.result.updates);
    console.log(`${indent}${sqlPerUpdate.toFixed(1)} SQL statements per update`);
    for (const q of t.child.sqlTop ?? []) console.log(`${indent}${(q.count / Math.max(1, t.result.updates)).toFixed(2).padStart(5)}/update  ${q.text}`);

    for (const rate of o.rates) {
      if (interrupted) break;
      env.api.clear();
      traffic.byStep.clear();
      const p = await withLoops(env.child, () => openLoop(driver, { rate, seconds: o.pacedSeconds, customers: o.customers, random, pool, stop: o.stop }));
      paced.push({ rate, result: p.result });
      describe(`app, paced ${rate}/s`, p.result, p.loops);
      const due = p.result.latencyFromDue!.summary();
      console.log(
        `${indent}counted from when each update was due: p50 ${fmtMs(due.p50)}  p99 ${fmtMs(due.p99)}; ` +
          `at most ${p.result.maxInFlight} in flight, ${p.result.dropped} not sent (over 500 in flight)`,
      );
      if (args.flag('steps')) {
        for (const step of STEPS) {
          const s = traffic.byStep.get(step)?.summary();
          if (s) console.log(`${indent}  ${step.padEnd(13)} n ${String(s.count).padStart(5)}  p50 ${fmtMs(s.p50).padStart(9)}  p99 ${fmtMs(s.p99).padStart(9)}`);
        }
      }
    }
    env.api.clear();
  } finally {
    for (const c of pool.splice(0)) traffic.retire(c);
    await meter.close();
    traffic.close();
    poster.close();
    console.log('cleaning up: app process, stand-in, database, Redis keys…');
    await env.stop();
    offSignals();
  }

  console.log(`journeys completed: ${traffic.journeys}; errors: ${traffic.errorCount}`);
  for (const [reason, e] of [...traffic.errors].sort((a, b) => b[1].count - a[1].count).slice(0, 10)) {
    console.log(`  ${String(e.count).padStart(5)} × ${reason}${e.example ? ` (e.g. ${e.example.slice(0, 120)})` : ''}`);
  }
  const ts = throughput.result.latency.summary();
  const atGoalRate = paced.find((p) => p.rate === GOAL_RATE)?.result.latency.summary();
  const goals = {
    throughput_ok: throughput.result.updatesPerS >= GOAL_UPDATES_PER_S,
    p99_at_250_ok: atGoalRate ? atGoalRate.p99 < GOAL_P99_MS : null,
  };
  console.log(
    `goals: ≥ ${GOAL_UPDATES_PER_S} updates/s ${goals.throughput_ok ? 'met' : 'NOT met'} (${throughput.result.updatesPerS.toFixed(0)}); ` +
      `p99 < ${GOAL_P99_MS} ms at ${GOAL_RATE} updates/s ` +
      (atGoalRate ? `${goals.p99_at_250_ok ? 'met' : 'NOT met'} (${atGoalRate.p99.toFixed(1)} ms)` : 'not measured'),
  );
  if (interrupted) console.log('interrupted: the figures cover part of the run only');
  const pacedFields: Record<string, number> = {};
  for (const p of paced) {
    const s = p.result.latency.summary();
    pacedFields[`p99_at_${p.rate}_ms`] = round(s.p99);
    pacedFields[`p50_at_${p.rate}_ms`] = round(s.p50);
    pacedFields[`achieved_at_${p.rate}_per_s`] = round(p.result.updatesPerS, 0);
    const i = p.result.ingest.summary();
    pacedFields[`ingest_p50_at_${p.rate}_ms`] = round(i.p50);
    pacedFields[`ingest_p99_at_${p.rate}_ms`] = round(i.p99);
  }
  const result = {
    bench: 'updates',
    updates_per_s: round(throughput.result.updatesPerS, 0),
    p50_ms: round(ts.p50),
    p99_ms: round(ts.p99),
    baseline_updates_per_s: baseline ? round(baseline.result.updatesPerS, 0) : null,
    ratio: baseline ? round(throughput.result.updatesPerS / baseline.result.updatesPerS, 2) : null,
    ...pacedFields,
    baseline_p50_ms: baseline ? round(baseline.result.latency.summary().p50) : null,
    baseline_p99_ms: baseline ? round(baseline.result.latency.summary().p99) : null,
    sql_per_update: round(sqlPerUpdate),
    cpu_ms_per_update: throughput.cpu,
    baseline_cpu_ms_per_update: baseline?.cpu.node ?? null,
    harness_cpu_ms_per_update: throughput.harnessCpu,
    baseline_harness_cpu_ms_per_update: baseline?.harnessCpu ?? null,
    app_process: 'child',
    errors: traffic.errorCount,
    journeys: traffic.journeys,
    in_flight: o.customers,
    seconds: o.seconds,
    ...(asyncCommit ? { what_if: 'synchronous_commit=off' } : {}),
    ...goals,
    machine: { cores: m.cores, node: m.node, load1_start: m.load1, load1_end: round(os.loadavg()[0]!) },
  };
  if (traffic.errorCount > 0 || interrupted) process.exitCode = 1;
  console.log(JSON.stringify(result));
}
