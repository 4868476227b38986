/** Counting the app's SQL statements without a change to src/, through postgres.js's `debug` hook. */
import type { App } from '../../src/app.js';

export interface QueryCounter {
  total: number;
  byText: Map<string, number>;
  reset(): void;
  /** The most frequent statements, shortened. */
  top(n: number): Array<{ count: number; text: string }>;
  detach(): void;
}

/** A postgres.js pool's options: `debug` is read on every query, so setting it on a live pool works. */
export type PoolOptions = { debug?: unknown };

const optionsOf = (value: unknown): PoolOptions | null => {
  if (typeof value !== 'function') return null;
  const options = (value as { options?: unknown }).options;
  return options && typeof options === 'object' && 'debug' in options ? options : null;
};

/**
 * The app's postgres.js pools: the Drizzle pool (`deps.db.$client`) and any other pool a service
 * holds directly (e.g. the conversation repository's relaxed pool, see DbHandle.relaxed), found
 * among the services' own fields.
 */
export function appPools(app: App): PoolOptions[] {
  const found = new Set<PoolOptions>();
  const main = optionsOf((app.deps.db as unknown as { $client?: unknown }).$client);
  if (main) found.add(main);
  for (const service of Object.values(app.deps.services as unknown as Record<string, unknown>)) {
    if (!service || typeof service !== 'object') continue;
    for (const field of Object.values(service)) {
      const options = optionsOf(field);
      if (options) found.add(options);
    }
  }
  return [...found];
}

/** Counts every statement the app's pools send (transactions share the pools' connections). */
export function countQueries(app: App): QueryCounter {
  const pools = appPools(app);
  const counter: QueryCounter = {
    total: 0,
    byText: new Map(),
    reset() {
      counter.total = 0;
      counter.byText.clear();
    },
    top(n) {
      return [...counter.byText]
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .map(([text, count]) => ({ count, text: text.replace(/\s+/g, ' ').slice(0, 160) }));
    },
    detach() {
      for (const options of pools) options.debug = false;
    },
  };
  for (const options of pools) {
    options.debug = (_connection: number, query: string) => {
      counter.total++;
      counter.byText.set(query, (counter.byText.get(query) ?? 0) + 1);
    };
  }
  return counter;
}
