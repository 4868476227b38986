/**
 * Four processes started at once on a database that does not exist yet (bot and worker replicas
 * of a first deploy): each makes the database if needed and migrates, queued on one
 * transaction-level advisory lock (src/db/migrate.ts), so the migrations are applied once, by one
 * of them, and the others find nothing left to do. Directly and through PgBouncer in transaction
 * mode (DATABASE_PREPARE=false).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rootPath } from '../../src/shared/paths.js';
import { nodeArgsFor } from '../support/compiled.js';
import { adminUrl, testDbName, urlFor } from '../support/db.js';
import { hasPgBouncer, PgBouncer } from '../support/pgbouncer.js';
import { PG } from '../support/test-server.js';

const JOURNAL = (JSON.parse(readFileSync(rootPath('migrations/meta/_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;
const made: string[] = [];
let bouncer: PgBouncer | null = null;

beforeAll(async () => {
  if (hasPgBouncer) bouncer = await PgBouncer.start(PG.url);
});

afterAll(async () => {
  await bouncer?.stop();
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  try {
    for (const name of made) await admin.unsafe(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
});

/** `npm run db:migrate` (src/db/migrate.ts) in its own process; resolves with its exit code and output. */
function migrate(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgsFor('src/db/migrate.ts'), {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out }));
  });
}

async function fourAtOnce(url: string, checkUrl: string, env: Record<string, string> = {}) {
  const runs = await Promise.all(Array.from({ length: 4 }, () => migrate({ DATABASE_URL: url, ...env })));
  for (const r of runs) expect(r.code, r.out).toBe(0);
  const applied = runs.map((r) => /migrations applied \((\d+|none pending)\)/.exec(r.out)?.[1]);
  // One process applied every migration; the three others waited on the lock and found none left.
  expect(applied.filter((a) => a === String(JOURNAL))).toHaveLength(1);
  expect(applied.filter((a) => a === 'none pending')).toHaveLength(3);
  const sql = postgres(checkUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ n: number; hashes: number }[]>`select count(*)::int as n, count(distinct hash)::int as hashes from drizzle.__drizzle_migrations`;
    expect(rows[0]).toEqual({ n: JOURNAL, hashes: JOURNAL });
    // The schema is whole: the last migration's objects are there.
    const [row] = await sql<{ tables: number }[]>`select count(*)::int as tables from information_schema.tables where table_schema = 'public'`;
    expect(row?.tables).toBeGreaterThan(20);
  } finally {
    await sql.end();
  }
}

describe('four processes migrating one empty database at once', () => {
  it('directly: the database made once, the migrations applied once', async () => {
    const name = testDbName('t');
    made.push(name);
    await fourAtOnce(urlFor(name), urlFor(name));
  }, 120_000);

  it.runIf(hasPgBouncer)(
    'through PgBouncer in transaction mode, with DATABASE_PREPARE=false',
    async () => {
      const name = testDbName('t');
      made.push(name);
      // Made empty beforehand, as behind a pooler the database is (PgBouncer answers a login to a
      // missing one with its own error, not Postgres's 3D000 that ensureDatabase looks for).
      const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database ${name}`).finally(() => admin.end());
      await fourAtOnce(bouncer!.url(name, PG.url), urlFor(name), { DATABASE_PREPARE: 'false' });
    },
    120_000,
  );
});
