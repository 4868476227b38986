/**
 * `npm run ops -- shipped S10001 --carrier JD --tracking …` and `delivered S10001` against a
 * database of its own, run in this process (runOpsCli, src/ops-run.ts; test/e2e/ops-cli.test.ts
 * also runs the real `npm run ops` process): output, exit codes, the order's row, and the customer
 * notice queued for the store worker.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installations, storeVariants } from '../../src/db/schema/index.js';
import { createServices, type Services } from '../../src/deps.js';
import { runOpsCli } from '../../src/ops-run.js';
import { storeJobId } from '../../src/jobs/store/store-jobs.js';
import { storePayload } from '../../src/domain/store/rules.js';
import { configFor, futureSlots, newCustomer, TOKEN } from '../integration/helpers.js';
import { createTestDb, REDIS_URL, type TestDb } from '../support/db.js';

const PREFIX = `tscli${randomBytes(4).toString('hex')}`;

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

/** The CLI with exactly this environment (and PATH and HOME), as a child process would have it. */
async function ops(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: t.url, BOT_TOKEN: TOKEN, QUEUE_PREFIX: PREFIX, REDIS_URL };
  let stdout = '';
  let stderr = '';
  const code = await runOpsCli(args, env, { out: (text) => (stdout += `${text}\n`), err: (text) => (stderr += `${text}\n`) });
  return { code, stdout, stderr };
}

describe('npm run ops -- shipped / delivered (store orders)', () => {
  it('marks a paid store order shipped with carrier and tracking, queues the customer notice, then delivered', async () => {
    const customer = await newCustomer(s);
    await s.store.add(customer.id, 'inflator');
    const { order } = await s.storeCheckout.place(customer.id);
    const facts = {
      payload: storePayload(order.id),
      currency: 'CNY',
      totalAmount: 45_000 + 1_500,
      payerTelegramId: customer.telegramId,
      shippingOptionId: 'standard',
      orderInfo: {
        name: 'Li Na',
        phone_number: '13900139000',
        shipping_address: { country_code: 'CN', state: 'Beijing', city: 'Beijing', street_line1: '1 Chang’an Ave', street_line2: '', post_code: '100000' },
      },
    };
    expect((await s.storeCheckout.preCheckout(facts)).ok).toBe(true);
    expect((await s.storeCheckout.recordPayment({ ...facts, telegramChargeId: 'cli-charge-1', providerChargeId: 'p1' })).status).toBe('recorded');

    const usage = await ops(['shipped', order.number, '--carrier', 'JD']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('shipped S10001 --carrier JD --tracking');

    const shipped = await ops(['shipped', order.number, '--carrier', 'JD', '--tracking', 'JDV998877665']);
    expect(shipped.stderr).toBe('');
    expect(shipped.code).toBe(0);
    expect(shipped.stdout).toContain(`Store order ${order.number} marked shipped (JD JDV998877665)`);
    expect(await s.storeCheckout.byId(order.id)).toMatchObject({ state: 'shipped', carrier: 'JD', trackingNo: 'JDV998877665' });
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue('store', { connection: redis, prefix: PREFIX });
    try {
      expect(await queue.getJob(storeJobId.notify(order.id, 'shipped'))).toBeTruthy();
    } finally {
      await queue.close();
      redis.disconnect();
    }

    const again = await ops(['shipped', order.number, '--carrier', 'JD', '--tracking', 'JDV998877665', '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: false, error: { code: 'wrong_state' } });

    const delivered = await ops(['delivered', order.number]);
    expect(delivered.code).toBe(0);
    expect(delivered.stdout).toContain('marked delivered');
    expect((await s.storeCheckout.byId(order.id))!.state).toBe('delivered');
  });

  it('marks a needs_refund store order refunded (and refuses one that was paid normally)', async () => {
    const customer = await newCustomer(s);
    await s.store.add(customer.id, 'screen');
    const { order } = await s.storeCheckout.place(customer.id);
    const facts = { payload: storePayload(order.id), currency: 'CNY', totalAmount: order.goodsFen + 1_500, payerTelegramId: customer.telegramId };
    // A normally paid order is not refundable from here (its refunds are not modelled).
    const withShipping = {
      ...facts,
      shippingOptionId: 'standard',
      orderInfo: {
        name: 'Li Na',
        phone_number: '139',
        shipping_address: { country_code: 'CN', state: 'BJ', city: 'Beijing', street_line1: '1 Road', street_line2: '', post_code: '100000' },
      },
    };
    expect((await s.storeCheckout.preCheckout(withShipping)).ok).toBe(true);
    expect((await s.storeCheckout.recordPayment({ ...withShipping, telegramChargeId: 'cli-r-1', providerChargeId: 'p' })).status).toBe('recorded');
    const refuse = await ops(['refunded', order.number]);
    expect(refuse.code).toBe(1);
    expect(refuse.stderr).toContain('that step is not possible now');
    // A lapsed, sold-out order paid late: needs_refund, then refunded from the CLI.
    const other = await newCustomer(s);
    await s.store.add(other.id, 'screen');
    const late = (await s.storeCheckout.place(other.id)).order;
    await s.storeCheckout.expireUnpaid(late.id);
    await t.db.update(storeVariants).set({ stock: 0 }).where(eq(storeVariants.id, 'screen'));
    const lateFacts = { ...withShipping, payload: storePayload(late.id), payerTelegramId: other.telegramId };
    expect((await s.storeCheckout.recordPayment({ ...lateFacts, telegramChargeId: 'cli-r-2', providerChargeId: 'p' })).status).toBe('needs_refund');
    const refunded = await ops(['refunded', late.number]);
    expect(refunded.code).toBe(0);
    expect(refunded.stdout).toContain(`Store order ${late.number} marked refunded`);
    expect((await s.storeCheckout.byId(late.id))!.state).toBe('refunded');
  });
});

describe('npm run ops -- list / installed (a store order’s charger)', () => {
  it('lists a store order’s installation with the week’s installations, marks it installed and queues the customer notice', async () => {
    const customer = await newCustomer(s);
    await s.store.add(customer.id, 'wc3');
    const { order } = await s.storeCheckout.place(customer.id);
    const facts = {
      payload: storePayload(order.id),
      currency: 'CNY',
      totalAmount: order.goodsFen,
      payerTelegramId: customer.telegramId,
      shippingOptionId: 'standard',
      orderInfo: {
        name: 'Li Na',
        phone_number: '139',
        shipping_address: { country_code: 'CN', state: 'BJ', city: 'Beijing', street_line1: '1 Road', street_line2: '', post_code: '100000' },
      },
    };
    expect((await s.storeCheckout.preCheckout(facts)).ok).toBe(true);
    expect((await s.storeCheckout.recordPayment({ ...facts, telegramChargeId: 'cli-wc-1', providerChargeId: 'p' })).status).toBe('recorded');
    const [slot] = await futureSlots(t.db, 'installation', 'bj-yizhuang', new Date(Date.now() + 3 * 3_600_000));
    await s.bookings.book({ storeOrderId: order.id, kind: 'installation', slotId: slot!.id, centreId: 'bj-yizhuang', address: '1 Road', parking: 'garage', permission: true });
    const [installation] = await t.db.select().from(installations).where(eq(installations.storeOrderId, order.id));

    const listed = await ops(['list', '--json']);
    expect(listed.code).toBe(0);
    const wl = JSON.parse(listed.stdout) as { storeInstallations: Array<{ storeOrder: { number: string }; installationId: number }> };
    expect(wl.storeInstallations).toContainEqual(expect.objectContaining({ storeOrder: expect.objectContaining({ number: order.number }), installationId: installation!.id }));
    const text = await ops(['list']);
    expect(text.stdout).toContain(`🔌 ${order.number} · store charger`);

    const done = await ops(['installed', String(installation!.id)]);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`${order.number}: charger installed`);
    expect((await t.db.select().from(installations).where(eq(installations.id, installation!.id)))[0]!.state).toBe('installed');
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue('store', { connection: redis, prefix: PREFIX });
    try {
      expect(await queue.getJob(storeJobId.installed(installation!.id))).toBeTruthy();
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });
});
