import { Redis } from 'ioredis';
import type postgres from 'postgres';
import { runMigrations } from '../../src/db/migrate.js';
import { createDb } from '../../src/db/client.js';
import { adminConnection, redactUrl, withDatabase } from '../../src/db/server.js';
import { seed } from '../../src/db/seed.js';
import { readEnvFile } from '../../src/shared/startup.js';

/**
 * Where the tests find Postgres and Redis, and what they say when they cannot. The suite needs
 * nothing made beforehand: it creates its own databases (`tjd_*`) on the server, connecting
 * through whichever database the server has (src/db/server.ts, adminConnection).
 */

const START = 'docker compose up -d postgres redis';

/** The environment, over the project's .env (read as every npm script reads it, src/shared/startup.ts). */
const env: Record<string, string | undefined> = { ...readEnvFile(), ...process.env };
const pick = (names: string[], fallback: string) => {
  const name = names.find((n) => env[n]);
  return { url: name ? env[name]! : fallback, from: name ?? null };
};

/**
 * The Postgres server and role of the tests: TEST_DATABASE_URL, else DATABASE_URL, else the local
 * server. Only its server, role and password count: each test file gets a database of its own.
 */
export const PG = pick(['TEST_DATABASE_URL', 'DATABASE_URL'], 'postgres://postgres@127.0.0.1:5432/postgres');
/** The Redis of the tests: TEST_REDIS_URL, else REDIS_URL, else the local one; each file uses a key prefix of its own. */
export const REDIS = pick(['TEST_REDIS_URL', 'REDIS_URL'], 'redis://127.0.0.1:6379');

const hostOf = (url: string) => {
  const u = new URL(url);
  return `${u.hostname || '127.0.0.1'}:${u.port || (u.protocol.startsWith('redis') ? '6379' : '5432')}`;
};
const source = (from: string | null, own: string) => (from ? `from ${from}` : `the default; set ${own} to use another`);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'CONNECT_TIMEOUT']);
const codeOf = (err: unknown): string => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : '';
};
const messageOf = (err: unknown) => (err instanceof Error ? err.message || codeOf(err) : String(err)).replace(/\.$/, '');

/** Why a service cannot serve the tests (one line), and what to do about it. */
export interface Problem {
  problem: string;
  fix: string;
}

const START_FIX = `Start them with: ${START}\n(or set TEST_DATABASE_URL / TEST_REDIS_URL to servers of yours, e.g. postgres://user:password@host:5432/postgres)`;

/** Why Postgres at `url` cannot serve the tests, and what to do about it. */
export function postgresProblem(err: unknown, url: string = PG.url, from: string | null = PG.from): Problem {
  const where = `${hostOf(url)} (${source(from, 'TEST_DATABASE_URL')})`;
  const role = decodeURIComponent(new URL(url).username) || 'postgres';
  const code = codeOf(err);
  if (UNREACHABLE.has(code)) {
    return { problem: `Postgres is not reachable at ${where}: ${messageOf(err)}`, fix: START_FIX };
  }
  if (code === '28P01' || code === '28000') {
    return {
      problem: `Postgres at ${where} refused to log in role "${role}": ${messageOf(err)}`,
      fix: `Set TEST_DATABASE_URL to a role that may log in and create databases, e.g. postgres://user:password@${hostOf(url)}/postgres`,
    };
  }
  if (code === '42501') {
    return {
      problem: `Postgres at ${where}: role "${role}" may not create databases (${messageOf(err)})`,
      fix: `Give it the right (as a superuser: ALTER ROLE "${role}" CREATEDB;) or set TEST_DATABASE_URL to a role that has it`,
    };
  }
  return { problem: `Postgres at ${where} (${redactUrl(url)}) cannot serve the tests: ${messageOf(err)}`, fix: 'Check TEST_DATABASE_URL' };
}

/** Why Redis at `url` cannot serve the tests, or null when it answers. */
export async function redisProblem(url: string = REDIS.url, from: string | null = REDIS.from): Promise<Problem | null> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  // What the socket said (connect ECONNREFUSED …); connect() itself only rejects with "Connection is closed".
  let cause: unknown = null;
  probe.on('error', (err) => (cause ??= err));
  try {
    await probe.connect();
    await probe.ping();
    return null;
  } catch (err) {
    return { problem: `Redis is not reachable at ${hostOf(url)} (${source(from, 'TEST_REDIS_URL')}): ${messageOf(cause ?? err)}`, fix: START_FIX };
  } finally {
    probe.disconnect();
  }
}

/** Every problem, one line each, then each distinct fix once. */
export class TestServicesError extends Error {
  override name = 'TestServicesError';
  constructor(readonly problems: Problem[]) {
    const fixes = [...new Set(problems.map((p) => p.fix))];
    super(['The tests cannot start:', ...problems.map((p) => `  - ${p.problem}`), ...fixes].join('\n'));
  }
}

/** An admin connection to the tests' Postgres server, or the reason there is none (postgresProblem). */
export async function connectAdmin(url: string = PG.url, from: string | null = PG.from): Promise<{ sql: postgres.Sql; url: string } | Problem> {
  try {
    return await adminConnection(url);
  } catch (err) {
    return postgresProblem(err, url, from);
  }
}

/**
 * Creates database `name` on the server (as the URL's role, which owns it), migrates it with
 * drizzle-kit's files and seeds it: the template each test file's database is cloned from.
 */
export async function buildTemplate(admin: postgres.Sql, serverUrl: string, name: string, from: string | null = PG.from): Promise<void> {
  try {
    await admin.unsafe(`create database ${name}`);
  } catch (err) {
    throw new TestServicesError([postgresProblem(err, serverUrl, from)]);
  }
  const url = withDatabase(serverUrl, name);
  await runMigrations(url);
  const handle = createDb(url, { max: 1 });
  try {
    await seed(handle.db, { timeZone: 'Asia/Shanghai' });
  } finally {
    await handle.close();
  }
}
