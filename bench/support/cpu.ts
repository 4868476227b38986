/**
 * CPU time spent per phase: the bot's process (the app, or the baseline bot; a child process, see
 * ipc.ts), this process (load generator + stand-in: the harness), the Postgres backends serving
 * the benchmark's database, and the Redis server (shared with whatever else uses it, so an upper
 * bound). CPU time per update is much less sensitive to other load on the machine than updates/s.
 */
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { Redis } from 'ioredis';
import type { BenchChild, ChildStats, StatsRequest } from './ipc.js';

const TICK_MS = 10; // USER_HZ is 100 on Linux

function procCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
  } catch {
    return 0;
  }
}

export interface CpuSample {
  /** The bot's process (the child). */
  botMs: number;
  /** This process: load generator and stand-in. */
  harnessMs: number;
  postgresMs: number;
  redisMs: number;
  /** What the child reported with its CPU time. */
  child: ChildStats;
}

export class CpuMeter {
  private readonly pg: postgres.Sql | null;
  private readonly redis: Redis | null;
  /** Last CPU time seen per backend pid (backends may come and go). */
  private readonly backends = new Map<number, number>();

  constructor(
    private readonly bot: BenchChild,
    adminUrl: string | null,
    private readonly database: string | null,
    redisUrl: string | null,
  ) {
    this.pg = adminUrl && database ? postgres(adminUrl, { max: 1, onnotice: () => {} }) : null;
    this.redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 1 }) : null;
  }

  private async postgresMs(): Promise<number> {
    if (!this.pg || !this.database) return 0;
    const rows = await this.pg<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${this.database}`;
    let total = 0;
    for (const { pid } of rows) {
      const ms = procCpuMs(pid);
      this.backends.set(pid, ms);
    }
    for (const ms of this.backends.values()) total += ms;
    return total;
  }

  private async redisMs(): Promise<number> {
    if (!this.redis) return 0;
    const info = await this.redis.info('cpu');
    const value = (key: string) => Number(new RegExp(`${key}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    return (value('used_cpu_sys') + value('used_cpu_user')) * 1000;
  }

  /** `req` goes to the child with the request for its CPU time (e.g. reset its event-loop histogram). */
  async sample(req: StatsRequest = {}): Promise<CpuSample> {
    const [child, postgresMs, redisMs] = await Promise.all([this.bot.stats(req), this.postgresMs(), this.redisMs()]);
    const usage = process.cpuUsage();
    return { botMs: child.cpuMs, harnessMs: (usage.user + usage.system) / 1000, postgresMs, redisMs, child };
  }

  /** CPU time from `a` to `b`; `child` is b's (its counters since `a` when `a` reset them). */
  static diff(a: CpuSample, b: CpuSample): CpuSample {
    return {
      botMs: b.botMs - a.botMs,
      harnessMs: b.harnessMs - a.harnessMs,
      postgresMs: b.postgresMs - a.postgresMs,
      redisMs: b.redisMs - a.redisMs,
      child: { ...b.child, cpuMs: b.child.cpuMs - a.child.cpuMs, updatesHandled: b.child.updatesHandled - a.child.updatesHandled },
    };
  }

  async close(): Promise<void> {
    await this.pg?.end({ timeout: 5 });
    this.redis?.disconnect();
  }
}
