import { Queue } from 'bullmq';
import type { RedisClient } from '../shared/redis.js';
import type { CampaignJobs } from '../domain/campaigns/jobs.js';
import { campaignJobOptions, queueNames, type CampaignJob } from './queues.js';

/** Recipients per delivery job (the freeze numbers recipients into batches of this size). */
export const CAMPAIGN_BATCH_SIZE = 200;
/** Seconds between two edits of the progress message. */
export const PROGRESS_EVERY_MS = 3_000;

export const jobIds = {
  start: (id: number) => `cmp-${id}-start`,
  batch: (id: number, generation: number, batch: number, suffix = '') => `cmp-${id}-g${generation}-b${batch}${suffix}`,
  progress: (id: number, generation: number, tick: number) => `cmp-${id}-g${generation}-p${tick}`,
};

const producers = new WeakMap<RedisClient, Map<string, Queue<CampaignJob>>>();

/**
 * The campaigns queue as a producer, on the app's fail-fast Redis client: the bot enqueues the
 * start job of a confirmed campaign and the jobs of a resume (handlers get deps, not the queues).
 */
export function campaignQueue(redis: RedisClient, prefix: string): Queue<CampaignJob> {
  let byPrefix = producers.get(redis);
  if (!byPrefix) producers.set(redis, (byPrefix = new Map<string, Queue<CampaignJob>>()));
  let q = byPrefix.get(prefix);
  if (!q) {
    const made = new Queue<CampaignJob>(queueNames.campaigns, { connection: redis, prefix, defaultJobOptions: campaignJobOptions });
    byPrefix.set(prefix, (q = made));
    // A queue made while Redis is unreachable fails its one version check (INFO) for good, and every
    // call on it rejects: forget it, so the next call makes a fresh one.
    made.on('error', () => undefined);
    const cache = byPrefix;
    made.waitUntilReady().catch(() => {
      if (cache.get(prefix) === made) cache.delete(prefix);
      void made.close().catch(() => undefined);
    });
  }
  return q;
}

/** Queues the delivery jobs of the batches given (all of them for a fresh start or a resume). */
export async function enqueueBatches(queue: Queue<CampaignJob>, campaignId: number, generation: number, batches: number[], suffix = ''): Promise<void> {
  for (let i = 0; i < batches.length; i += 500) {
    await queue.addBulk(
      batches.slice(i, i + 500).map((batch) => ({
        name: 'batch',
        data: { kind: 'batch' as const, campaignId, generation, batch },
        opts: { jobId: jobIds.batch(campaignId, generation, batch, suffix) },
      })),
    );
  }
}

export async function enqueueProgress(
  queue: Queue<CampaignJob>,
  campaignId: number,
  generation: number,
  tick: number,
  prev: { sent: number; at: number },
  delay: number,
): Promise<void> {
  await queue.add(
    'progress',
    { kind: 'progress', campaignId, generation, tick, prevDone: prev.sent, prevAt: prev.at },
    { jobId: jobIds.progress(campaignId, generation, tick), delay, attempts: 2 },
  );
}

/** The campaign rules' port to the queue (src/domain/campaigns/jobs.ts) over a producer queue. */
export function campaignJobs(queue: Queue<CampaignJob>): CampaignJobs {
  return {
    start: async (campaignId, delayMs) => {
      await queue.add('start', { kind: 'start', campaignId }, { jobId: jobIds.start(campaignId), delay: Math.max(0, delayMs) });
    },
    resume: async (campaignId, generation, batches) => {
      await enqueueBatches(queue, campaignId, generation, batches);
      await enqueueProgress(queue, campaignId, generation, 0, { sent: 0, at: Date.now() }, 0);
    },
    cancelStart: async (campaignId) => {
      await queue.remove(jobIds.start(campaignId)).catch(() => undefined);
    },
  };
}
