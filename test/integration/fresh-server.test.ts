/**
 * What a fresh machine's Postgres gives the suite and `npm run dev`: a server with no database
 * made for us, a role that logs in with a password, or no server at all. The suite makes its own
 * databases (test/support/test-server.ts); `npm run dev` and `npm run db:migrate` make the one
 * DATABASE_URL names (src/db/server.ts).
 *
 * The project's Postgres may trust local logins, in which case it does not check the password:
 * these tests prove the password travels intact (encoded in the URL, kept in every URL made from
 * it) and that what is made belongs to the role in the URL, not to the server's superuser; a
 * server that does check it is test/integration/password-server.test.ts.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateCli } from '../../src/db/migrate.js';
import { seedCli } from '../../src/db/seed.js';
import { adminConnection, databaseOf, ensureDatabase, withDatabase } from '../../src/db/server.js';
import { adminUrl, testDbName } from '../support/db.js';
import { buildTemplate, connectAdmin, PG, postgresProblem, redisProblem, TestServicesError } from '../support/test-server.js';

const suffix = randomBytes(4).toString('hex');
const ROLE = `tjd_pw_${suffix}`;
const PLAIN_ROLE = `tjd_nocreate_${suffix}`;
// Characters a URL must encode: a password copied from a vault often has them.
const PASSWORD = `p@ss:w/rd#${suffix}?`;
const made: string[] = [];
let root: postgres.Sql;

/** The tests' server as `role` with `password`, database `database`. */
const urlAs = (role: string, password: string | null, database: string) => {
  const u = new URL(withDatabase(PG.url, database));
  u.username = role;
  u.password = password === null ? '' : encodeURIComponent(password);
  return u.toString();
};

beforeAll(async () => {
  root = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  await root.unsafe(`create role ${ROLE} login createdb password '${PASSWORD.replace(/'/g, "''")}'`);
  await root.unsafe(`create role ${PLAIN_ROLE} login`);
});
afterAll(async () => {
  for (const name of made) await root.unsafe(`drop database if exists ${name} with (force)`);
  await root.unsafe(`drop role if exists ${ROLE}`);
  await root.unsafe(`drop role if exists ${PLAIN_ROLE}`);
  await root.end();
});

const ownerOf = async (database: string) =>
  (await root<{ owner: string }[]>`select pg_get_userbyid(datdba) as owner from pg_database where datname = ${database}`)[0]?.owner ?? null;

describe('the test suite on a server with a password role and no database of its own', () => {
  it('connects through `postgres` when the URL names a database that does not exist, and builds the template as that role', async () => {
    const url = urlAs(ROLE, PASSWORD, `nosuch_${suffix}`);
    const admin = await connectAdmin(url, 'TEST_DATABASE_URL');
    if ('problem' in admin) throw new Error(admin.problem);
    try {
      expect(databaseOf(admin.url)).toBe('postgres');
      expect(new URL(admin.url).username).toBe(ROLE);
      expect(decodeURIComponent(new URL(admin.url).password)).toBe(PASSWORD);
      const [me] = await admin.sql<{ user: string }[]>`select current_user as user`;
      expect(me!.user).toBe(ROLE);

      const template = testDbName('tpl');
      made.push(template);
      await buildTemplate(admin.sql, url, template, 'TEST_DATABASE_URL');
      expect(await ownerOf(template)).toBe(ROLE);
      // Migrated and seeded: the catalog is there, read as that role.
      const sql = postgres(withDatabase(url, template), { max: 1, onnotice: () => {} });
      try {
        const [row] = await sql<{ models: number }[]>`select count(*)::int as models from car_models`;
        expect(row!.models).toBeGreaterThanOrEqual(4);
        const [who] = await sql<{ user: string }[]>`select current_user as user`;
        expect(who!.user).toBe(ROLE);
      } finally {
        await sql.end();
      }
    } finally {
      await admin.sql.end();
    }
  });

  it('a role that may not create databases: named, with the statement that gives it the right', async () => {
    const url = urlAs(PLAIN_ROLE, null, 'postgres');
    const admin = await adminConnection(url);
    const name = testDbName('tpl');
    try {
      const err = await buildTemplate(admin.sql, url, name, 'TEST_DATABASE_URL').then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TestServicesError);
      const message = (err as TestServicesError).message;
      expect(message).toContain(`role "${PLAIN_ROLE}" may not create databases`);
      expect(message).toContain(`ALTER ROLE "${PLAIN_ROLE}" CREATEDB`);
      expect(message).not.toMatch(/^\s+at /m);
    } finally {
      await admin.sql.end();
    }
    expect(await ownerOf(name)).toBeNull();
  });

  it('a role the server does not know: the login refusal is named with the variable to set', async () => {
    const problem = await connectAdmin(urlAs(`tjd_nobody_${suffix}`, 'x', 'postgres'), 'TEST_DATABASE_URL');
    expect(problem).toMatchObject({ problem: expect.stringContaining(`refused to log in role "tjd_nobody_${suffix}"`) });
    expect((problem as { fix: string }).fix).toContain('Set TEST_DATABASE_URL');
  });

  it('Postgres and Redis down: each named with its address and where that came from, and the one command that starts them', async () => {
    const pg = await connectAdmin('postgres://postgres@127.0.0.1:1/postgres', 'DATABASE_URL');
    expect(pg).toMatchObject({ problem: expect.stringMatching(/^Postgres is not reachable at 127\.0\.0\.1:1 \(from DATABASE_URL\): connect ECONNREFUSED/) });
    const redis = await redisProblem('redis://127.0.0.1:1', null);
    expect(redis?.problem).toMatch(/^Redis is not reachable at 127\.0\.0\.1:1 \(the default; set TEST_REDIS_URL to use another\): connect ECONNREFUSED/);
    const err = new TestServicesError([pg as { problem: string; fix: string }, redis!]);
    // Both problems, then the fix once.
    expect(err.message.match(/docker compose up -d postgres redis/g)).toHaveLength(1);
    expect(err.message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(2);
    expect(postgresProblem(Object.assign(new Error('timeout'), { code: 'CONNECT_TIMEOUT' }), 'postgres://u:secret@db.example:6543/x', null).problem).toBe(
      'Postgres is not reachable at db.example:6543 (the default; set TEST_DATABASE_URL to use another): timeout',
    );
  });
});

describe('npm run dev and db:migrate on a database that does not exist yet', () => {
  it('ensureDatabase makes it, owned by the role in DATABASE_URL, once', async () => {
    const name = `tjd_t_${Date.now().toString(36)}_${suffix}`;
    made.push(name);
    const url = urlAs(ROLE, PASSWORD, name);
    expect(await ensureDatabase(url)).toBe(true);
    expect(await ownerOf(name)).toBe(ROLE);
    expect(await ensureDatabase(url)).toBe(false);
    // Two processes starting together (bot and worker): one makes it, the other finds it made.
    const other = `tjd_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    made.push(other);
    const both = await Promise.all([ensureDatabase(urlAs(ROLE, PASSWORD, other)), ensureDatabase(urlAs(ROLE, PASSWORD, other))]);
    expect(both.filter(Boolean).length).toBeLessThanOrEqual(1);
    expect(await ownerOf(other)).toBe(ROLE);
  });

  it('leaves an unreachable server to the caller (false, nothing thrown)', async () => {
    expect(await ensureDatabase('postgres://postgres@127.0.0.1:1/nope')).toBe(false);
  });

  it('db:migrate and db:seed: a wrong DATABASE_URL is named (exit 2), an unreachable server is reported with the password hidden (exit 1)', async () => {
    const lines: string[] = [];
    const io = { out: (t: string) => void lines.push(t), err: (t: string) => void lines.push(t) };
    expect(await migrateCli({ DATABASE_URL: 'mysql://db/app', BOT_TOKEN: 'not even a token' }, io)).toBe(2);
    expect(await seedCli([], { DATABASE_URL: 'mysql://db/app' }, io)).toBe(2);
    expect(lines.filter((l) => l.includes('DATABASE_URL must be a postgres URL') && l.includes('cp .env.example .env'))).toHaveLength(2);
    expect(lines.join('\n')).not.toContain('BOT_TOKEN');
    lines.length = 0;
    expect(await migrateCli({ DATABASE_URL: 'postgres://app:s3cret@127.0.0.1:1/app' }, io)).toBe(1);
    expect(await seedCli([], { DATABASE_URL: 'postgres://app:s3cret@127.0.0.1:1/app' }, io)).toBe(1);
    expect(lines).toEqual([
      'migration failed at postgres://app:***@127.0.0.1:1/app: connect ECONNREFUSED 127.0.0.1:1\nStart it with `docker compose up -d postgres redis`, or set DATABASE_URL (in .env or the environment).',
      'seed failed at postgres://app:***@127.0.0.1:1/app: connect ECONNREFUSED 127.0.0.1:1\nStart it with `docker compose up -d postgres redis`, or set DATABASE_URL (in .env or the environment).',
    ]);
  });
});
