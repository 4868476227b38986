/**
 * `npm run bench -- scale`: issue 12's scale-out run (test/support/scale/run.ts) at full size:
 * 200 customers' journeys to an unpaid deposit, against one app process and then against 3 bot
 * processes (webhook mode, the webhook calls spread over them) and 2 worker processes. Every
 * transcript must equal the one-process one, with 0 errors and every deposit reminder sent once.
 * The last line is one JSON object; the process exits 1 when any of that does not hold.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { killEverything, runScale } from '../test/support/scale/run.js';
import type { BenchArgs } from './support/args.js';
import { createBenchDb, machine } from './support/env.js';

export const description = 'scale: 200 customers through 3 bot + 2 worker processes, transcripts equal to one process, every reminder once';

const HELP = `npm run bench -- scale [options]
  --customers N   customers (default 200)
  --bots N        bot processes in webhook mode (default 3)
  --workers N     worker processes (default 2)
  --seed N        the PRNG seed of the customers' plans and start times (default: random, printed)`;

export async function run(args: BenchArgs): Promise<void> {
  if (args.flag('help')) {
    console.log(HELP);
    return;
  }
  const customers = args.number('customers', 200);
  const seed = args.number('seed', Math.floor(Math.random() * 2 ** 31));
  const m = machine();
  const logDir = mkdtempSync(path.join(tmpdir(), 'tjd-scale-'));
  console.log(`scale: seed ${seed}, ${customers} customers; machine: ${m.cores} cores (${m.cpu}), node ${m.node}, load average ${m.load1}; app logs in ${logDir}`);
  const db = await createBenchDb();
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`scale: ${signal}: killing the app's processes and dropping the database`);
    killEverything();
    void db.drop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const { figures, details } = await runScale({
      databaseUrl: db.url,
      customers,
      bots: args.number('bots', 3),
      workers: args.number('workers', 2),
      seed,
      logDir,
      print: (line) => console.log(line),
    });
    console.log(`details: ${JSON.stringify(details)}`);
    const ok =
      figures.transcripts_differ === 0 &&
      figures.errors === 0 &&
      figures.reminders_sent_once === customers &&
      figures.journeys_done === customers &&
      figures.bot_processes_used > 1;
    console.log(ok ? 'scale-out: every transcript as with one process, 0 errors, every reminder sent once' : 'scale-out: NOT as with one process (see details)');
    if (!ok) process.exitCode = 1;
    console.log(JSON.stringify(figures));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await db.drop().catch((err: unknown) => console.error(`could not drop database ${db.name}:`, err));
  }
}
