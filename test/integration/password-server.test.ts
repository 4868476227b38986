/**
 * A Postgres that checks passwords (scram-sha-256, a server of the test's own: the project's may
 * trust local logins and never ask): the suite's setup and `npm run dev`'s database creation work
 * with the password in the URL, and a wrong one is named as a refused login, not a stack trace.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateCli } from '../../src/db/migrate.js';
import { seedCli } from '../../src/db/seed.js';
import { ensureDatabase } from '../../src/db/server.js';
import { postgresBinDir, startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { buildTemplate, connectAdmin } from '../support/test-server.js';

// Characters a URL must encode, as a generated password often has.
const PASSWORD = `s3cret/${randomBytes(4).toString('hex')}@:#?`;
let pg: PrivatePostgres;

// Without server binaries (a laptop running Postgres in Docker) there is nothing to start.
describe.skipIf(!postgresBinDir())('a Postgres that checks passwords', () => {
  beforeAll(async () => {
    pg = await startPrivatePostgres(PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
  });

  it('without the password nothing logs in (the server really checks)', async () => {
    const sql = postgres(`postgres://postgres@127.0.0.1:${pg.port}/postgres`, { max: 1, onnotice: () => {}, connect_timeout: 5 });
    await expect(sql`select 1`).rejects.toMatchObject({ code: '28P01' });
    await sql.end();
  });

  it("the tests' setup logs in with it, through `postgres` when the URL's database is missing, and builds the template", async () => {
    const admin = await connectAdmin(pg.url('no_such_db'), 'TEST_DATABASE_URL');
    if ('problem' in admin) throw new Error(admin.problem);
    try {
      await buildTemplate(admin.sql, pg.url(), 'tjd_tpl_pw', 'TEST_DATABASE_URL');
    } finally {
      await admin.sql.end();
    }
    const sql = postgres(pg.url('tjd_tpl_pw'), { max: 1, onnotice: () => {} });
    const [row] = await sql<{ models: number }[]>`select count(*)::int as models from car_models`;
    await sql.end();
    expect(row!.models).toBeGreaterThanOrEqual(4);
  });

  it('a wrong password: the refused login is named with what to set, the password never shown', async () => {
    const problem = await connectAdmin(pg.url('postgres', 'wrong-pw-123'), 'TEST_DATABASE_URL');
    expect(problem).toMatchObject({ problem: expect.stringContaining(`127.0.0.1:${pg.port} (from TEST_DATABASE_URL) refused to log in role "postgres"`) });
    const { problem: text, fix } = problem as { problem: string; fix: string };
    expect(text).toContain('password authentication failed');
    expect(fix).toContain('Set TEST_DATABASE_URL');
    expect(text + fix).not.toContain('wrong-pw-123');
  });

  it('npm run db:migrate and db:seed make, migrate and seed the database DATABASE_URL names, logging in with the password', async () => {
    const lines: string[] = [];
    const io = { out: (t: string) => void lines.push(t), err: (t: string) => void lines.push(`ERR ${t}`) };
    expect(await migrateCli({ DATABASE_URL: pg.url('tjd_app') }, io)).toBe(0);
    expect(lines).toEqual(['database "tjd_app" created', expect.stringMatching(/^migrations applied \([1-9]\d*\)$/)]);
    expect(await seedCli(['--if-empty'], { DATABASE_URL: pg.url('tjd_app') }, io)).toBe(0);
    expect(lines.at(-1)).toBe('catalog, delivery centres and slots seeded (sample data)');
    // Again: the database is there, nothing to apply, the catalog kept.
    expect(await migrateCli({ DATABASE_URL: pg.url('tjd_app') }, io)).toBe(0);
    expect(lines.at(-1)).toBe('migrations applied (none pending)');
    expect(lines).toHaveLength(4);
    // npm run dev's path (src/app.ts) goes through the same ensureDatabase.
    expect(await ensureDatabase(pg.url('tjd_dev'))).toBe(true);
  });
});
