import { bigint, bigserial, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const outboxOps = ['add', 'remove'] as const;
export type OutboxOp = (typeof outboxOps)[number];

/**
 * Queue commands that could not reach Redis when a domain event fired (src/jobs/outbox.ts): kept
 * here instead of lost, and replayed in id order by JobOutbox.flush (at worker start and every
 * minute). `dueAt` is the app-clock instant an 'add' should fire at (epoch ms); the delay is
 * recomputed from it at flush. `opts` are the job options without jobId and delay.
 */
export const jobOutbox = pgTable(
  'job_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    queue: text('queue').notNull(),
    op: text('op').$type<OutboxOp>().notNull().default('add'),
    jobId: text('job_id').notNull(),
    name: text('name'),
    data: jsonb('data').$type<unknown>(),
    opts: jsonb('opts').$type<Record<string, unknown>>(),
    dueAt: bigint('due_at', { mode: 'number' }),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('job_outbox_job_idx').on(t.queue, t.jobId)],
);

export type JobOutboxRow = typeof jobOutbox.$inferSelect;
