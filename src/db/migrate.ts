import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { ConfigError, loadDbConfig } from '../config.js';
import { isMain, rootPath } from '../shared/paths.js';
import { prepareProcess } from '../shared/startup.js';
import { databaseOf, ensureDatabase, redactUrl } from './server.js';

/** Runs drizzle-kit's migrations on a connection of its own (max: 1), as drizzle recommends. */
export async function runMigrations(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrate(drizzle(sql), { migrationsFolder: rootPath('migrations') });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** `npm run db:migrate`: reads .env like every npm script, makes the database when missing, applies migrations/. */
async function cli(): Promise<void> {
  prepareProcess();
  let url: string;
  try {
    url = loadDbConfig().databaseUrl;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(2);
  }
  try {
    if (await ensureDatabase(url)) console.log(`database "${databaseOf(url)}" created`);
    await runMigrations(url);
    console.log('migrations applied');
  } catch (err) {
    console.error(`migration failed at ${redactUrl(url)}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

if (isMain(import.meta.url)) void cli();
