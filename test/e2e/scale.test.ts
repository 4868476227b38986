/**
 * The short form of `npm run bench -- scale` (test/support/scale/run.ts): the same customers'
 * journeys to an unpaid deposit, first against one app process, then against 3 bot processes
 * (webhook mode, the stand-in spreading webhook calls over them) and 2 worker processes, all real
 * child processes on loopback. Every customer's transcript must be the one the single process
 * produced, with no error, and every deposit reminder sent exactly once. 200 customers take
 * minutes on a 2-core machine: that form is the benchmark's (SCALE_CUSTOMERS=200 runs it here).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/db.js';
import { hasRedisServer } from '../support/private-redis.js';
import { afternoonZone, runScale } from '../support/scale/run.js';

const CUSTOMERS = Number(process.env.SCALE_CUSTOMERS ?? 12);
const SEED = Number(process.env.SCALE_SEED ?? 20261203);

let db: TestDb;
beforeEach(async () => {
  db = await createTestDb();
});
afterEach(async () => {
  await db?.drop();
});

it('afternoonZone: a fixed-offset zone where it is 14:xx now, whatever the hour', () => {
  for (const hour of [0, 5, 14, 23]) {
    const now = new Date(Date.UTC(2026, 11, 3, hour, 30));
    const local = new Intl.DateTimeFormat('en', { timeZone: afternoonZone(now), hour: 'numeric', hourCycle: 'h23' }).format(now);
    expect(Number(local)).toBe(14);
  }
});

it.skipIf(!hasRedisServer)(
  `${CUSTOMERS} customers through 3 bot and 2 worker processes: each transcript as with one process, 0 errors, every reminder once`,
  { timeout: 300_000 },
  async () => {
    const logDir = mkdtempSync(path.join(tmpdir(), 'tjd-scale-test-'));
    const { figures, details } = await runScale({ databaseUrl: db.url, customers: CUSTOMERS, seed: SEED, logDir, rampMs: 2_000 });
    const why = JSON.stringify(details, null, 1);
    expect(
      {
        journeys: figures.journeys_done,
        equal: figures.transcripts_equal,
        errors: figures.errors,
        once: figures.reminders_sent_once,
        missing: figures.reminders_missing,
        doubled: figures.reminders_doubled,
      },
      why,
    ).toEqual({ journeys: CUSTOMERS, equal: CUSTOMERS, errors: 0, once: CUSTOMERS, missing: 0, doubled: 0 });
    // The webhook calls were spread: more than one bot process took updates from the inbox.
    expect(figures.bot_processes_used, why).toBeGreaterThan(1);
  },
);
