/**
 * The bot under test runs in a child process of its own (as in production, where Telegram is
 * elsewhere), so that the load generator's and the stand-in's work is not charged to it. This
 * module holds both ends of the IPC between the benchmark (parent) and such a child:
 *
 *  - parent: `BenchChild.start(script, env)` forks `script` with tsx and waits for its `ready`
 *    message (the port it bound); `stats()` asks for its CPU time, updates handled and event-loop
 *    delay; `stop()` asks it to stop (SIGKILL if it does not within a timeout); `kill()` at once.
 *  - child: `serveParent(...)` answers those requests, and stops on a `stop` message, on SIGTERM or
 *    when the parent goes away (IPC disconnect; the app's process then also removes the run's
 *    database and Redis keys, see app-process.ts). It runs in a process group of its own and
 *    ignores SIGINT: the parent decides when the bot stops (after the current phase on Ctrl-C).
 *
 * Only node built-ins here: both ends import it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** What a child reports about itself. */
export interface ChildStats {
  /** `process.cpuUsage()` user + system since the child started, ms (every thread: GC, libuv pool). */
  cpuMs: number;
  /** Updates handled since the child started. */
  updatesHandled: number;
  /** The child's event-loop delay since the last reset. */
  loopP99Ms: number;
  loopMaxMs: number;
  /** Resident set size now, MiB. */
  rssMb: number;
  /** SQL statements sent since the last reset (the app only). */
  sqlTotal?: number;
  /** The most frequent of them (when asked for with `top`). */
  sqlTop?: Array<{ count: number; text: string }>;
  /** How long sends waited for the send budget, ms, per class (the latest few thousand). */
  budgetWaitsMs?: Record<string, number[]>;
  /** Slots the send budget gave back because Redis's answer reached the process late. */
  budgetLateReleases?: number;
}

export interface StatsRequest {
  /** Restart the event-loop histogram and the SQL counts after answering. */
  reset?: boolean;
  /** Include the `top` most frequent SQL statements. */
  top?: number;
}

type ToChild = { type: 'request'; id: number; op: string; args?: unknown } | { type: 'stop' };

export interface ReadyMessage {
  type: 'ready';
  port: number;
  /** Anything else the child wants the parent to know (e.g. the webhook path). */
  info?: Record<string, string>;
}

type FromChild =
  | ReadyMessage
  | { type: 'settled'; ids: number[] }
  | { type: 'failed'; message: string }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };

// ---- parent side -----------------------------------------------------------------------------

const live = new Set<ChildProcess>();
// Whatever way the benchmark ends (process.exit included), no child outlives it: SIGTERM, not
// SIGKILL, so that a child left running cleans up after the benchmark. (The children also stop by
// themselves when the IPC channel closes, e.g. when this process is killed.)
process.on('exit', () => {
  for (const c of live) c.kill('SIGTERM');
});

/** `--import tsx`, as an absolute URL so that it does not depend on the working directory. */
export function tsxImport(): string {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return 'tsx';
  }
}

export class BenchChild {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private exitCode: number | string | null = null;
  readonly exited: Promise<void>;
  private readonly settledListeners = new Set<(id: number) => void>();

  /** Called with each update id the app's inbox finished a try of (the app's `settled` messages). */
  onSettled(listener: (id: number) => void): () => void {
    this.settledListeners.add(listener);
    return () => this.settledListeners.delete(listener);
  }

  private constructor(
    readonly label: string,
    private readonly proc: ChildProcess,
  ) {
    this.exited = new Promise<void>((resolve) => {
      proc.once('exit', (code, signal) => {
        this.exitCode = code ?? signal ?? 'unknown';
        live.delete(proc);
        for (const p of this.pending.values()) p.reject(new Error(`${label} process exited (${this.exitCode})`));
        this.pending.clear();
        resolve();
      });
    });
    // A send to a child that just died: its pending requests are rejected on 'exit'.
    proc.on('error', () => undefined);
    proc.on('message', (raw) => {
      const m = raw as FromChild;
      if (m.type === 'settled') {
        for (const id of m.ids) for (const l of this.settledListeners) l(id);
        return;
      }
      if (m.type !== 'reply') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(`${label} process: ${m.error}`));
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get running(): boolean {
    return this.exitCode === null;
  }

  /**
   * Forks `script` (a .ts file next to this one) under tsx with `env` as its whole environment,
   * and waits for its `ready` message. Its stdout goes to this process's stderr: the last line on
   * stdout belongs to the benchmark's JSON.
   */
  static async start(label: string, script: URL, env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<{ child: BenchChild; ready: ReadyMessage }> {
    const proc = fork(fileURLToPath(script), [], {
      execArgv: ['--import', tsxImport(), ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
      env,
      stdio: ['ignore', 2, 2, 'ipc'],
      serialization: 'json',
      // A process group of its own: a terminal's Ctrl-C reaches the benchmark, which decides when
      // the bot stops (after the current phase), not the bot itself, even while it starts.
      detached: true,
    });
    live.add(proc);
    const child = new BenchChild(label, proc);
    try {
      const ready = await new Promise<ReadyMessage>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${label} process not ready after ${timeoutMs / 1000} s`)), timeoutMs);
        const onMessage = (raw: unknown) => {
          const m = raw as FromChild;
          if (m.type === 'ready') done(null, m);
          else if (m.type === 'failed') done(new Error(`${label} process failed to start: ${m.message}`));
        };
        const onExit = (code: number | null, signal: string | null) => done(new Error(`${label} process exited before it was ready (${code ?? signal})`));
        const onError = (err: Error) => done(err);
        const done = (err: Error | null, m?: ReadyMessage) => {
          clearTimeout(timer);
          proc.off('message', onMessage);
          proc.off('exit', onExit);
          proc.off('error', onError);
          if (err) reject(err);
          else resolve(m!);
        };
        proc.on('message', onMessage);
        proc.once('exit', onExit);
        proc.once('error', onError);
      });
      return { child, ready };
    } catch (err) {
      child.kill();
      await child.exited;
      throw err;
    }
  }

  request<T>(op: string, args?: unknown, timeoutMs = 30_000): Promise<T> {
    if (!this.running || !this.proc.connected) return Promise.reject(new Error(`${this.label} process is not running`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.label} process did not answer "${op}" within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.proc.send({ type: 'request', id, op, args } satisfies ToChild, (err) => {
        if (!err) return;
        this.pending.delete(id);
        clearTimeout(timer);
        reject(new Error(`${this.label} process: ${err.message}`));
      });
    });
  }

  stats(req: StatsRequest = {}): Promise<ChildStats> {
    return this.request<ChildStats>('stats', req);
  }

  /** Asks the child to stop (it drains what it has in hand; an orderly stop); SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (!this.running) return;
    if (this.proc.connected) this.proc.send({ type: 'stop' } satisfies ToChild, (err) => err && this.proc.kill('SIGTERM'));
    else this.proc.kill('SIGTERM');
    const timer = setTimeout(() => {
      console.error(`${this.label} process did not stop within ${timeoutMs / 1000} s: killing it`);
      this.kill();
    }, timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.running) this.proc.kill('SIGKILL');
  }
}

// ---- child side ------------------------------------------------------------------------------

export interface ChildServer {
  ready(port: number, info?: Record<string, string>): void;
  /** Tells the parent these updates were handled (batched by the caller). */
  settled(ids: number[]): void;
  /** Reports a failed start to the parent, then exits. */
  failed(err: unknown): void;
}

/**
 * Serves the parent's requests in a child. `stats` supplies what only the child script knows
 * (updates handled, SQL counts); `ops` are further requests (e.g. `trace`); `stop` releases the
 * bot's resources before the process exits: `orderly` when the parent asked for it with a `stop`
 * message (it cleans up after the run itself), false on SIGTERM or when the parent went away.
 */
export function serveParent(opts: {
  stats: (req: StatsRequest) => Pick<ChildStats, 'updatesHandled' | 'sqlTotal' | 'sqlTop'>;
  ops?: Record<string, (args: unknown) => unknown>;
  stop: (orderly: boolean) => Promise<void>;
}): ChildServer {
  const send = (m: FromChild) => {
    if (process.send && process.connected) process.send(m);
  };
  if (!process.send) throw new Error('this script runs as a child of the benchmark (child_process.fork), with an IPC channel');
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();

  let stopping = false;
  const shutdown = (why: string, orderly: boolean) => {
    if (stopping) return;
    stopping = true;
    if (!orderly) console.error(`bench child (pid ${process.pid}): stopping, ${why}`);
    setTimeout(() => {
      console.error(`bench child: stop (${why}) took over 20 s, exiting`);
      process.exit(1);
    }, 20_000).unref();
    opts
      .stop(orderly)
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        console.error('bench child: stop failed:', err);
        process.exit(1);
      });
  };

  process.on('message', (raw) => {
    const m = raw as ToChild;
    if (m.type === 'stop') return shutdown('asked by the benchmark', true);
    if (m.type !== 'request') return;
    void (async () => {
      try {
        let value: unknown;
        if (m.op === 'stats') {
          const req = (m.args ?? {}) as StatsRequest;
          const usage = process.cpuUsage();
          value = {
            cpuMs: (usage.user + usage.system) / 1000,
            loopP99Ms: loop.percentile(99) / 1e6,
            loopMaxMs: loop.max / 1e6,
            rssMb: process.memoryUsage().rss / 2 ** 20,
            ...opts.stats(req),
          } satisfies ChildStats;
          if (req.reset) loop.reset();
        } else {
          const op = opts.ops?.[m.op];
          if (!op) throw new Error(`unknown request "${m.op}"`);
          value = await op(m.args);
        }
        send({ type: 'reply', id: m.id, ok: true, value });
      } catch (err) {
        send({ type: 'reply', id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
  // The parent went away (crashed, killed, quit at once): nothing will drive this bot any more.
  process.on('disconnect', () => shutdown('the benchmark went away', false));
  if (!process.connected) shutdown('the benchmark went away', false);
  process.on('SIGTERM', () => shutdown('SIGTERM', false));
  // The benchmark stops this child itself (it is in a process group of its own anyway).
  process.on('SIGINT', () => undefined);

  return {
    ready(port, info) {
      send({ type: 'ready', port, ...(info ? { info } : {}) });
    },
    settled(ids) {
      send({ type: 'settled', ids });
    },
    failed(err) {
      const message = err instanceof Error ? err.message : String(err);
      console.error(`bench child: ${message}`);
      process.exitCode = 1;
      setTimeout(() => process.exit(1), 2_000).unref();
      // Exit once the message is out (an IPC send is asynchronous).
      if (process.send && process.connected) process.send({ type: 'failed', message } satisfies FromChild, () => process.exit(1));
      else process.exit(1);
    },
  };
}
