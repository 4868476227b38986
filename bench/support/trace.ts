/**
 * A timeline of what one update waits for: SQL statements sent (postgres.js `debug`), Redis
 * commands (sent → answered), Bot API calls (arrival at the stand-in → answered), relative to the
 * start of the webhook POST. Run with one update in flight, it shows the update's critical path.
 */
import { performance } from 'node:perf_hooks';
import type { App } from '../../src/app.js';
import type { BotApiStandIn } from '../../test/support/bot-api-stand-in.js';

interface Event {
  at: number;
  end?: number;
  what: string;
}

export class Tracer {
  private events: Event[] = [];
  private t0 = 0;
  private readonly undo: Array<() => void> = [];

  constructor(app: App, api: BotApiStandIn) {
    const client = (app.deps.db as unknown as { $client?: { options?: { debug?: unknown } } }).$client;
    const options = client?.options;
    if (options) {
      const previous = options.debug;
      options.debug = (_c: number, query: string) => {
        this.events.push({ at: performance.now(), what: `sql   ${query.replace(/\s+/g, ' ').slice(0, 90)}` });
      };
      this.undo.push(() => (options.debug = previous));
    }
    const redis = app.deps.redis as unknown as { sendCommand(cmd: { name: string; promise: Promise<unknown> }, ...rest: unknown[]): unknown };
    const send = redis.sendCommand;
    redis.sendCommand = (cmd, ...rest) => {
      const e: Event = { at: performance.now(), what: `redis ${cmd.name}` };
      this.events.push(e);
      const out = send.call(redis, cmd, ...rest);
      void cmd.promise?.then(
        () => (e.end = performance.now()),
        () => (e.end = performance.now()),
      );
      return out;
    };
    this.undo.push(() => (redis.sendCommand = send));
    // The stand-in stamps arrival with Date.now(); convert to the performance clock.
    const offset = performance.timeOrigin;
    this.undo.push(
      api.onCall((call) => {
        this.events.push({ at: call.at - offset, end: performance.now(), what: `api   ${call.method}` });
      }),
    );
  }

  begin(): void {
    this.events = [];
    this.t0 = performance.now();
  }

  /** The timeline since `begin()`, one line per event, times in ms from the POST's start. */
  render(totalMs: number): string[] {
    const f = (ms: number) => (ms - this.t0).toFixed(1).padStart(6);
    const lines = this.events
      .sort((a, b) => a.at - b.at)
      .map((e) => `${f(e.at)} ${e.end !== undefined ? `→${f(e.end)}` : '        '}  ${e.what}`);
    lines.push(`${totalMs.toFixed(1).padStart(6)}           webhook answered 200`);
    return lines;
  }

  detach(): void {
    for (const u of this.undo.splice(0)) u();
  }
}
