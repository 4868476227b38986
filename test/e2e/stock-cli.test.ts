/**
 * `npm run ops -- stock …` against a database of its own, run in this process (runOpsCli): restock
 * and price change with their audit rows (actor cli:<os user>), a delivery CSV with a bad line
 * (every line reported, nothing applied, exit 1), the same file fixed (applied), usage errors.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOpsCli } from '../../src/ops-run.js';
import { TOKEN } from '../integration/helpers.js';
import { createTestDb, REDIS_URL, type TestDb } from '../support/db.js';

const PREFIX = `tstk${randomBytes(4).toString('hex')}`;
let t: TestDb;
let dir: string;
beforeAll(async () => {
  t = await createTestDb();
  dir = await mkdtemp(join(tmpdir(), 'stock-cli-'));
});
afterAll(async () => {
  await t?.drop();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

async function ops(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', USER: 'li', DATABASE_URL: t.url, BOT_TOKEN: TOKEN, QUEUE_PREFIX: PREFIX, REDIS_URL };
  let stdout = '';
  let stderr = '';
  const code = await runOpsCli(args, env, { out: (text) => (stdout += `${text}\n`), err: (text) => (stderr += `${text}\n`) });
  return { code, stdout, stderr };
}
const stockOf = async (id: string) => (await t.sql<[{ stock: number; price_fen: number }]>`select stock, price_fen from store_variants where id = ${id}`)[0];
const audit = (id: string) =>
  t.sql<Array<{ actor: string; field: string; before: unknown; after: unknown }>>`select actor, field, before, after from catalog_audit where entity_id = ${id} order by id`;

describe('npm run ops -- stock', () => {
  it('restocks and changes a price, each audited with the CLI user', async () => {
    const restock = await ops(['stock', 'restock', 'mc', '12']);
    expect([restock.code, restock.stderr]).toEqual([0, '']);
    expect(restock.stdout).toBe('✅ Restocked +12: 15 → 27\n');
    const price = await ops(['stock', 'price', 'mc', '1,399.50', '--json']);
    expect(price.code).toBe(0);
    expect(JSON.parse(price.stdout)).toEqual({ ok: true, variant: 'mc', field: 'price', beforeFen: 1500_00, afterFen: 1399_50 });
    expect(await stockOf('mc')).toEqual({ stock: 27, price_fen: 1399_50 });
    const [actor] = (await audit('mc')).map((r) => r.actor);
    expect(actor).toMatch(/^cli:/);
    expect((await audit('mc')).map((r) => [r.field, r.before, r.after])).toEqual([
      ['stock', 15, 27],
      ['price', 1500_00, 1399_50],
    ]);
    const zh = await ops(['stock', 'product', 'mobile-connector', '--lang', 'zh-CN']);
    expect(zh.stdout).toContain('mc  ');
    expect(zh.stdout).toContain('库存 27（占用 0）');
  });

  it('refuses bad numbers and unknown variants, and prints its usage for a wrong line', async () => {
    const bad = await ops(['stock', 'restock', 'mc', 'many']);
    expect([bad.code, bad.stderr]).toEqual([1, 'Please send a whole number, for example 12.\n']);
    const unknown = await ops(['stock', 'set', 'nope', '3', '--json']);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ ok: false, error: { code: 'unknown_variant', message: 'No variant nope.' } });
    const usage = await ops(['stock', 'restock', 'mc']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('stock restock <variant> <units>');
    expect(await audit('nope')).toHaveLength(0);
  });

  it('a delivery CSV with a bad line: every line reported, nothing applied; fixed, applied in one go', async () => {
    const before = { cap: (await stockOf('cap-wht')).stock, tee: (await stockOf('tee-blk-xl')).stock };
    const file = join(dir, 'delivery.csv');
    await writeFile(file, 'variant,qty,supplier\ncap-wht,20,Li Ning\ntee-blk-xl,-3,Li Ning\nhat-red,5,Li Ning\n');
    const bad = await ops(['stock', 'import', file]);
    expect(bad.code).toBe(1);
    expect(bad.stdout.trim().split('\n')).toEqual([
      'line 2: cap-wht +20: fine (not applied)',
      'line 3: tee-blk-xl: The number must be a whole number from 0 to 100000 (a restock from 1).',
      'line 4: hat-red: No variant hat-red.',
      'Nothing applied: 2 bad lines. Fix them and run the import again.',
    ]);
    expect(await stockOf('cap-wht')).toMatchObject({ stock: before.cap });
    expect(await audit('cap-wht')).toHaveLength(0);

    await writeFile(file, 'variant,qty,supplier\ncap-wht,20,Li Ning\ntee-blk-xl,3,Li Ning\n');
    const good = await ops(['stock', 'import', file, '--json']);
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({
      ok: true,
      applied: true,
      failed: 0,
      results: [
        { line: 2, variantId: 'cap-wht', status: 'restocked', before: before.cap, after: before.cap + 20 },
        { line: 3, variantId: 'tee-blk-xl', status: 'restocked', before: before.tee, after: before.tee + 3 },
      ],
    });
    expect((await audit('tee-blk-xl')).map((r) => [r.field, r.before, r.after])).toEqual([['stock', before.tee, before.tee + 3]]);
  });

  it('hides a product, pauses a model, and lists the history', async () => {
    expect((await ops(['stock', 'hide', 'sunshade'])).stdout).toBe('✅ Hidden from customers\n');
    expect((await ops(['stock', 'model', 'model-x', 'available'])).code).toBe(0);
    const paused = await ops(['stock', 'model', 'model-3', 'paused']);
    expect(paused.stdout).toBe('Model 3 is paused: its card no longer offers to order.\n');
    const history = await ops(['stock', 'history', 'model-3']);
    expect(history.stdout).toMatch(/cli:\S+ {2}model model-3 available: true → false/);
  });
});
