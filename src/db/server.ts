import postgres from 'postgres';

/**
 * The Postgres server behind a connection string, for what happens outside one database: making
 * the database `npm run dev` and `npm run db:migrate` are pointed at when it does not exist yet,
 * and the tests' databases (test/support/global-setup.ts).
 */

/** The same server, role, password and options, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** The database a connection string names (postgres.js's default, the user name, when it names none). */
export function databaseOf(url: string): string {
  const u = new URL(url);
  return decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || 'postgres';
}

/** postgres://user:secret@host/db → postgres://user:***@host/db */
export const redactUrl = (url: string): string => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');

/** The driver's codes for "nothing answers at that address" (refused, unknown host, timed out). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'CONNECT_TIMEOUT']);

/** Whether the error says nothing answered at the server's address. */
export const isUnreachable = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNREACHABLE.has(code);
};

/** When nothing answers at the address: how a newcomer starts the services, or points at theirs. */
export function startHint(err: unknown, variable: string): string {
  return isUnreachable(err) ? `\nStart it with \`docker compose up -d postgres redis\`, or set ${variable} (in .env or the environment).` : '';
}

/** The driver's error under drizzle's "Failed query: …" wrapper, or the error itself. */
export const rootCause = (err: unknown): unknown => (err instanceof Error && err.cause instanceof Error ? err.cause : err);

/** The SQLSTATE of a postgres.js error, if it is one. */
const sqlState = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

const open = (url: string) => postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });

/**
 * A connection for CREATE and DROP DATABASE on the server of `url`: to the database `url` names
 * when it exists, else to `postgres` (every server has it), else to `template1`. Connection errors
 * other than a missing database (server down, login refused) are thrown as postgres.js gives them.
 */
export async function adminConnection(url: string): Promise<{ sql: postgres.Sql; url: string }> {
  const candidates = [...new Set([databaseOf(url), 'postgres', 'template1'])];
  for (const [i, database] of candidates.entries()) {
    const candidate = withDatabase(url, database);
    const sql = open(candidate);
    try {
      await sql`select 1`;
      return { sql, url: candidate };
    } catch (err) {
      await sql.end({ timeout: 1 }).catch(() => undefined);
      // 3D000: the database does not exist; anything else would fail on the next one too.
      if (sqlState(err) !== '3D000' || i === candidates.length - 1) throw err;
    }
  }
  throw new Error('unreachable');
}

/**
 * Creates the database `url` names when the server does not have it, as the role `url` logs in
 * with (it needs CREATEDB). True when it made it. Other problems (server down, login refused) are
 * left to the caller's first query, which reports them.
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  const probe = open(url);
  try {
    await probe`select 1`;
    return false;
  } catch (err) {
    if (sqlState(err) !== '3D000') return false;
  } finally {
    await probe.end({ timeout: 1 }).catch(() => undefined);
  }
  const { sql } = await adminConnection(withDatabase(url, 'postgres'));
  try {
    await sql`create database ${sql(databaseOf(url))}`;
    return true;
  } catch (err) {
    // Made meanwhile by another process (the bot and the worker starting together): 42P04, or
    // 23505 on pg_database's name index when both got past the existence check at once.
    if (sqlState(err) === '42P04' || sqlState(err) === '23505') return false;
    throw err;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
