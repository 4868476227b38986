import { readMigrationFiles } from 'drizzle-orm/migrator';
import postgres from 'postgres';
import { ConfigError, loadDbConfig } from '../config.js';
import { isMain, rootPath } from '../shared/paths.js';
import { prepareProcess } from '../shared/startup.js';
import { databaseOf, ensureDatabase, redactUrl, rootCause, startHint } from './server.js';

/** The advisory lock every migrating process queues on (one-argument key space; see also src/jobs/outbox.ts). */
export const MIGRATION_LOCK = 'tjd:migrations';

/**
 * Applies drizzle-kit's migrations (migrations/) on a connection of its own (max: 1), keeping
 * drizzle's own bookkeeping (drizzle.__drizzle_migrations, as drizzle-orm's migrator writes it, so
 * `drizzle-kit` and this agree on what is applied). Unlike drizzle's migrator, everything runs in
 * one transaction that first takes a transaction-level advisory lock: processes started at once
 * (bot and worker replicas on an empty database) queue on it, the first applies the migrations,
 * the others then find nothing left to do. A transaction-level lock, not a session one, so it also
 * holds through PgBouncer in transaction mode (pass `prepare: false` there). Resolves to the
 * number of migrations this call applied.
 */
export async function runMigrations(url: string, opts: { prepare?: boolean } = {}): Promise<number> {
  const migrations = readMigrationFiles({ migrationsFolder: rootPath('migrations') });
  const sql = postgres(url, { max: 1, onnotice: () => {}, prepare: opts.prepare ?? true });
  try {
    return await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext(${MIGRATION_LOCK}))`;
      await tx`create schema if not exists drizzle`;
      await tx`create table if not exists drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)`;
      const [last] = await tx<{ createdAt: string }[]>`select created_at as "createdAt" from drizzle.__drizzle_migrations order by created_at desc limit 1`;
      let applied = 0;
      for (const migration of migrations) {
        if (last && Number(last.createdAt) >= migration.folderMillis) continue;
        for (const statement of migration.sql) await tx.unsafe(statement);
        await tx`insert into drizzle.__drizzle_migrations (hash, created_at) values (${migration.hash}, ${migration.folderMillis})`;
        applied += 1;
      }
      return applied;
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Where a script writes: stdout and stderr, or a test's buffers. */
export interface ScriptIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: ScriptIo = { out: (text) => console.log(text), err: (text) => console.error(text) };

/**
 * `npm run db:migrate` given its environment: reads DATABASE_URL only (loadDbConfig), makes the
 * database when the server lacks it, applies migrations/. Returns the exit code: 0 done, 1
 * failed, 2 configuration error.
 */
export async function migrateCli(env: Record<string, string | undefined>, io: ScriptIo = processIo): Promise<number> {
  let url: string;
  let prepare: boolean;
  try {
    ({
      databaseUrl: url,
      database: { prepare },
    } = loadDbConfig(env));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(err.message);
    return 2;
  }
  try {
    if (await ensureDatabase(url)) io.out(`database "${databaseOf(url)}" created`);
    const applied = await runMigrations(url, { prepare });
    io.out(applied > 0 ? `migrations applied (${applied})` : 'migrations applied (none pending)');
    return 0;
  } catch (err) {
    const cause = rootCause(err);
    io.err(`migration failed at ${redactUrl(url)}: ${cause instanceof Error ? cause.message : String(cause)}${startHint(cause, 'DATABASE_URL')}`);
    return 1;
  }
}

if (isMain(import.meta.url)) {
  // .env is read as by every npm script (src/shared/startup.ts), after the Node.js version check.
  prepareProcess();
  void migrateCli(process.env).then((code) => (process.exitCode = code));
}
