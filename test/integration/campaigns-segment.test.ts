/**
 * Audience queries on real Postgres: each segment field narrows, values within a field widen, and
 * only customers who agreed, have not blocked the bot and have not unsubscribed are ever counted
 * or frozen. The freeze is one statement and numbers recipients into batches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignSegment } from '../../src/db/schema/campaigns.js';
import { createServices, type Services } from '../../src/deps.js';
import { DeliveryRepository } from '../../src/domain/campaigns/delivery.js';
import { CampaignRepository } from '../../src/domain/campaigns/repository.js';
import { ConsentService } from '../../src/domain/campaigns/consent.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { textVariant } from '../support/campaigns.js';
import { configFor, MODEL_S_PLAID, MODEL_Y_RWD, newCustomer, newOrder } from './helpers.js';
import { setModelAvailability } from '../../src/domain/catalog/index.js';

let db: TestDb;
let s: Services;
let repo: CampaignRepository;
const ids: Record<string, number> = {};

beforeAll(async () => {
  db = await createTestDb();
  s = createServices(db.db, configFor(db.url));
  repo = new CampaignRepository(db.db);
  // The seed pauses Model S: ops open it for the Model S order here.
  await setModelAvailability(db.db, 'model-s', true);
  const consent = new ConsentService(db.db);
  const make = async (name: string, opts: { lang?: 'en' | 'zh-CN'; consent?: boolean | null; source?: string; idleDays?: number } = {}) => {
    const c = await newCustomer(s);
    ids[name] = c.id;
    if (opts.lang) await s.customers.setLanguage(c.id, opts.lang);
    if (opts.consent !== null) await consent.set(c.id, opts.consent ?? true, 'start');
    if (opts.source) await s.customers.recordSource(c.id, opts.source);
    if (opts.idleDays) await db.sql`update customers set last_active_at = now() - make_interval(days => ${opts.idleDays}) where id = ${c.id}`;
    return c;
  };
  // No order, looked at Model S, English, came from a WeChat link, active today.
  const viewer = await make('viewer', { lang: 'en', source: 'wechat' });
  await repo.modelViewed(viewer.id, 'model-s');
  // Awaiting deposit on a Model Y in Shanghai, idle for 40 days.
  await newOrder(s, await make('awaiting', { idleDays: 40 }), MODEL_Y_RWD, 'shanghai');
  // Deposit paid (then allocated) on a Model S in Beijing.
  const paid = await newOrder(s, await make('paid', { lang: 'en' }), MODEL_S_PLAID, 'beijing');
  await s.orders.transition(paid.id, 'deposit_paid', 'system');
  await s.orders.transition(paid.id, 'vehicle_allocated', 'system');
  // Delivered Model Y in Shanghai.
  const delivered = await newOrder(s, await make('delivered'), MODEL_Y_RWD, 'shanghai');
  await db.sql`update orders set state = 'delivered' where id = ${delivered.id}`;
  // Only a cancelled order: counts as "no order".
  const cancelled = await newOrder(s, await make('cancelledOnly'), MODEL_Y_RWD, 'beijing');
  await s.orders.transition(cancelled.id, 'cancelled', 'system');
  // Never in any audience: declined, never asked, blocked, unsubscribed.
  await make('declined', { consent: false });
  await make('unasked', { consent: null });
  const blocked = await make('blocked');
  await s.customers.markBlocked(blocked.telegramId);
  await make('unsubscribed');
  await consent.set(ids.unsubscribed!, false, 'unsubscribe');
});
afterAll(async () => {
  await db?.drop();
});

const audience = async (segment: CampaignSegment): Promise<string[]> => {
  const id = await repo.create({ createdBy: 1, segment, defaultLocale: 'zh-CN', scheduledAt: new Date(), variants: [textVariant('zh-CN', 'x')] });
  const frozen = await repo.freeze(id, 2);
  const rows = await db.sql<Array<{ customer_id: number }>>`select customer_id from campaign_recipients where campaign_id = ${id}`;
  expect(frozen?.audience).toBe(rows.length);
  expect(await repo.audienceSize(segment)).toBe(rows.length);
  const byId = new Map(Object.entries(ids).map(([k, v]) => [v, k]));
  return rows.map((r) => byId.get(r.customer_id)!).sort();
};

const consentBack = () => new ConsentService(db.db).set(ids.viewer!, true, 'settings');

describe('campaign segments', () => {
  it('everyone who agreed, and nobody who did not, blocked the bot or unsubscribed', async () => {
    expect(await audience({})).toEqual(['awaiting', 'cancelledOnly', 'delivered', 'paid', 'viewer']);
  });

  it('language', async () => {
    expect(await audience({ locales: ['en'] })).toEqual(['paid', 'viewer']);
  });

  it('models looked at or ordered', async () => {
    expect(await audience({ models: ['model-s'] })).toEqual(['paid', 'viewer']);
    expect(await audience({ models: ['model-y'] })).toEqual(['awaiting', 'cancelledOnly', 'delivered']);
  });

  it('order state groups, including "no order" (a cancelled order is none)', async () => {
    expect(await audience({ orderStates: ['none'] })).toEqual(['cancelledOnly', 'viewer']);
    expect(await audience({ orderStates: ['awaiting_deposit'] })).toEqual(['awaiting']);
    expect(await audience({ orderStates: ['deposit_paid'] })).toEqual(['paid']);
    expect(await audience({ orderStates: ['delivered', 'awaiting_deposit'] })).toEqual(['awaiting', 'delivered']);
  });

  it('city, activity, source, and fields combined', async () => {
    expect(await audience({ cities: ['shanghai'] })).toEqual(['awaiting', 'delivered']);
    expect(await audience({ activeDays: 30 })).toEqual(['cancelledOnly', 'delivered', 'paid', 'viewer']);
    expect(await audience({ source: 'wechat' })).toEqual(['viewer']);
    expect(await audience({ cities: ['shanghai'], activeDays: 30 })).toEqual(['delivered']);
    expect(await audience({ locales: ['en'], models: ['model-s'], orderStates: ['none'] })).toEqual(['viewer']);
  });

  it('the freeze numbers recipients into batches and runs once per campaign', async () => {
    const id = await repo.create({ createdBy: 1, segment: {}, defaultLocale: 'zh-CN', scheduledAt: new Date(), variants: [textVariant('zh-CN', 'x')] });
    expect(await repo.freeze(id, 2)).toEqual({ audience: 5, batches: 3 });
    expect(await repo.freeze(id, 2)).toBeNull();
    const batches = await db.sql<Array<{ batch: number; n: string }>>`select batch, count(*) as n from campaign_recipients where campaign_id = ${id} group by batch order by batch`;
    expect(batches.map((b) => [b.batch, Number(b.n)])).toEqual([
      [0, 2],
      [1, 2],
      [2, 1],
    ]);
  });

  it('a claim skips (and closes) recipients who unsubscribed after the freeze, and never takes a row twice', async () => {
    const id = await repo.create({ createdBy: 1, segment: { locales: ['en'] }, defaultLocale: 'en', scheduledAt: new Date(), variants: [textVariant('en', 'x')] });
    await repo.freeze(id, 10);
    await new ConsentService(db.db).set(ids.viewer!, false, 'unsubscribe', id);
    const first = await new DeliveryRepository(db.db).claim(id, 0, 'job-a', 10);
    expect(first.map((r) => r.customerId)).toEqual([ids.paid]);
    expect(await new DeliveryRepository(db.db).claim(id, 0, 'job-b', 10)).toEqual([]);
    // The same job, re-run after its worker died, takes its own claim back.
    expect((await new DeliveryRepository(db.db).claim(id, 0, 'job-a', 10)).map((r) => r.customerId)).toEqual([ids.paid]);
    const [row] = await db.sql<[{ state: string }]>`select state from campaign_recipients where campaign_id = ${id} and customer_id = ${ids.viewer!}`;
    expect(row.state).toBe('cancelled');
    await consentBack();
  });

  it('a result is recorded only under the claim that holds the row: a late result after a sweep or a re-claim is refused', async () => {
    const id = await repo.create({ createdBy: 1, segment: { locales: ['en'] }, defaultLocale: 'en', scheduledAt: new Date(), variants: [textVariant('en', 'x')] });
    await repo.freeze(id, 10);
    const d = new DeliveryRepository(db.db);
    const stateOf = async (customerId: number) =>
      (
        await db.sql<[{ state: string; claimed_by: string | null; message_id: number | null }]>`
        select state, claimed_by, message_id from campaign_recipients where campaign_id = ${id} and customer_id = ${customerId}`
      )[0];
    const [a] = await d.claim(id, 0, 'job-a', 1);
    // job-a's send is slow: the stale sweep gives the row back and job-b claims it.
    expect(await d.sweepStale(id, 0)).toEqual([0]);
    const [b] = await d.claim(id, 0, 'job-b', 1);
    expect(b!.customerId).toBe(a!.customerId);
    const late = await d.record(id, { jobId: 'job-a', claimedAt: a!.claimedAt }, [{ customerId: a!.customerId, state: 'sent', messageId: 101 }]);
    expect(late).toEqual({ recorded: [], refused: [a!.customerId] });
    expect(await stateOf(a!.customerId)).toEqual({ state: 'sending', claimed_by: 'job-b', message_id: null });
    // job-b, re-run after a stall, claims the row again: a result of its earlier run is refused too.
    const [again] = await d.claim(id, 0, 'job-b', 1);
    expect(again!.claimedAt).not.toBe(b!.claimedAt);
    expect((await d.record(id, { jobId: 'job-b', claimedAt: b!.claimedAt }, [{ customerId: b!.customerId, state: 'sent', messageId: 102 }])).refused).toEqual([b!.customerId]);
    // The claim that holds the row records its result.
    const ok = await d.record(id, { jobId: 'job-b', claimedAt: again!.claimedAt }, [{ customerId: again!.customerId, state: 'sent', messageId: 103 }]);
    expect(ok).toEqual({ recorded: [again!.customerId], refused: [] });
    expect(await stateOf(a!.customerId)).toEqual({ state: 'sent', claimed_by: null, message_id: 103 });
  });
});
