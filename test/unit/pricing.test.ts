import { describe, expect, it } from 'vitest';
import type { CarOption, Trim } from '../../src/db/schema/index.js';
import { catalogRows, readCatalogFile } from '../../src/db/seed.js';
import {
  configSteps,
  nextStep,
  optionsFor,
  priceLines,
  resetFrom,
  snapshot,
  startingPriceFen,
  totalFen,
  type Configuration,
  type ModelCatalog,
} from '../../src/domain/catalog/pricing.js';
import { AppError } from '../../src/shared/errors.js';

/** data/catalog.json converted exactly as seed() stores it (catalogRows). */
function catalogFromFile(): Map<string, ModelCatalog> {
  return new Map(catalogRows(readCatalogFile()).map((c) => [c.model.id, c]));
}

const catalogs = catalogFromFile();
const cat = (id: string): ModelCatalog => {
  const found = catalogs.get(id);
  if (!found) throw new Error(`fixture: no model ${id} in data/catalog.json`);
  return found;
};
const modelY = cat('model-y');

/** The worked example: Model Y Long Range AWD, Ultra Red, 20" Helix, black-and-white interior. */
const myLongRange: Configuration = {
  modelId: 'model-y',
  trimId: 'my-lr',
  paintId: 'my-paint-red',
  wheelsId: 'my-wheels-20',
  interiorId: 'my-int-white',
};

/** Expects `fn` to throw an AppError with code 'invalid_configuration'. */
function expectInvalid(fn: () => unknown): AppError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AppError);
  expect((caught as AppError).code).toBe('invalid_configuration');
  return caught as AppError;
}

const loc = (en: string) => ({ 'zh-CN': `${en}（中）`, en });

/** A small hand-made model: trims out of price order, a paint list without any free colour. */
function handMadeCatalog(): ModelCatalog {
  const trim = (id: string, priceFen: number, sort: number): Trim => ({
    id,
    modelId: 'model-z',
    name: loc(id),
    priceFen,
    rangeCltcKm: 500,
    accel0100S: '5.0',
    topSpeedKmh: 200,
    sort,
  });
  const option = (id: string, kind: CarOption['kind'], priceFen: number, trimIds: string[] = []): CarOption => ({
    id,
    modelId: 'model-z',
    kind,
    name: loc(id),
    priceFen,
    trimIds,
    sort: 0,
  });
  return {
    model: { id: 'model-z', name: 'Model Z', tagline: loc('tagline'), photoUrl: 'https://example.com/z.jpg', depositFen: 500_000, available: true, sort: 9 },
    trims: [trim('z-big', 30_000_000, 0), trim('z-small', 20_000_000, 1)],
    options: [
      // Every paint costs money: the cheapest possible car still pays ¥5,000 for paint.
      option('z-paint-blue', 'paint', 500_000),
      option('z-paint-red', 'paint', 800_000),
      option('z-wheels-18', 'wheels', 0, ['z-small']),
      option('z-wheels-20', 'wheels', 1_000_000, ['z-big']),
      option('z-int-black', 'interior', 0),
    ],
  };
}

describe('catalog fixture (data/catalog.json as seeded)', () => {
  it('carries the list prices in fen', () => {
    const trim = modelY.trims.find((t) => t.id === 'my-lr');
    expect(trim?.priceFen).toBe(30_350_000);
    expect(modelY.model.depositFen).toBe(100_000);
  });
});

describe('priceLines', () => {
  it('prices the worked example line by line: ¥303,500 + ¥12,000 + ¥9,000 + ¥8,000', () => {
    const lines = priceLines(modelY, myLongRange);
    expect(lines.map((l) => [l.kind, l.id, l.priceFen])).toEqual([
      ['trim', 'my-lr', 30_350_000],
      ['paint', 'my-paint-red', 1_200_000],
      ['wheels', 'my-wheels-20', 900_000],
      ['interior', 'my-int-white', 800_000],
    ]);
    expect(lines[0]?.name).toEqual({ 'zh-CN': '长续航全轮驱动版', en: 'Long Range AWD' });
    expect(lines[1]?.name.en).toBe('Ultra Red');
    expect(totalFen(lines)).toBe(33_250_000);
  });

  it('returns no lines before a trim is chosen, and lines for the steps answered so far', () => {
    expect(priceLines(modelY, { modelId: 'model-y' })).toEqual([]);
    expect(priceLines(modelY, { modelId: 'model-y', trimId: 'my-rwd' }).map((l) => l.id)).toEqual(['my-rwd']);
    const partial = priceLines(modelY, { modelId: 'model-y', trimId: 'my-rwd', paintId: 'my-paint-grey' });
    expect(partial.map((l) => l.id)).toEqual(['my-rwd', 'my-paint-grey']);
    expect(totalFen(partial)).toBe(26_350_000 + 800_000);
  });

  it('keeps the step order trim, paint, wheels, interior whatever order the ids were set in', () => {
    const cfg: Configuration = { interiorId: 'my-int-black', wheelsId: 'my-wheels-19', paintId: 'my-paint-white', trimId: 'my-rwd', modelId: 'model-y' };
    expect(priceLines(modelY, cfg).map((l) => l.kind)).toEqual(['trim', 'paint', 'wheels', 'interior']);
  });

  it('refuses a configuration for another model', () => {
    expectInvalid(() => priceLines(modelY, { ...myLongRange, modelId: 'model-3' }));
  });

  it("refuses a trim of another model (Model 3's Long Range on a Model Y)", () => {
    expectInvalid(() => priceLines(modelY, { modelId: 'model-y', trimId: 'm3-lr' }));
  });

  it('refuses an unknown trim id', () => {
    expectInvalid(() => priceLines(modelY, { modelId: 'model-y', trimId: 'my-plaid' }));
  });

  it.each([
    ['paint of another model', { paintId: 'm3-paint-red' }],
    ['wheels of another model', { wheelsId: 'm3-wheels-19' }],
    ['interior of another model', { interiorId: 'ms-int-cream' }],
    ['unknown paint', { paintId: 'my-paint-gold' }],
    ['a paint id given as wheels', { wheelsId: 'my-paint-red' }],
    ['a wheels id given as interior', { interiorId: 'my-wheels-19' }],
  ])('refuses %s', (_what, ids) => {
    expectInvalid(() => priceLines(modelY, { modelId: 'model-y', trimId: 'my-lr', ...ids }));
  });

  it('refuses wheels restricted to another trim of the same model', () => {
    // 21" Arachnid is Performance-only; 20" Helix is not offered on Performance.
    expectInvalid(() => priceLines(modelY, { modelId: 'model-y', trimId: 'my-lr', wheelsId: 'my-wheels-21' }));
    expectInvalid(() => priceLines(modelY, { modelId: 'model-y', trimId: 'my-perf', wheelsId: 'my-wheels-20' }));
    expect(priceLines(modelY, { modelId: 'model-y', trimId: 'my-perf', wheelsId: 'my-wheels-21' }).map((l) => l.priceFen)).toEqual([35_490_000, 0]);
  });

  it('names the offending id in the (log-only) message', () => {
    const err = expectInvalid(() => priceLines(modelY, { modelId: 'model-y', trimId: 'my-lr', wheelsId: 'my-wheels-21' }));
    expect(err.message).toContain('my-wheels-21');
  });
});

describe('totalFen', () => {
  it('is 0 for no lines and the plain sum otherwise', () => {
    expect(totalFen([])).toBe(0);
    expect(
      totalFen([
        { kind: 'trim', id: 'a', name: loc('a'), priceFen: 1 },
        { kind: 'paint', id: 'b', name: loc('b'), priceFen: 250 },
      ]),
    ).toBe(251);
  });

  it('prices every model at its list prices (Model 3 Performance, Ultra Red, Warp, white: ¥355,900)', () => {
    const lines = priceLines(cat('model-3'), {
      modelId: 'model-3',
      trimId: 'm3-perf',
      paintId: 'm3-paint-red',
      wheelsId: 'm3-wheels-20',
      interiorId: 'm3-int-white',
    });
    expect(totalFen(lines)).toBe((335_900 + 12_000 + 0 + 8_000) * 100);
  });
});

describe('startingPriceFen', () => {
  it('is the cheapest trim with the free options for every seeded model', () => {
    expect(startingPriceFen(cat('model-3'))).toBe(23_190_000);
    expect(startingPriceFen(modelY)).toBe(26_350_000);
    expect(startingPriceFen(cat('model-s'))).toBe(68_490_000);
    expect(startingPriceFen(cat('model-x'))).toBe(72_490_000);
  });

  it('finds the cheapest trim wherever it is listed', () => {
    // Listed second and with a free paint added, z-small at ¥200,000 is the starting price.
    const c = handMadeCatalog();
    c.options.push({ ...c.options[0]!, id: 'z-paint-white', priceFen: 0 });
    expect(c.trims[0]?.id).toBe('z-big');
    expect(startingPriceFen(c)).toBe(20_000_000);
  });

  it('is the lowest total a complete configuration can actually reach (no free paint: the cheapest paint counts)', () => {
    // Cheapest complete car: z-small ¥200,000 + blue paint ¥5,000 + 18" ¥0 + black ¥0 = ¥205,000.
    const c = handMadeCatalog();
    const cheapest = snapshot(c, { modelId: 'model-z', trimId: 'z-small', paintId: 'z-paint-blue', wheelsId: 'z-wheels-18', interiorId: 'z-int-black' });
    expect(cheapest.totalFen).toBe(20_500_000);
    expect(startingPriceFen(c)).toBe(cheapest.totalFen);
  });
});

describe('optionsFor', () => {
  it('offers trim-restricted wheels only on their trims, in catalog order', () => {
    expect(optionsFor(modelY, 'wheels', 'my-rwd').map((o) => o.id)).toEqual(['my-wheels-19', 'my-wheels-20']);
    expect(optionsFor(modelY, 'wheels', 'my-lr').map((o) => o.id)).toEqual(['my-wheels-19', 'my-wheels-20']);
    expect(optionsFor(modelY, 'wheels', 'my-perf').map((o) => o.id)).toEqual(['my-wheels-21']);
  });

  it('offers unrestricted options on every trim and only options of the asked kind', () => {
    for (const trim of modelY.trims) {
      expect(optionsFor(modelY, 'paint', trim.id).map((o) => o.id)).toEqual(['my-paint-white', 'my-paint-grey', 'my-paint-black', 'my-paint-red']);
      expect(optionsFor(modelY, 'interior', trim.id).map((o) => o.id)).toEqual(['my-int-black', 'my-int-white']);
    }
    expect(optionsFor(cat('model-s'), 'wheels', 'ms-plaid').map((o) => o.id)).toEqual(['ms-wheels-19', 'ms-wheels-21']);
  });

  it('offers nothing restricted on a trim id of another model', () => {
    expect(optionsFor(modelY, 'wheels', 'm3-lr')).toEqual([]);
  });
});

describe('nextStep', () => {
  it('walks trim → paint → wheels → interior → done', () => {
    expect(configSteps).toEqual(['trim', 'paint', 'wheels', 'interior']);
    const cfg: Configuration = { modelId: 'model-y' };
    expect(nextStep(cfg)).toBe('trim');
    expect(nextStep({ ...cfg, trimId: 'my-lr' })).toBe('paint');
    expect(nextStep({ ...cfg, trimId: 'my-lr', paintId: 'my-paint-red' })).toBe('wheels');
    expect(nextStep({ ...cfg, trimId: 'my-lr', paintId: 'my-paint-red', wheelsId: 'my-wheels-20' })).toBe('interior');
    expect(nextStep(myLongRange)).toBeNull();
  });

  it('asks for the earliest missing answer even when later ones are set', () => {
    expect(nextStep({ modelId: 'model-y', paintId: 'my-paint-red', wheelsId: 'my-wheels-20', interiorId: 'my-int-white' })).toBe('trim');
    expect(nextStep({ ...myLongRange, paintId: undefined })).toBe('paint');
    expect(nextStep({ ...myLongRange, wheelsId: '' })).toBe('wheels');
  });
});

describe('resetFrom', () => {
  it('clears the step and everything after it, keeping the model and earlier answers', () => {
    expect(resetFrom(myLongRange, 'trim')).toEqual({ modelId: 'model-y' });
    expect(resetFrom(myLongRange, 'paint')).toEqual({ modelId: 'model-y', trimId: 'my-lr' });
    expect(resetFrom(myLongRange, 'wheels')).toEqual({ modelId: 'model-y', trimId: 'my-lr', paintId: 'my-paint-red' });
    expect(resetFrom(myLongRange, 'interior')).toEqual({
      modelId: 'model-y',
      trimId: 'my-lr',
      paintId: 'my-paint-red',
      wheelsId: 'my-wheels-20',
    });
  });

  it('does not modify the configuration it was given', () => {
    const before = { ...myLongRange };
    resetFrom(myLongRange, 'trim');
    expect(myLongRange).toEqual(before);
  });

  it('makes nextStep ask the reset step again', () => {
    for (const step of configSteps) expect(nextStep(resetFrom(myLongRange, step))).toBe(step);
  });
});

describe('snapshot', () => {
  it('freezes the worked example with its prices and a ¥332,500 total', () => {
    const { snapshot: s, totalFen: total } = snapshot(modelY, myLongRange);
    expect(total).toBe(33_250_000);
    expect(s).toEqual({
      modelId: 'model-y',
      modelName: 'Model Y',
      trim: { id: 'my-lr', name: { 'zh-CN': '长续航全轮驱动版', en: 'Long Range AWD' }, priceFen: 30_350_000 },
      options: [
        { id: 'my-paint-red', kind: 'paint', name: { 'zh-CN': '烈焰红', en: 'Ultra Red' }, priceFen: 1_200_000 },
        { id: 'my-wheels-20', kind: 'wheels', name: { 'zh-CN': '20 英寸 Helix 2.0 轮毂', en: '20" Helix 2.0 wheels' }, priceFen: 900_000 },
        { id: 'my-int-white', kind: 'interior', name: { 'zh-CN': '黑白高级内饰', en: 'Black and white premium interior' }, priceFen: 800_000 },
      ],
    });
    expect(s.trim.priceFen + s.options.reduce((sum, o) => sum + o.priceFen, 0)).toBe(total);
  });

  it('keeps the prices it was taken with when the catalog changes later', () => {
    const c = catalogFromFile().get('model-y')!;
    const taken = snapshot(c, myLongRange);
    const frozen = JSON.parse(JSON.stringify(taken)) as typeof taken;
    for (const t of c.trims) t.priceFen += 1_000_000;
    for (const o of c.options) o.priceFen += 50_000;
    expect(taken).toEqual(frozen);
    expect(snapshot(c, myLongRange).totalFen).toBe(33_250_000 + 1_000_000 + 3 * 50_000);
  });

  it.each(configSteps)('refuses a configuration without %s', (step) => {
    const incomplete = { ...myLongRange, [`${step}Id`]: undefined };
    expectInvalid(() => snapshot(modelY, incomplete));
  });

  it('refuses a bare model', () => {
    expectInvalid(() => snapshot(modelY, { modelId: 'model-y' }));
  });

  it('refuses a complete configuration with an id the trim does not offer', () => {
    expectInvalid(() => snapshot(modelY, { ...myLongRange, wheelsId: 'my-wheels-21' }));
    expectInvalid(() => snapshot(modelY, { ...myLongRange, modelId: 'model-3' }));
  });
});
