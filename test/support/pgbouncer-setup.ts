import type { TestProject } from 'vitest/node';
import { PgBouncer } from './pgbouncer.js';
import { PG } from './test-server.js';

/**
 * Global set-up of the vitest project `pgbouncer` (vitest.config.ts): a PgBouncer in transaction
 * mode in front of the tests' Postgres server, through which that project's files reach their
 * databases (test/support/db.ts); killed when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bouncer = await PgBouncer.start(PG.url);
  project.provide('pgbouncerPort', bouncer.port);
  return () => bouncer.stop();
}
