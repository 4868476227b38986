import { Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';

/** Queue names, their payloads, and job-id builders live here so producers and workers agree. */
export const queueNames = {
  maintenance: 'maintenance',
} as const;

export type MaintenanceJob = { task: 'ensure-slots' } | { task: 'prune-updates'; days: number };

/** Bounded history, so Redis does not grow without end (DESIGN.md §4.9). */
export const defaultJobOptions: DefaultJobOptions = {
  removeOnComplete: { count: 1000, age: 24 * 3600 },
  removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
};

export interface Queues {
  maintenance: Queue<MaintenanceJob>;
  close(): Promise<void>;
}

export function createQueues(connection: ConnectionOptions, prefix: string): Queues {
  const maintenance = new Queue<MaintenanceJob>(queueNames.maintenance, { connection, prefix, defaultJobOptions });
  return {
    maintenance,
    close: async () => {
      await maintenance.close();
    },
  };
}

/** Daily upkeep: roll the slot calendar forward, forget old update ids. Idempotent schedulers. */
export async function scheduleMaintenance(queues: Queues, timeZone: string): Promise<void> {
  await queues.maintenance.upsertJobScheduler(
    'ensure-slots-daily',
    { pattern: '5 0 * * *', tz: timeZone },
    { name: 'ensure-slots', data: { task: 'ensure-slots' } },
  );
  await queues.maintenance.upsertJobScheduler(
    'prune-updates-daily',
    { pattern: '30 3 * * *', tz: timeZone },
    { name: 'prune-updates', data: { task: 'prune-updates', days: 7 } },
  );
}
