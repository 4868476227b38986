import type { Worker } from 'bullmq';
import type { RedisClient } from '../shared/redis.js';
import type { AppDeps } from '../deps.js';
import type { Queues } from './queues.js';
import { createMaintenanceWorker } from './workers/maintenance.worker.js';
import { createRemindersWorker, type RemindersWorkerOptions } from './workers/reminders.worker.js';
import { createSupportWorker } from './workers/support.worker.js';
import { createCampaignsWorker, type CampaignsWorkerOptions } from './workers/campaigns.worker.js';
import { createStoreWorker } from './workers/store.worker.js';
import { createReportsWorker } from './reports/scheduled-reports.js';

export interface Workers {
  all: Worker[];
  close(): Promise<void>;
}

/**
 * Starts every BullMQ worker. Workers need a connection with maxRetriesPerRequest: null
 * (BullMQ's requirement for blocking commands); `connection` must be such a client.
 */
export function createWorkers(
  deps: AppDeps,
  connection: RedisClient,
  queues: Queues,
  opts: { reminders?: RemindersWorkerOptions; campaigns?: CampaignsWorkerOptions } = {},
): Workers {
  const all: Worker[] = [createMaintenanceWorker(deps, connection, queues), createRemindersWorker(deps, connection, queues.reminders, opts.reminders)];
  all.push(createStoreWorker(deps, connection));
  all.push(createCampaignsWorker(deps, connection, queues.campaigns, opts.campaigns));
  all.push(createSupportWorker(deps, connection, queues.support));
  all.push(createReportsWorker(deps, connection));
  for (const w of all) w.on('failed', (job, err) => deps.logger.error({ err, job: job?.id, queue: w.name }, 'job failed'));
  return {
    all,
    close: async () => {
      await Promise.all(all.map((w) => w.close()));
    },
  };
}
