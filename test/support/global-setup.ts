import postgres from 'postgres';
import { createDb } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { seed } from '../../src/db/seed.js';
import { ADMIN_URL, TEMPLATE_DB, urlFor } from './db.js';

/** Builds the template database once per run: migrated with drizzle-kit's files, then seeded. */
export default async function setup(): Promise<() => Promise<void>> {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    // Leftovers of an interrupted run.
    const stale = await admin<{ datname: string }[]>`select datname from pg_database where datname like 'tjd_t_%'`;
    for (const { datname } of stale) await admin.unsafe(`drop database if exists ${datname} with (force)`);
    await admin.unsafe(`drop database if exists ${TEMPLATE_DB} with (force)`);
    await admin.unsafe(`create database ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  await runMigrations(urlFor(TEMPLATE_DB));
  const handle = createDb(urlFor(TEMPLATE_DB), { max: 1 });
  try {
    await seed(handle.db, { timeZone: 'Asia/Shanghai' });
  } finally {
    await handle.close();
  }
  return async () => {
    const a = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    try {
      await a.unsafe(`drop database if exists ${TEMPLATE_DB} with (force)`);
    } finally {
      await a.end();
    }
  };
}
