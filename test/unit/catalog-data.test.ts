/** The sample catalog reads as Tesla China's would (issue 13): paint names, Model Y L, paused models, the Wall Connector. */
import { describe, expect, it } from 'vitest';
import { readCatalogFile } from '../../src/db/seed.js';
import { readStoreFile } from '../../src/domain/store/data.js';

const catalog = readCatalogFile();
const paints = catalog.models.flatMap((m) => m.options.filter((o) => o.kind === 'paint').map((o) => o.name));

describe('sample catalog', () => {
  it("paint names are Tesla's, one Chinese name per English name: 冷光银 is Quicksilver, 星空灰 Stealth Grey, no 烈焰黑", () => {
    const zhOf = new Map<string, Set<string>>();
    for (const p of paints) zhOf.set(p.en, new Set([...(zhOf.get(p.en) ?? []), p['zh-CN']]));
    for (const [en, zh] of zhOf) expect([en, [...zh]]).toEqual([en, [[...zh][0]]]);
    expect([...zhOf.get('Quicksilver')!]).toEqual(['冷光银']);
    expect([...zhOf.get('Stealth Grey')!]).toEqual(['星空灰']);
    expect(paints.some((p) => p['zh-CN'] === '烈焰黑')).toBe(false);
    // No Chinese name stands for two English ones either.
    const enOf = new Map<string, Set<string>>();
    for (const p of paints) enOf.set(p['zh-CN'], new Set([...(enOf.get(p['zh-CN']) ?? []), p.en]));
    for (const [zh, en] of enOf) expect([zh, en.size]).toEqual([zh, 1]);
  });

  it('Model Y L is the six-seater, priced in CNY between Model Y and Model S, ¥1,000 deposit; Model S and X are paused, the others take orders', () => {
    const byId = new Map(catalog.models.map((m) => [m.id, m]));
    const yl = byId.get('model-y-l')!;
    expect(yl.name).toBe('Model Y L');
    expect(yl.tagline['zh-CN']).toContain('六座');
    expect(yl.trims.every((t) => t.name['zh-CN'].includes('六座') && t.name.en.includes('six seats'))).toBe(true);
    expect(yl.deposit).toBe(1000);
    const from = (id: string) => Math.min(...byId.get(id)!.trims.map((t) => t.price));
    expect(from('model-y-l')).toBeGreaterThan(from('model-y'));
    expect(from('model-y-l')).toBeLessThan(from('model-s'));
    expect(catalog.models.map((m) => [m.id, m.available ?? true])).toEqual([
      ['model-3', true],
      ['model-y', true],
      ['model-y-l', true],
      ['model-s', false],
      ['model-x', false],
    ]);
  });

  it('the Wall Connector is described as 7 kW on a single-phase home supply', () => {
    const wc = readStoreFile().products.find((p) => p.id === 'wall-connector')!;
    expect(wc.description['zh-CN']).toContain('单相');
    expect(wc.description['zh-CN']).toContain('7 kW');
    expect(wc.description.en).toContain('7 kW AC charging on a single-phase home supply');
  });
});
