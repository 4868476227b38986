/**
 * A timeline of what one update waits for: SQL statements sent (postgres.js `debug`), Redis
 * commands (sent → answered), Bot API calls (arrival at the stand-in → answered), relative to the
 * start of the webhook POST. Run with one update in flight, it shows the update's critical path.
 *
 * The app runs in a child process: `probeApp` (in the child, BENCH_TRACE=1) records the SQL and
 * Redis events, and the benchmark's `Tracer` fetches them after each update and merges them with
 * the stand-in's calls. Both processes stamp events with `performance.timeOrigin +
 * performance.now()` (high-resolution, aligned on the wall clock), so the times line up.
 */
import { performance } from 'node:perf_hooks';
import type { App } from '../../src/app.js';
import type { BotApiStandIn } from '../../test/support/bot-api-stand-in.js';
import { appPools } from './instrument.js';

export interface TraceEvent {
  /** ms since the epoch, sub-millisecond resolution. */
  at: number;
  end?: number;
  what: string;
}

/** Now, on the clock shared by the benchmark and the app's process. */
export const wallNow = (): number => performance.timeOrigin + performance.now();

/** In the app's process: records the app's SQL statements and Redis commands until drained. */
export function probeApp(app: App): { drain(): TraceEvent[]; detach(): void } {
  let events: TraceEvent[] = [];
  const undo: Array<() => void> = [];
  for (const options of appPools(app)) {
    const previous = options.debug;
    options.debug = (...args: unknown[]) => {
      events.push({ at: wallNow(), what: `sql   ${String(args[1]).replace(/\s+/g, ' ').slice(0, 90)}` });
      if (typeof previous === 'function') (previous as (...a: unknown[]) => void)(...args);
    };
    undo.push(() => (options.debug = previous));
  }
  const redis = app.deps.redis as unknown as { sendCommand: (cmd: { name: string; promise: Promise<unknown> }, ...rest: unknown[]) => unknown };
  const send = redis.sendCommand;
  redis.sendCommand = (cmd, ...rest) => {
    const e: TraceEvent = { at: wallNow(), what: `redis ${cmd.name}` };
    events.push(e);
    const out = send.call(redis, cmd, ...rest);
    void cmd.promise?.then(
      () => (e.end = wallNow()),
      () => (e.end = wallNow()),
    );
    return out;
  };
  undo.push(() => (redis.sendCommand = send));
  return {
    drain() {
      const out = events;
      events = [];
      return out;
    },
    detach() {
      for (const u of undo.splice(0)) u();
    },
  };
}

/** In the benchmark: the stand-in's calls plus the app's events fetched from its process. */
export class Tracer {
  private events: TraceEvent[] = [];
  private t0 = 0;
  private readonly undo: Array<() => void> = [];

  constructor(
    api: BotApiStandIn,
    /** The app's events since the last call (drained). */
    private readonly fetchAppEvents: () => Promise<TraceEvent[]>,
  ) {
    // The stand-in stamps arrival with Date.now() (whole ms).
    this.undo.push(api.onCall((call) => this.events.push({ at: call.at, end: wallNow(), what: `api   ${call.method}` })));
  }

  /** Forgets what happened so far (in both processes); the timeline starts now. */
  async begin(): Promise<void> {
    await this.fetchAppEvents();
    this.events = [];
    this.t0 = wallNow();
  }

  /** The timeline since `begin()`, one line per event, times in ms from the POST's start. */
  async render(totalMs: number): Promise<string[]> {
    const all = [...this.events, ...(await this.fetchAppEvents())];
    const f = (ms: number) => (ms - this.t0).toFixed(1).padStart(6);
    const lines = all.sort((a, b) => a.at - b.at).map((e) => `${f(e.at)} ${e.end !== undefined ? `→${f(e.end)}` : '        '}  ${e.what}`);
    lines.push(`${totalMs.toFixed(1).padStart(6)}           webhook answered 200`);
    return lines;
  }

  detach(): void {
    for (const u of this.undo.splice(0)) u();
  }
}
