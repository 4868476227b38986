import { Worker, type ConnectionOptions } from 'bullmq';
import { ensureSlots } from '../../db/seed.js';
import type { AppDeps } from '../../deps.js';
import { queueNames, type MaintenanceJob } from '../queues.js';

export function createMaintenanceWorker(deps: AppDeps, connection: ConnectionOptions): Worker<MaintenanceJob, number> {
  return new Worker<MaintenanceJob, number>(
    queueNames.maintenance,
    async (job) => {
      switch (job.data.task) {
        case 'ensure-slots':
          return ensureSlots(deps.db, { timeZone: deps.config.timeZone, now: deps.now() });
        case 'prune-updates':
          return deps.services.conversation.pruneProcessed(job.data.days);
      }
    },
    { connection, prefix: deps.config.queuePrefix, concurrency: 1 },
  );
}
