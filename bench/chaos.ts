/**
 * `npm run chaos` (or `npm run bench -- chaos`): the chaos run of issue 10 against the real app's
 * processes (test/support/chaos/run.ts): customers order a car and pay its deposit, then buy from
 * the store, against 2 bot processes in webhook mode and then 1 bot in polling mode plus a worker,
 * while processes are killed with -9, Postgres connections cut, Redis restarted and the Bot API
 * stand-in answers 500/429. The last line is one JSON object; the process exits 1 when a payment
 * was lost or doubled, an order doubled, a receipt missing or an update left pending.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { killEverything, runChaos, type ChaosFigures } from '../test/support/chaos/run.js';
import type { BenchArgs } from './support/args.js';
import { createBenchDb, machine } from './support/env.js';

export const description = 'chaos: customers pay while processes die, Postgres and Redis drop out and Telegram fails (exactly-once checks)';

const HELP = `npm run chaos -- [options]      (same as npm run bench -- chaos)
  --customers N    customers per round (default 200)
  --rounds LIST    webhook,polling (default both, in that order)
  --seed N         the PRNG seed (default: random, printed)
  --fault-every MS average pause between two faults (default 5000)
  --no-faults      the same run without any fault (checks the harness itself: must pass)`;

/** The figures that must be zero (or equal) for a clean run. */
export function problems(f: ChaosFigures, undelivered = 0): string[] {
  const out: string[] = [];
  if (f.payments_recorded !== f.payments_sent) out.push(`${f.payments_sent - f.payments_recorded} payment(s) lost`);
  if (f.duplicates) out.push(`${f.duplicates} duplicate(s)`);
  if (f.orders_doubled) out.push(`${f.orders_doubled} doubled order(s)`);
  if (f.receipts_missing) out.push(`${f.receipts_missing} receipt(s) missing`);
  if (f.pending) out.push(`${f.pending} update(s) pending`);
  if (undelivered) out.push(`${undelivered} payment(s) never acknowledged by the app`);
  return out;
}

export async function run(args: BenchArgs): Promise<void> {
  if (args.flag('help')) {
    console.log(HELP);
    return;
  }
  const customers = args.number('customers', 200);
  const seed = args.number('seed', Math.floor(Math.random() * 2 ** 31));
  const faults = !args.flag('no-faults');
  const rounds = args.string('rounds', 'webhook,polling').split(',') as Array<'webhook' | 'polling'>;
  if (rounds.some((r) => r !== 'webhook' && r !== 'polling')) throw new Error('--rounds takes webhook and/or polling');
  const m = machine();
  const logDir = mkdtempSync(path.join(tmpdir(), 'tjd-chaos-'));
  console.log(`chaos: seed ${seed} (replay with --seed ${seed}), ${customers} customers per round, rounds ${rounds.join(' → ')}, faults ${faults ? 'on' : 'off'}`);
  console.log(`machine: ${m.cores} cores (${m.cpu}), node ${m.node}, load average ${m.load1}; app logs in ${logDir}`);
  const db = await createBenchDb();
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`chaos: ${signal}: killing the app's processes and dropping the database`);
    killEverything();
    void db.drop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const { figures, details } = await runChaos({
      databaseUrl: db.url,
      customers,
      rounds,
      faults: faults ? 'random' : false,
      seed,
      logDir,
      faultEveryMs: args.number('fault-every', 5_000),
      print: (line) => console.log(line),
    });
    console.log(`details: ${JSON.stringify(details)}`);
    const found = problems(figures, Number(details.payments_undelivered ?? 0));
    console.log(found.length ? `NOT exactly once: ${found.join('; ')}` : 'exactly once: every payment recorded once, no doubled order, every receipt sent, nothing pending');
    if (found.length) process.exitCode = 1;
    console.log(JSON.stringify(figures));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await db.drop().catch((err: unknown) => console.error(`could not drop database ${db.name}:`, err));
  }
}
