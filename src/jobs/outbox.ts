import { Queue, type JobsOptions } from 'bullmq';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { jobOutbox, type OutboxOp } from '../db/schema/index.js';
import type { Logger } from '../logger.js';

/** A job to queue: its deterministic id, and the app-clock instant it is due (null: now). */
export interface OutboxJob {
  name: string;
  data: unknown;
  jobId: string;
  dueAt: number | null;
  /** Other job options (the queue's defaults apply as usual); jobId and delay are set from the above. */
  opts?: Omit<JobsOptions, 'jobId' | 'delay'>;
}

export interface OutboxOptions {
  /** The app clock: due times are planned on it, so delays are measured on it too. */
  now: () => Date;
  logger: Logger;
  /**
   * True when this process knows Redis is unreachable (the ops CLI checks once at start): jobs go
   * straight to the outbox, as BullMQ would wait for a connection that never comes.
   */
  redisDown?: () => boolean;
}

export interface FlushResult {
  added: number;
  removed: number;
  /** Rows still waiting (Redis still unreachable, or a queue this process does not know). */
  left: number;
}

const BATCH = 500;

/** Every BullMQ queue of a Queues object (src/jobs/queues.ts), for the outbox's name lookup. */
export const queueList = (queues: object): Queue[] => Object.values(queues).filter((q): q is Queue => q instanceof Queue);

/**
 * Outbox-lite for queue commands that follow a committed change. Redis is tried first; when it
 * refuses (down, or a command error) the jobs go to the Postgres table job_outbox instead of being
 * lost, and flush() replays them in order: at worker start and every minute (maintenance
 * 'flush-outbox'). Replay is safe to repeat because job ids are deterministic: BullMQ does not add
 * a job whose id exists. A delay is recomputed from the stored due time at flush.
 */
export class JobOutbox {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly db: Db,
    queues: Queue[],
    private readonly opts: OutboxOptions,
  ) {
    for (const q of queues) this.queues.set(q.name, q);
  }

  private delay(dueAt: number | null, now: number): number {
    return dueAt === null ? 0 : Math.max(0, dueAt - now);
  }

  /**
   * A job's delay and its creation time, taken at the same instant: BullMQ fires a delayed job at
   * timestamp + delay, and stamps the job itself only once its Redis client is ready, which under
   * load can be many milliseconds after the delay was measured.
   */
  private timing(dueAt: number | null): { delay: number; timestamp: number } {
    const timestamp = Date.now();
    return { delay: this.delay(dueAt, this.opts.now().getTime()), timestamp };
  }

  /** Queues the jobs in one round trip, or stores them. Throws only when Postgres fails too. */
  async add(queue: Queue, jobs: OutboxJob[]): Promise<'queued' | 'stored'> {
    if (!jobs.length) return 'queued';
    try {
      if (this.opts.redisDown?.()) throw new Error('Redis is unreachable');
      await queue.addBulk(jobs.map((j) => ({ name: j.name, data: j.data, opts: { ...j.opts, jobId: j.jobId, ...this.timing(j.dueAt) } })));
      return 'queued';
    } catch (err) {
      await this.store(
        queue.name,
        'add',
        jobs.map((j) => ({ jobId: j.jobId, name: j.name, data: j.data, opts: j.opts ?? null, dueAt: j.dueAt })),
        err,
      );
      return 'stored';
    }
  }

  /**
   * Removes jobs by id, and any add of theirs still waiting in the outbox (this request is the
   * later one). When Redis refuses, 'remove' rows are stored and replayed after the adds before them.
   */
  async remove(queue: Queue, ids: string[]): Promise<'removed' | 'stored'> {
    if (!ids.length) return 'removed';
    await this.db
      .delete(jobOutbox)
      .where(and(eq(jobOutbox.queue, queue.name), eq(jobOutbox.op, 'add'), inArray(jobOutbox.jobId, ids)))
      .catch((err: unknown) => this.opts.logger.warn({ err }, 'job outbox: could not drop pending adds of removed jobs'));
    try {
      if (this.opts.redisDown?.()) throw new Error('Redis is unreachable');
      await Promise.all(ids.map((id) => queue.remove(id)));
      return 'removed';
    } catch (err) {
      await this.store(
        queue.name,
        'remove',
        ids.map((jobId) => ({ jobId, name: null, data: null, opts: null, dueAt: null })),
        err,
      );
      return 'stored';
    }
  }

  private async store(
    queue: string,
    op: OutboxOp,
    rows: Array<{ jobId: string; name: string | null; data: unknown; opts: Record<string, unknown> | null; dueAt: number | null }>,
    cause: unknown,
  ): Promise<void> {
    const lastError = (cause as Error)?.message ?? String(cause);
    try {
      await this.db.insert(jobOutbox).values(rows.map((r) => ({ queue, op, ...r, lastError })));
    } catch (err) {
      this.opts.logger.error({ err, queue, op, jobs: rows.map((r) => r.jobId) }, 'job outbox: could not store jobs Redis refused');
      throw cause;
    }
    this.opts.logger.warn({ err: lastError, queue, op, jobs: rows.map((r) => r.jobId) }, 'Redis refused queue command: kept in job_outbox');
  }

  /**
   * Replays stored commands in id order and deletes them, batch by batch, until none are left or
   * Redis refuses again (the rest wait for the next flush). One flusher at a time (advisory lock);
   * a second caller returns at once with nothing done.
   */
  async flush(): Promise<FlushResult> {
    const total: FlushResult = { added: 0, removed: 0, left: 0 };
    for (;;) {
      const r = await this.flushBatch();
      total.added += r.added;
      total.removed += r.removed;
      total.left = r.left;
      if (r.done) break;
    }
    if (total.added || total.removed || total.left) this.opts.logger.info(total, 'job outbox flushed');
    return total;
  }

  private async flushBatch(): Promise<FlushResult & { done: boolean }> {
    return this.db.transaction(async (tx) => {
      const [lock] = await tx.execute<{ ok: boolean }>(sql`select pg_try_advisory_xact_lock(hashtext('job_outbox')) as ok`);
      if (!lock?.ok) return { added: 0, removed: 0, left: 0, done: true };
      const rows = await tx.select().from(jobOutbox).orderBy(asc(jobOutbox.id)).limit(BATCH);
      const done: number[] = [];
      let added = 0;
      let removed = 0;
      let failed = false;
      for (const row of rows) {
        const queue = this.queues.get(row.queue);
        if (!queue) continue;
        try {
          if (row.op === 'remove') {
            await queue.remove(row.jobId);
            removed++;
          } else {
            await queue.add(row.name ?? row.jobId, row.data, { ...(row.opts ?? {}), jobId: row.jobId, ...this.timing(row.dueAt) });
            added++;
          }
          done.push(row.id);
        } catch (err) {
          failed = true;
          await tx
            .update(jobOutbox)
            .set({ attempts: sql`${jobOutbox.attempts} + 1`, lastError: (err as Error)?.message ?? String(err) })
            .where(eq(jobOutbox.id, row.id));
          this.opts.logger.warn({ err, job: row.jobId, queue: row.queue }, 'job outbox: Redis still refuses, kept for the next flush');
          break;
        }
      }
      if (done.length) await tx.delete(jobOutbox).where(inArray(jobOutbox.id, done));
      const left = rows.length - done.length;
      return { added, removed, left, done: failed || rows.length < BATCH || done.length === 0 };
    });
  }
}
