import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { ConfigError, loadDbConfig } from '../config.js';
import { isMain, rootPath } from '../shared/paths.js';
import { prepareProcess } from '../shared/startup.js';
import { databaseOf, ensureDatabase, redactUrl, rootCause, startHint } from './server.js';

/** Runs drizzle-kit's migrations on a connection of its own (max: 1), as drizzle recommends. */
export async function runMigrations(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrate(drizzle(sql), { migrationsFolder: rootPath('migrations') });
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
  try {
    url = loadDbConfig(env).databaseUrl;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(err.message);
    return 2;
  }
  try {
    if (await ensureDatabase(url)) io.out(`database "${databaseOf(url)}" created`);
    await runMigrations(url);
    io.out('migrations applied');
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
