import { describe, expect, it } from 'vitest';
import type { Services } from '../../src/deps.js';
import { isModelAvailable, setModelAvailability } from '../../src/domain/catalog/index.js';
import { seed } from '../../src/db/seed.js';
import type { TestDb } from '../support/db.js';
import { AppError } from '../../src/shared/errors.js';
import { MODEL_S_PLAID, newCustomer, TZ, withTestServices } from './helpers.js';

describe('car model availability', () => {
  let t: TestDb;
  let s: Services;
  withTestServices((env) => ({ t, s } = env));

  const flags = async () =>
    Object.fromEntries((await t.sql<{ id: string; available: boolean }[]>`select id, available from car_models order by sort`).map((r) => [r.id, r.available]));

  it('the seed pauses Model S and Model X and takes orders for the others', async () => {
    const f = await flags();
    expect(f['model-s']).toBe(false);
    expect(f['model-x']).toBe(false);
    expect(f['model-3']).toBe(true);
    expect(f['model-y']).toBe(true);
  });

  it('setModelAvailability returns the flag before and after, and null for an unknown model', async () => {
    expect(await setModelAvailability(t.db, 'model-s', true)).toEqual({ before: false, after: true });
    expect(await isModelAvailable(t.db, 'model-s')).toBe(true);
    // Setting it again to the same value says so: nothing changed.
    expect(await setModelAvailability(t.db, 'model-s', true)).toEqual({ before: true, after: true });
    expect(await setModelAvailability(t.db, 'model-s', false)).toEqual({ before: true, after: false });
    expect(await isModelAvailable(t.db, 'model-s')).toBe(false);
    expect(await setModelAvailability(t.db, 'model-z', true)).toBeNull();
    expect(await isModelAvailable(t.db, 'model-z')).toBe(false);
  });

  it('a re-seed keeps what ops switched', async () => {
    await setModelAvailability(t.db, 'model-3', false);
    await setModelAvailability(t.db, 'model-x', true);
    await seed(t.db, { timeZone: TZ });
    const f = await flags();
    expect(f['model-3']).toBe(false);
    expect(f['model-x']).toBe(true);
    await setModelAvailability(t.db, 'model-3', true);
    await setModelAvailability(t.db, 'model-x', false);
  });

  it('the catalog shows the flag once its cache is invalidated', async () => {
    await setModelAvailability(t.db, 'model-y', false);
    s.catalog.invalidate();
    expect((await s.catalog.model('model-y'))?.model.available).toBe(false);
    await setModelAvailability(t.db, 'model-y', true);
    s.catalog.invalidate();
    expect((await s.catalog.model('model-y'))?.model.available).toBe(true);
  });

  it('OrderService.create refuses a paused model (read from the database, not the cached catalog); an order the same request made before is still found', async () => {
    const customer = await newCustomer(s);
    await setModelAvailability(t.db, 'model-s', true);
    s.catalog.invalidate();
    const catalog = (await s.catalog.model('model-s'))!;
    expect(catalog.model.available).toBe(true);
    const input = { customerId: customer.id, catalog, configuration: MODEL_S_PLAID, contactName: 'Zhang Wei', phone: '13800138000', city: 'beijing' };
    const first = await s.orders.create({ ...input, requestKey: 'paused-1' }, 'customer:1');
    // Paused by ops; the catalog this caller holds still says available.
    await setModelAvailability(t.db, 'model-s', false);
    const refused = await s.orders.create({ ...input, requestKey: 'paused-2' }, 'customer:1').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('model_paused');
    const [row] = await t.sql<Array<{ n: number }>>`select count(*)::int as n from orders where customer_id = ${customer.id}`;
    expect(row?.n).toBe(1);
    // A rerun of the press that made the first order finds it (nothing new written).
    expect((await s.orders.create({ ...input, requestKey: 'paused-1' }, 'customer:1')).id).toBe(first.id);
  });
});
