/** Latency samples and their summary. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export class Latencies {
  private readonly samples: number[] = [];

  add(ms: number): void {
    this.samples.push(ms);
  }

  get count(): number {
    return this.samples.length;
  }

  summary(): LatencySummary {
    const sorted = Float64Array.from(this.samples).sort();
    const n = sorted.length;
    const at = (q: number) => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!);
    let sum = 0;
    for (const v of sorted) sum += v;
    return { count: n, mean: n ? sum / n : 0, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: n ? sorted[n - 1]! : 0 };
  }
}

/** Rounds to `digits` decimals (figures in the JSON line stay short). */
export const round = (value: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

export const fmtMs = (ms: number): string => `${ms.toFixed(1)} ms`;

/** Event-loop delay of this process while a phase runs (the load generator and the stand-in; the bot's own is reported by its process). */
export async function withLoopDelay<T>(fn: () => Promise<T>): Promise<{ result: T; loopP99Ms: number; loopMaxMs: number }> {
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  try {
    const result = await fn();
    return { result, loopP99Ms: h.percentile(99) / 1e6, loopMaxMs: h.max / 1e6 };
  } finally {
    h.disable();
  }
}
