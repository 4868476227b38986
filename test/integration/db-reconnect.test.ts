/**
 * The app's Postgres pools after an outage (src/db/client.ts): once Postgres is reachable again,
 * queries work again within a second or so, however many connection attempts failed meanwhile.
 * Postgres is cut by a TCP proxy between the pools and the server (test/support/tcp-proxy.ts): every
 * connection dropped and new ones refused, as in a failover or a network blip.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createDb, type DbHandle } from '../../src/db/client.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { sleep } from '../support/wait.js';

let db: TestDb;
let proxy: TcpProxy;
let app: DbHandle;

beforeEach(async () => {
  db = await createTestDb();
  const target = new URL(db.url);
  proxy = await new TcpProxy(target.hostname, Number(target.port || 5432)).start();
  const url = new URL(db.url);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  app = createDb(url.toString(), { max: 4 });
});

afterEach(async () => {
  await app?.close().catch(() => undefined);
  await proxy?.stop();
  await db?.drop();
});

it('after Postgres was away for 4 s, with queries failing all along, both pools answer within 2 s of its return', async () => {
  await Promise.all([app.sql`select 1`, app.relaxed`select 1`]);
  const cutMs = 4_000;
  const back = Date.now() + cutMs;
  proxy.cut(cutMs);
  // Customers keep coming meanwhile: every 100 ms a query on each pool (not waited for: a query
  // waits for a connection, and a connection for the pool's backoff).
  let failures = 0;
  while (Date.now() < back) {
    void app.sql`select 1`.catch(() => failures++);
    void app.relaxed`select 1`.catch(() => failures++);
    await sleep(100);
  }
  expect(failures).toBeGreaterThan(5);

  // Postgres is back: how long until each pool answers again, counted from its return?
  const since = back;
  const until = async (pool: DbHandle['sql']) => {
    for (;;) {
      try {
        await pool`select 1`;
        return Date.now() - since;
      } catch {
        await sleep(20);
      }
    }
  };
  const [main, relaxed] = await Promise.all([until(app.sql), until(app.relaxed)]);
  expect({ main: main < 2_000, relaxed: relaxed < 2_000 }, `main pool back after ${main} ms, relaxed after ${relaxed} ms`).toEqual({ main: true, relaxed: true });
}, 60_000);
