import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { isMain, rootPath } from '../shared/paths.js';

/** Runs drizzle-kit's migrations on a connection of its own (max: 1), as drizzle recommends. */
export async function runMigrations(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrate(drizzle(sql), { migrationsFolder: rootPath('migrations') });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

if (isMain(import.meta.url)) {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  runMigrations(url)
    .then(() => console.log('migrations applied'))
    .catch((err: unknown) => {
      console.error(`migration failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
}
