import { describe, expect, it } from 'vitest';
import type { Services } from '../../src/deps.js';
import { isModelAvailable, setModelAvailability } from '../../src/domain/catalog/index.js';
import { seed } from '../../src/db/seed.js';
import type { TestDb } from '../support/db.js';
import { TZ, withTestServices } from './helpers.js';

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
});
