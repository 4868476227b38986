import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { createDb } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { seed } from '../../src/db/seed.js';
import { ADMIN_URL, isStaleTestDb, testDbName, urlFor } from './db.js';

/**
 * Builds this run's template database once: migrated with drizzle-kit's files, then seeded. Its
 * name is unique to the run, so two runs on one server (two engineers, CI) never collide.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const template = testDbName('tpl');
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    const existing = await admin<{ datname: string }[]>`select datname from pg_database where datname like 'tjd\_%'`;
    for (const { datname } of existing) {
      if (isStaleTestDb(datname)) await admin.unsafe(`drop database if exists ${datname} with (force)`);
    }
    await admin.unsafe(`create database ${template}`);
  } finally {
    await admin.end();
  }
  await runMigrations(urlFor(template));
  const handle = createDb(urlFor(template), { max: 1 });
  try {
    await seed(handle.db, { timeZone: 'Asia/Shanghai' });
  } finally {
    await handle.close();
  }
  project.provide('templateDb', template);
  return async () => {
    const a = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    try {
      await a.unsafe(`drop database if exists ${template} with (force)`);
    } finally {
      await a.end();
    }
  };
}
