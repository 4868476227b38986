import type { Worker } from 'bullmq';
import type { Poller } from '../bot/poller.js';
import type { AppDeps } from '../deps.js';
import { queueList } from '../jobs/outbox.js';
import type { ReadinessCheck } from './admin.js';
import { QUEUE_STATES, type QueueState } from './metrics.js';

/** What /readyz looks at in a running app (src/app.ts). */
export interface ObservedApp {
  deps: AppDeps;
  /** This process's BullMQ workers (worker role), or null. */
  workers: Worker[] | null;
  /** The long-polling loop, once started (polling bot only; undefined: not polling). */
  poller?: () => Poller | null;
  /** False once shutdown began. */
  accepting: () => boolean;
}

/**
 * The checks of /readyz: Postgres and Redis reachable, intake open (not shutting down), every
 * worker of this process running, and long polling succeeding within twice its timeout.
 */
export function readinessChecks(app: ObservedApp): ReadinessCheck[] {
  const { dbHandle, redis } = app.deps;
  const checks: ReadinessCheck[] = [
    { name: 'postgres', check: async () => (await dbHandle.sql`select 1`, { ok: true }) },
    { name: 'redis', check: async () => (await redis.ping(), { ok: true }) },
    { name: 'intake', check: () => Promise.resolve(app.accepting() ? { ok: true } : { ok: false, reason: 'shutting down' }) },
  ];
  const workers = app.workers;
  if (workers) {
    checks.push({
      name: 'workers',
      check: () => {
        const running = workers.filter((w) => w.isRunning()).map((w) => w.name);
        const stopped = workers.filter((w) => !w.isRunning()).map((w) => w.name);
        return Promise.resolve({ ok: workers.length > 0 && stopped.length === 0, running, ...(stopped.length ? { stopped } : {}) });
      },
    });
  }
  const poller = app.poller;
  if (poller) checks.push({ name: 'polling', check: () => Promise.resolve(poller()?.health() ?? { ok: false, reason: 'not started' }) });
  return checks;
}

/** Points the scrape-time gauges at the queues (job counts from Redis) and the inbox (Postgres). */
export function watchQueuesAndInbox(deps: AppDeps): void {
  const queues = queueList(deps.queues);
  deps.metrics.watch({
    queues: () => Promise.all(queues.map(async (q) => ({ name: q.name, counts: (await q.getJobCounts(...QUEUE_STATES)) as Record<QueueState, number> }))),
    inbox: () => deps.services.inbox.backlog(),
  });
}
