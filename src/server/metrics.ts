/**
 * A few counters and a latency histogram in Prometheus text format; enough to watch throughput
 * and handler latency without pulling in a metrics library.
 */
export type SettledOutcome = 'done' | 'retry' | 'parked';

export class Metrics {
  private readonly counters = new Map<string, number>();
  private readonly buckets = [5, 10, 25, 50, 100, 250, 500, 1000, 5000];
  private readonly histogram = new Array<number>(this.buckets.length + 1).fill(0);
  private sum = 0;
  private count = 0;
  private readonly listeners = new Set<() => void>();
  private readonly settledListeners = new Set<(updateId: number, outcome: SettledOutcome) => void>();

  inc(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  observeUpdate(ms: number): void {
    const i = this.buckets.findIndex((b) => ms <= b);
    this.histogram[i === -1 ? this.buckets.length : i]! += 1;
    this.sum += ms;
    this.count += 1;
    for (const l of this.listeners) l();
  }

  /** Number of updates handled so far. */
  get updatesHandled(): number {
    return this.count;
  }

  /** Called after every handled update (tests and benchmarks wait on it). */
  onUpdate(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** An inbox row's try has ended: done (handled or refused for good), to be retried, or parked. */
  settled(updateId: number, outcome: SettledOutcome): void {
    this.inc(`inbox_${outcome}_total`);
    for (const l of this.settledListeners) l(updateId, outcome);
  }

  /** Called after every try of an inbox row (tests wait on it). */
  onSettled(listener: (updateId: number, outcome: SettledOutcome) => void): () => void {
    this.settledListeners.add(listener);
    return () => this.settledListeners.delete(listener);
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, value] of this.counters) lines.push(`# TYPE ${name} counter`, `${name} ${value}`);
    lines.push('# TYPE update_duration_ms histogram');
    let cumulative = 0;
    this.buckets.forEach((b, i) => {
      cumulative += this.histogram[i]!;
      lines.push(`update_duration_ms_bucket{le="${b}"} ${cumulative}`);
    });
    lines.push(`update_duration_ms_bucket{le="+Inf"} ${this.count}`, `update_duration_ms_sum ${this.sum}`, `update_duration_ms_count ${this.count}`);
    return `${lines.join('\n')}\n`;
  }
}
