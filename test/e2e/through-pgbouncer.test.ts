/**
 * In the `pgbouncer` vitest project (vitest.config.ts): the app's and the test's connections
 * really go through the run's PgBouncer in transaction mode, with prepared statements off, and a
 * customer's order is taken there. The project's other files (journey, inbox, payments,
 * bookings, the store's flash sale, reminders) run their own tests the same way.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TestChat } from '../support/chat.js';
import { VIA_PGBOUNCER } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { PgBouncer } from '../support/pgbouncer.js';

describe('through PgBouncer (transaction mode)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.stop());

  it('the app runs with DATABASE_PREPARE=false on a URL of the PgBouncer, which pools its database in transaction mode', async () => {
    expect(VIA_PGBOUNCER).toBe(true);
    expect(h.config.database.prepare).toBe(false);
    expect(new URL(h.config.databaseUrl).port).toBe(String(inject('pgbouncerPort')));
    const replies = await new TestChat(h, 97_200_001, { languageCode: 'en' }).text('/start');
    expect(replies.some((c) => c.method === 'sendMessage')).toBe(true);
    const [stored] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from inbox_updates`;
    expect(stored?.n).toBeGreaterThan(0);
    const pools = await PgBouncer.pools(h.config.databaseUrl);
    expect(pools.filter((p) => p.database === h.db.name)).toEqual([expect.objectContaining({ pool_mode: 'transaction' })]);
  });
});
