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

/**
 * Counts every statement the app's pool sends (postgres.js reads `options.debug` per query, so
 * setting it on the live pool works; transactions share the pool's connections).
 */
export function countQueries(app: App): QueryCounter {
  const client = (app.deps.db as unknown as { $client?: { options?: { debug?: unknown } } }).$client;
  const options = client?.options;
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
      if (options) options.debug = false;
    },
  };
  if (!options) return counter;
  options.debug = (_connection: number, query: string) => {
    counter.total++;
    counter.byText.set(query, (counter.byText.get(query) ?? 0) + 1);
  };
  return counter;
}
