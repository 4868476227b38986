import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { nodeVersionProblem } from '../../src/shared/startup.js';
import { isStaleTestDb, testDbName } from './db.js';
import { buildTemplate, connectAdmin, PG, redisProblem, TestServicesError } from './test-server.js';

/**
 * Checks what the suite needs (a supported Node.js, Postgres, Redis: each problem named with what
 * to do, test/support/test-server.ts), then builds this run's template database once: migrated
 * with drizzle-kit's files, then seeded. Its name is unique to the run, so two runs on one server
 * (two engineers, CI) never collide.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    return await prepare(project);
  } catch (err) {
    if (!(err instanceof TestServicesError)) throw err;
    // The message says it all: no stack trace, and none of vitest's "Unhandled Error" framing.
    console.error(`\n${err.message}\n`);
    process.exit(1);
  }
}

async function prepare(project: TestProject): Promise<() => Promise<void>> {
  const nodeProblem = nodeVersionProblem();
  if (nodeProblem) throw new TestServicesError([{ problem: nodeProblem.split('\n')[0]!, fix: nodeProblem.split('\n')[1]! }]);
  const [admin, redis] = await Promise.all([connectAdmin(), redisProblem()]);
  if ('problem' in admin || redis) {
    if (!('problem' in admin)) await admin.sql.end();
    throw new TestServicesError(['problem' in admin ? admin : null, redis].filter((p) => p !== null));
  }
  const template = testDbName('tpl');
  try {
    const existing = await admin.sql<{ datname: string }[]>`select datname from pg_database where datname like 'tjd\_%'`;
    for (const { datname } of existing) {
      if (isStaleTestDb(datname)) await admin.sql.unsafe(`drop database if exists ${datname} with (force)`).catch(() => undefined);
    }
    await buildTemplate(admin.sql, PG.url, template);
  } finally {
    await admin.sql.end();
  }
  project.provide('templateDb', template);
  project.provide('adminUrl', admin.url);
  return async () => {
    const a = postgres(admin.url, { max: 1, onnotice: () => {} });
    try {
      await a.unsafe(`drop database if exists ${template} with (force)`);
    } finally {
      await a.end();
    }
  };
}
