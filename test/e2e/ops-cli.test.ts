/**
 * `npm run ops -- …` against a database of its own: the command runs in this process
 * (runOpsCli, src/ops-run.ts: the whole CLI but for binding to the process), and through the real
 * entry, `npm run ops` in a child process, where the process itself matters (its exit code, and
 * that it ends with Redis down). Checks the output (human and --json), the exit codes, and the
 * rows and audit trail the commands leave behind.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { queueNames } from '../../src/jobs/queues.js';
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Order } from '../../src/db/schema/index.js';
import { createServices, type Services } from '../../src/deps.js';
import { addDays, localDateKey, zonedDayStart } from '../../src/shared/time.js';
import { runOpsCli } from '../../src/ops-run.js';
import { configFor, newCustomer, paidOrder, TOKEN, TZ } from '../integration/helpers.js';
import postgres from 'postgres';
import { withDatabase } from '../../src/db/server.js';
import { adminUrl, createTestDb, REDIS_URL, testDbName, type TestDb } from '../support/db.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// The tests through `npm run ops` start npm and Node with tsx: a few seconds on a busy 2-core machine.
vi.setConfig({ testTimeout: 90_000 });

let t: TestDb;
let s: Services;
beforeAll(async () => {
  t = await createTestDb();
  s = createServices(t.db, configFor(t.url));
});
afterAll(async () => {
  await t?.drop();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const PREFIX = `tcli${randomBytes(4).toString('hex')}`;
const defaultEnv = (): Record<string, string> => ({ DATABASE_URL: t.url, BOT_TOKEN: TOKEN, QUEUE_PREFIX: PREFIX });
/** What a child process would get: exactly `env`, plus PATH and HOME. */
const withPath = (env: Record<string, string>) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env });

/** Runs the CLI in this process with exactly `env` (plus PATH and HOME); stdout and stderr as the process would write them. */
async function ops(args: string[], env: Record<string, string> = defaultEnv()): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const code = await runOpsCli(args, withPath(env), { out: (text) => (stdout += `${text}\n`), err: (text) => (stderr += `${text}\n`) });
  return { code, stdout, stderr };
}

/** `npm run ops -- <args>` in a child process with exactly `env` (plus PATH and HOME), killed after 60 s so a hang fails. */
function npmRunOps(args: string[], env: Record<string, string> = defaultEnv()): Promise<Result> {
  const child = spawn('npm', ['run', '--silent', 'ops', '--', ...args], { cwd: ROOT, env: withPath(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

const ACTOR = `cli:${os.userInfo().username}`;
const reread = async (id: number) => (await s.orders.byId(id))!;

async function bookTomorrow(o: Order) {
  const [centre] = await s.bookings.centresIn(o.city);
  const key = localDateKey(addDays(zonedDayStart(new Date(), TZ), 1, TZ), TZ);
  const [slot] = await s.bookings.freeSlotsOn('delivery', centre!.id, key);
  await s.bookings.book({ orderId: o.id, kind: 'delivery', slotId: slot!.id, centreId: centre!.id, method: 'pickup', actor: 'customer:test' });
}

describe('npm run ops', () => {
  it('is a process: exit code 2 and the usage without a command; list --json exits 0 with the worklist', async () => {
    const [none, list] = await Promise.all([npmRunOps([]), npmRunOps(['list', '--json'])]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('Usage: npm run ops -- <command>');
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject({ toAllocate: expect.any(Array), deliveries: expect.any(Array) });
  });

  it('without a command or with a wrong one: the usage and exit code 2; --help exits 0', async () => {
    const none = await ops([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('Usage: npm run ops -- <command>');
    const wrong = await ops(['allocate', 'TJ100001']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('“allocate” expects: <order> <VIN>');
    const help = await ops(['--help', '--lang', 'zh-CN']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('用法：npm run ops');
  });

  it('needs no BOT_TOKEN (it never calls Telegram); a wrong setting it uses is named, with how to set it', async () => {
    const r = await ops(['list'], { DATABASE_URL: t.url, QUEUE_PREFIX: PREFIX });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Operations worklist');
    const wrong = await ops(['list'], { DATABASE_URL: 'mysql://db/shop' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('DATABASE_URL must be a postgres URL');
    expect(wrong.stderr).toContain('cp .env.example .env');
    expect(wrong.stderr).not.toContain('BOT_TOKEN');
  });

  it('on a database never migrated, one that does not exist, or no server: says what to run, exit 1', async () => {
    const name = testDbName('t');
    const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${name}"`);
    try {
      const empty = await ops(['stock', 'list'], { DATABASE_URL: withDatabase(t.url, name), QUEUE_PREFIX: PREFIX });
      expect(empty.code).toBe(1);
      expect(empty.stderr).toContain('This database has no tables yet: run `npm run db:migrate`');
      const zh = await ops(['inbox', 'list', '--lang', 'zh-CN'], { DATABASE_URL: withDatabase(t.url, name), QUEUE_PREFIX: PREFIX });
      expect(zh.code).toBe(1);
      expect(zh.stderr).toContain('该数据库还没有数据表');
    } finally {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
    const missing = await ops(['list'], { DATABASE_URL: withDatabase(t.url, `${name}_missing`), QUEUE_PREFIX: PREFIX });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('does not exist: `npm run db:migrate` creates it');
    const down = await ops(['list'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x', QUEUE_PREFIX: PREFIX });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('Postgres does not answer at DATABASE_URL (ECONNREFUSED)');
  });

  it('list shows the worklist, as text and as JSON', async () => {
    const { order } = await paidOrder(s);
    const text = await ops(['list']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Operations worklist');
    expect(text.stdout).toContain(`${order.number} · Model Y · Deposit paid → Allocate VIN  [#${order.id}]`);
    const json = await ops(['list', '--json']);
    expect(json.code).toBe(0);
    const wl = JSON.parse(json.stdout) as { toAllocate: Array<{ id: number; number: string; state: string }>; deliveries: unknown[] };
    expect(wl.toAllocate).toContainEqual(expect.objectContaining({ id: order.id, number: order.number, state: 'deposit_paid', vin: null }));
    expect(Array.isArray(wl.deliveries)).toBe(true);
  });

  it('list shows the delivery waitlist: each city with its number of customers, most wanted first (and in the JSON)', async () => {
    const [a, b, c] = [await newCustomer(s), await newCustomer(s), await newCustomer(s)];
    await s.orders.joinWaitlist(a.id, '乌鲁木齐');
    await s.orders.joinWaitlist(b.id, '乌鲁木齐');
    await s.orders.joinWaitlist(c.id, 'Lhasa');
    const text = await ops(['list']);
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    const at = lines.indexOf('🔔 Cities customers are waiting for:');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 3)).toEqual(['• 乌鲁木齐: 2 customers', '• lhasa: 1 customer']);
    const json = JSON.parse((await ops(['list', '--json'])).stdout) as { waitlist: unknown[] };
    expect(json.waitlist).toEqual(
      expect.arrayContaining([
        { city: '乌鲁木齐', customers: 2 },
        { city: 'lhasa', customers: 1 },
      ]),
    );
  });

  it('allocate: a bad VIN is refused (exit 1), a good one allocates with the audit actor cli:<user>', async () => {
    const { order } = await paidOrder(s);
    const bad = await ops(['allocate', order.number, 'LRWYGCEK1PC1234Q6']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('“LRWYGCEK1PC1234Q6” is not a valid VIN');
    const badJson = await ops(['allocate', order.number, 'SHORT', '--json']);
    expect(badJson.code).toBe(1);
    expect(JSON.parse(badJson.stdout)).toMatchObject({ ok: false, error: { code: 'invalid_vin' }, order: { id: order.id, state: 'deposit_paid' } });
    expect((await reread(order.id)).vin).toBeNull();

    const good = await ops(['allocate', order.number.toLowerCase(), 'lrwygcek1pc700001']);
    expect(good.code).toBe(0);
    expect(good.stdout.trim()).toBe(`✅ ${order.number}: vehicle allocated, VIN LRWYGCEK1PC700001`);
    expect(await reread(order.id)).toMatchObject({ state: 'vehicle_allocated', vin: 'LRWYGCEK1PC700001' });
    expect((await s.orders.events(order.id)).at(-1)).toMatchObject({ fromState: 'deposit_paid', toState: 'vehicle_allocated', actor: ACTOR });
    // The customer is told by the worker, as after /ops: the notice is queued under its fixed id.
    const queue = new Queue(queueNames.reminders, { connection: { url: REDIS_URL }, prefix: PREFIX });
    try {
      expect(await queue.getJob(`notify-order-${order.id}-vehicle_allocated`)).toBeTruthy();
    } finally {
      await queue.close();
    }

    const again = await ops(['allocate', String(order.id), 'LRWYGCEK1PC700002', '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: false, error: { code: 'order_state_changed' }, order: { state: 'vehicle_allocated' } });
  });

  it('with Redis down a step is still taken, and the customer notice waits in job_outbox for a worker', async () => {
    const { order } = await paidOrder(s);
    // In a child process: with Redis down, the process must still end (no reconnecting client left open).
    const r = await npmRunOps(['allocate', order.number, 'LRWYGCEK1PC700009'], { DATABASE_URL: t.url, BOT_TOKEN: TOKEN, QUEUE_PREFIX: PREFIX, REDIS_URL: 'redis://127.0.0.1:1' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${order.number}: vehicle allocated`);
    expect(r.stderr).toContain('wait in the database (job_outbox)');
    expect(await reread(order.id)).toMatchObject({ state: 'vehicle_allocated', vin: 'LRWYGCEK1PC700009' });
    const rows = await t.sql<Array<{ job_id: string }>>`select job_id from job_outbox where job_id = ${`notify-order-${order.id}-vehicle_allocated`}`;
    expect(rows).toHaveLength(1);
  });

  it('ready, delivered and show take an order through to delivery', async () => {
    const { order } = await paidOrder(s);
    await s.fulfilment.allocate(order.id, 'LRWYGCEK1PC700010', 'staff:1');
    await bookTomorrow(order); // booked while allocated: ready goes straight on to scheduled
    const ready = await ops(['ready', order.number]);
    expect(ready.code).toBe(0);
    expect(ready.stdout).toContain('delivery is now scheduled');
    const delivered = await ops(['delivered', order.number, '--json']);
    expect(delivered.code).toBe(0);
    expect(JSON.parse(delivered.stdout)).toMatchObject({ ok: true, order: { id: order.id, state: 'delivered', vin: 'LRWYGCEK1PC700010' } });
    const show = await ops(['show', order.number, '--lang', 'zh-CN']);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`订单 ${order.number} · 已交付`);
    expect(show.stdout).toContain(`已预约交付 → 已交付 · 脚本（${os.userInfo().username}）`);
    expect(show.stdout).not.toMatch(/<\/?[bic]/); // HTML stripped
    const missing = await ops(['show', 'TJ999999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('There is no order “TJ999999”');
  });

  it('refunded: only a refund-requested order, which becomes refunded and the customer is told', async () => {
    const { customer, order } = await paidOrder(s);
    const early = await ops(['refunded', order.number]);
    expect(early.code).toBe(1);
    expect((await reread(order.id)).state).toBe('deposit_paid');

    await s.orders.cancelByCustomer(order.id, customer.id, 'customer:test');
    const done = await ops(['refunded', order.number]);
    expect(done.code).toBe(0);
    expect(done.stdout.trim()).toBe(`✅ ${order.number}: deposit ¥1,000 refunded; the customer is told`);
    expect((await reread(order.id)).state).toBe('refunded');
    expect((await s.orders.events(order.id)).at(-1)).toMatchObject({ fromState: 'refund_requested', toState: 'refunded', actor: ACTOR });
    const queue = new Queue(queueNames.reminders, { connection: { url: REDIS_URL }, prefix: PREFIX });
    try {
      expect(await queue.getJob(`notify-order-${order.id}-refunded`)).toBeTruthy();
    } finally {
      await queue.close();
    }
  });

  it('import-vins allocates the good lines, reports every line, goes on after errors and exits 1', async () => {
    const orders = await Promise.all([1, 2, 3, 4].map(async () => (await paidOrder(s)).order));
    const [a, b, c, d] = orders as [Order, Order, Order, Order];
    await s.fulfilment.allocate(d.id, 'LRWYGCEK1PC700099', 'staff:1');
    const csv = [
      '\uFEFForder,vin',
      `${a.number},LRWYGCEK1PC700021`,
      `${b.number},LRWYGCEK1PC70002O`, // O is not allowed
      'TJ999999,LRWYGCEK1PC700022',
      '',
      `"${c.id}",lrw-ygcek1pc700021`, // the VIN line 2 just took
      `${d.number},LRWYGCEK1PC700099`, // already done: unchanged, fine on a re-run
      `${b.number}`,
      `${c.number},LRWYGCEK1PC700023`,
    ].join('\r\n');
    const file = path.join(os.tmpdir(), `vins-${process.pid}-${Date.now()}.csv`);
    await writeFile(file, csv);

    const r = await ops(['import-vins', file]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toEqual([
      `line 2: ${a.number} ← LRWYGCEK1PC700021: allocated`,
      `line 3: “LRWYGCEK1PC70002O” is not a valid VIN: a VIN has exactly 17 characters, digits and the letters A–Z except I, O and Q (this one has 17).`,
      'line 4: There is no order “TJ999999”.',
      `line 6: VIN LRWYGCEK1PC700021 is already allocated to order ${a.number}. Check it and try again.`,
      `line 7: ${d.number} already has VIN LRWYGCEK1PC700099: unchanged`,
      'line 8: expected the two columns order,vin',
      `line 9: ${c.number} ← LRWYGCEK1PC700023: allocated`,
      '3 ok, 4 failed',
    ]);
    expect((await reread(a.id)).vin).toBe('LRWYGCEK1PC700021');
    expect(await reread(b.id)).toMatchObject({ state: 'deposit_paid', vin: null });
    expect(await reread(c.id)).toMatchObject({ state: 'vehicle_allocated', vin: 'LRWYGCEK1PC700023' });
    expect((await s.orders.events(c.id)).at(-1)).toMatchObject({ toState: 'vehicle_allocated', actor: ACTOR });

    // Run again with --json: everything done before is unchanged, the bad lines still fail.
    const again = await ops(['import-vins', file, '--json']);
    expect(again.code).toBe(1);
    const report = JSON.parse(again.stdout) as { ok: boolean; succeeded: number; failed: number; results: Array<{ line: number; status: string; error?: { code: string } }> };
    expect(report).toMatchObject({ ok: false, succeeded: 3, failed: 4 });
    expect(report.results.map((x) => [x.line, x.status, x.error?.code])).toEqual([
      [2, 'unchanged', undefined],
      [3, 'error', 'invalid_vin'],
      [4, 'error', 'order_not_found'],
      [6, 'error', 'vin_in_use'],
      [7, 'unchanged', undefined],
      [8, 'error', 'bad_line'],
      [9, 'unchanged', undefined],
    ]);

    await writeFile(file, 'number,vehicle\nTJ1,X\n');
    const header = await ops(['import-vins', file]);
    expect(header.code).toBe(1);
    expect(header.stderr).toContain('the first line must be the header order,vin');
    const good = `${file}.ok.csv`;
    await writeFile(good, `vin,order\nLRWYGCEK1PC700031,${b.number}\n`);
    const ok = await ops(['import-vins', good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('1 ok, 0 failed');
    await Promise.all([rm(file), rm(good)]);
  });
});
