import { Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';
import type { Reminder } from '../domain/reminders/types.js';
import type { StoreJob } from './store/store-jobs.js';

/** Queue names, their payloads, and job-id builders live here so producers and workers agree. */
/** Campaign jobs: bounded history, a few retries with backoff (a batch re-run sends nothing twice). */
export const campaignJobOptions = {
  removeOnComplete: { count: 10_000, age: 24 * 3600 },
  removeOnFail: { count: 10_000, age: 14 * 24 * 3600 },
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
} as const;

export const queueNames = {
  maintenance: 'maintenance',
  reminders: 'reminders',
  store: 'store',
  support: 'support',
  campaigns: 'campaigns',
  reports: 'reports',
} as const;

export type MaintenanceJob = { task: 'ensure-slots' } | { task: 'prune-inbox'; days: number } | { task: 'flush-outbox' } | { task: 'retention'; days: number };
/** The scheduled reports to managers (src/jobs/reports): the weekly one (Monday 09:00) and the daily one. */
export interface ReportJob {
  schedule: 'weekly' | 'daily';
}

/**
 * A customer message due at `dueAt` (epoch ms of the app clock, quiet hours applied): the
 * reminders of src/domain/reminders/rules.ts and the notices of state changes. The job id is the
 * reminder's id (rules.ts reminderId); the payload names rows, the worker reads them when it fires.
 */
export type ReminderJob = Reminder & { dueAt: number };

/** Broadcast campaigns: start (freeze the audience), deliver one batch, edit the progress message. */
export type CampaignJob =
  | { kind: 'start'; campaignId: number }
  | { kind: 'batch'; campaignId: number; generation: number; batch: number }
  | { kind: 'progress'; campaignId: number; generation: number; tick: number; prevDone: number; prevAt: number };

/**
 * A support SLA reminder: posted in the customer's topic if the waiting spell that started at
 * `waitingSince` (epoch ms) is still running. Job id: supportSlaJobId.
 */
export interface SupportSlaJob {
  conversationId: number;
  waitingSince: number;
  /** 1 for the first reminder (N minutes), 2 for the second (3N). */
  level: number;
}

export const supportSlaJobId = (conversationId: number, waitingSince: number, level: number): string => `support-sla-${conversationId}-${waitingSince}-${level}`;

/**
 * Support relay (job name 'relay', on the same `support` queue): copies the messages Telegram
 * would not take yet (429) of one conversation and direction, in order (src/jobs/support/relay.ts).
 * Job id: supportRelayJobId, one per source message (or per card / notice of the conversation).
 */
export interface SupportRelayJob {
  conversationId: number;
  direction: 'in' | 'out';
}

export const supportRelayJobId = (conversationId: number, direction: 'in' | 'out', key: number | string): string => `support-relay-${direction}-${conversationId}-${key}`;

/** Bounded history, so Redis does not grow without end: the last 1000 completed jobs for up to a day, the last 5000 failed ones for up to a week. */
export const defaultJobOptions: DefaultJobOptions = {
  removeOnComplete: { count: 1000, age: 24 * 3600 },
  removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
};

/**
 * Customer messages: more attempts than upkeep, as a Telegram outage of a minute or two must not
 * lose a delivery reminder; failures are kept longer for a look at what went wrong.
 */
export const reminderJobOptions: DefaultJobOptions = {
  removeOnComplete: { count: 5000, age: 24 * 3600 },
  removeOnFail: { count: 5000, age: 14 * 24 * 3600 },
  attempts: 6,
  backoff: { type: 'exponential', delay: 2000 },
};

export interface Queues {
  maintenance: Queue<MaintenanceJob>;
  reminders: Queue<ReminderJob>;
  /** Store holds released, invoices expired, shipping notices, old carts pruned (src/jobs/store/). */
  store: Queue<StoreJob>;
  support: Queue<SupportSlaJob>;
  campaigns: Queue<CampaignJob>;
  reports: Queue<ReportJob>;
  close(): Promise<void>;
}

export function createQueues(connection: ConnectionOptions, prefix: string): Queues {
  const maintenance = new Queue<MaintenanceJob>(queueNames.maintenance, { connection, prefix, defaultJobOptions });
  const reminders = new Queue<ReminderJob>(queueNames.reminders, { connection, prefix, defaultJobOptions: reminderJobOptions });
  const store = new Queue<StoreJob>(queueNames.store, { connection, prefix, defaultJobOptions });
  const support = new Queue<SupportSlaJob>(queueNames.support, { connection, prefix, defaultJobOptions });
  const campaigns = new Queue<CampaignJob>(queueNames.campaigns, { connection, prefix, defaultJobOptions: campaignJobOptions });
  const reports = new Queue<ReportJob>(queueNames.reports, { connection, prefix, defaultJobOptions });
  return {
    maintenance,
    reminders,
    store,
    support,
    campaigns,
    reports,
    close: async () => {
      await store.close();
      await Promise.all([maintenance.close(), reminders.close(), support.close(), campaigns.close(), reports.close()]);
    },
  };
}

/** Daily upkeep: roll the slot calendar forward, forget old update ids, apply the retention period. Idempotent schedulers. */
export async function scheduleMaintenance(queues: Queues, timeZone: string, retentionDays = 365): Promise<void> {
  await queues.maintenance.upsertJobScheduler('ensure-slots-daily', { pattern: '5 0 * * *', tz: timeZone }, { name: 'ensure-slots', data: { task: 'ensure-slots' } });
  // The inbox's done rows after 7 days (Telegram redelivers for 24 h at most); parked rows stay until handled.
  await queues.maintenance.upsertJobScheduler('prune-inbox-daily', { pattern: '30 3 * * *', tz: timeZone }, { name: 'prune-inbox', data: { task: 'prune-inbox', days: 7 } });
  await queues.maintenance.removeJobScheduler('prune-updates-daily');
  // Jobs Redis refused while it was down wait in job_outbox (src/jobs/outbox.ts): replay them.
  // Personal data past RETENTION_DAYS (src/domain/privacy/retention.ts); upserting with new days replaces the old template.
  await queues.maintenance.upsertJobScheduler('retention-daily', { pattern: '50 3 * * *', tz: timeZone }, { name: 'retention', data: { task: 'retention', days: retentionDays } });
  await queues.maintenance.upsertJobScheduler('flush-outbox-every-minute', { every: 60_000 }, { name: 'flush-outbox', data: { task: 'flush-outbox' } });
}
