import { Worker, type ConnectionOptions } from 'bullmq';
import { ensureSlots } from '../../db/seed.js';
import type { AppDeps } from '../../deps.js';
import { applyRetention } from '../../domain/privacy/index.js';
import { JobOutbox, queueList } from '../outbox.js';
import { queueNames, type MaintenanceJob, type Queues } from '../queues.js';

/** `queues`: what the outbox flush re-adds to (without them, 'flush-outbox' does nothing). */
export function createMaintenanceWorker(deps: AppDeps, connection: ConnectionOptions, queues?: Queues): Worker<MaintenanceJob, number> {
  const outbox = queues ? new JobOutbox(deps.db, queueList(queues), { now: deps.now, logger: deps.logger }) : null;
  return new Worker<MaintenanceJob, number>(
    queueNames.maintenance,
    async (job) => {
      switch (job.data.task) {
        case 'ensure-slots':
          return ensureSlots(deps.db, { timeZone: deps.config.timeZone, now: deps.now() });
        case 'prune-inbox':
          return deps.services.inbox.prune(job.data.days);
        case 'retention': {
          const r = await applyRetention(deps.dbHandle.sql, job.data.days, deps.now());
          deps.logger.info({ ...r, days: job.data.days }, 'retention applied');
          return r.supportMessages + r.supportCards + r.conversationStates + r.storeAddresses;
        }
        case 'flush-outbox': {
          if (!outbox) return 0;
          const r = await outbox.flush();
          return r.added + r.removed;
        }
      }
    },
    { connection, prefix: deps.config.queuePrefix, concurrency: 1 },
  );
}
