import { asc } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { carModels, carOptions, trims } from '../../db/schema/index.js';
import type { ModelCatalog } from './pricing.js';

export interface CatalogServiceOptions {
  db: Db;
  /** How long a read of the catalog is served from memory (30 s by default). */
  ttlMs?: number;
  /** The clock of the cache, in ms (Date.now by default). */
  now?: () => number;
}

/**
 * Read-mostly catalog with a short in-memory cache: every browse step needs it, and a price change
 * in the database shows within `ttlMs`. Orders snapshot prices, so a change never alters an order.
 */
export class CatalogService {
  private cache: { at: number; models: ModelCatalog[] } | null = null;
  private loading: Promise<ModelCatalog[]> | null = null;

  private readonly db: Db;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(opts: CatalogServiceOptions) {
    this.db = opts.db;
    this.ttlMs = opts.ttlMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  async models(): Promise<ModelCatalog[]> {
    if (this.cache && this.now() - this.cache.at < this.ttlMs) return this.cache.models;
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  async model(id: string): Promise<ModelCatalog | null> {
    return (await this.models()).find((m) => m.model.id === id) ?? null;
  }

  /** The model a trim belongs to, for callback data that names only the trim. */
  async modelOfTrim(trimId: string): Promise<ModelCatalog | null> {
    return (await this.models()).find((m) => m.trims.some((t) => t.id === trimId)) ?? null;
  }

  invalidate(): void {
    this.cache = null;
  }

  private async load(): Promise<ModelCatalog[]> {
    const [models, allTrims, options] = await Promise.all([
      this.db.select().from(carModels).orderBy(asc(carModels.sort)),
      this.db.select().from(trims).orderBy(asc(trims.sort)),
      this.db.select().from(carOptions).orderBy(asc(carOptions.sort)),
    ]);
    const result = models.map((model) => ({
      model,
      trims: allTrims.filter((t) => t.modelId === model.id),
      options: options.filter((o) => o.modelId === model.id),
    }));
    this.cache = { at: this.now(), models: result };
    return result;
  }
}
