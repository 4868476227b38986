/**
 * Waiting in tests: for a condition, polled, rather than for a fixed time that is either too short
 * on a busy machine or wasted on an idle one. `sleep` is for where time passing is itself the point
 * (a TTL running out, proving nothing happens for a while); say why where it is used.
 */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** What `waitFor` resolves with: the probe's value once it is truthy. */
export type Found<T> = Exclude<T, false | null | undefined | 0 | ''>;

/**
 * Polls `probe` every `intervalMs` (default 50) until it returns something truthy, and resolves
 * with that; rejects after `timeoutMs` (default 10 s) with an error naming `what` was awaited.
 */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<Found<T>> {
  const { timeoutMs = 10_000, intervalMs = 50 } = opts;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Found<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
