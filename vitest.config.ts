import { defineConfig } from 'vitest/config';

/**
 * The files run a second time against a three-primary Redis Cluster that the project's set-up
 * starts on loopback (test/support/redis-cluster-setup.ts): everything of the app that keeps keys
 * in Redis with more than one key per script (BullMQ's queues, the reminders, the campaign
 * limiter, the send budget, the support relay's lists, locks and pauses), and Sentinel
 * (redis-topologies.test.ts).
 */
const ON_REDIS_CLUSTER = [
  'test/integration/campaigns-limiter.test.ts',
  'test/integration/send-budget.test.ts',
  'test/integration/reminders-fire.test.ts',
  'test/integration/reminders-queue.test.ts',
  'test/integration/support.test.ts',
  'test/e2e/support-relay.test.ts',
  'test/e2e/campaigns-process.test.ts',
  'test/e2e/redis-topologies.test.ts',
];

/**
 * The files run a third time with every connection to Postgres going through a PgBouncer in
 * transaction mode that the project's set-up starts (test/support/pgbouncer-setup.ts), with
 * DATABASE_PREPARE=false: the car journey, the inbox (claims under per-chat advisory locks),
 * payments, bookings' capacity, the store's flash sale and reminders.
 */
const THROUGH_PGBOUNCER = [
  'test/e2e/through-pgbouncer.test.ts',
  'test/e2e/journey.test.ts',
  'test/e2e/inbox.test.ts',
  'test/integration/inbox-repository.test.ts',
  'test/integration/bookings.test.ts',
  'test/e2e/payments.test.ts',
  'test/e2e/store-safety.test.ts',
  'test/integration/reminders-fire.test.ts',
];

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    // Each file gets its own database (cloned from a migrated, seeded template) and queue prefix,
    // so files run in parallel safely; 2 workers match the 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    // The JSON report lets .ci/run print a plain "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    hookTimeout: 60_000,
    projects: [
      // Every file against the shared Redis (redis-topologies.test.ts needs the project below).
      { extends: true, test: { name: 'default', include: ['test/**/*.test.ts'], exclude: ['test/e2e/redis-topologies.test.ts', 'test/e2e/through-pgbouncer.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'redis-cluster',
          include: ON_REDIS_CLUSTER,
          globalSetup: ['test/support/redis-cluster-setup.ts'],
          env: { TEST_REDIS_CLUSTER: '1' },
        },
      },
      {
        extends: true,
        test: {
          name: 'pgbouncer',
          include: THROUGH_PGBOUNCER,
          globalSetup: ['test/support/pgbouncer-setup.ts'],
          env: { TEST_VIA_PGBOUNCER: '1' },
        },
      },
    ],
    // `npm test` runs with --coverage (CI runs `npm test`). All of src/ counts, files no test loads
    // included (at 0 %), so the thresholds below catch code that loses its tests.
    coverage: {
      provider: 'v8',
      include: ['src/**'],
      // The sandbox page's scripts run in the browser, where v8 coverage of this process cannot see
      // them; test/e2e/sandbox-browser.test.ts drives them in chromium.
      exclude: ['src/sandbox/web/**'],
      reporter: ['text-summary', 'json-summary', 'html'],
      // Today's figures rounded down (measured 90.10 / 81.94 / 89.59 / 93.41 % on 2026-12-03, with the
      // ops CLI in process), statements one point lower as its margin was 0.1 %: raise them as
      // coverage grows, never lower them. Code run only in child processes (src/main.ts and
      // src/ops-cli.ts, started by test/e2e/process.test.ts and test/e2e/ops-cli.test.ts) is not
      // measured; the ops CLI itself (src/ops-run.ts) runs in the tests' process and is.
      thresholds: { statements: 89, branches: 81, functions: 89, lines: 93 },
    },
  },
});
