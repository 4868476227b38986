import type { Queue } from 'bullmq';
import type { Booking, Installation, InstallationState, Order, Slot } from '../../db/schema/index.js';
import { fanOut, type DomainEvents } from '../../domain/events.js';
import type { OrderState } from '../../domain/orders/transitions.js';
import * as rules from '../../domain/reminders/rules.js';
import type { PlannedReminder, ReminderChanges } from '../../domain/reminders/types.js';
import type { Logger } from '../../logger.js';
import type { JobOutbox } from '../outbox.js';
import type { ReminderJob } from '../queues.js';

export interface SchedulerOptions {
  timeZone: string;
  /** The app clock: due times are planned from it and delays measured against it. */
  now: () => Date;
  logger: Logger;
  /** When set, jobs Redis refuses are kept in job_outbox and replayed later (src/jobs/outbox.ts). */
  outbox?: JobOutbox;
}

/**
 * The domain's events turned into BullMQ delayed jobs on the `reminders` queue (rules in
 * src/domain/reminders/rules.ts). Called after commit; a failure here is logged by fanOut and the
 * business change stands (a lost reminder is better than a lost payment).
 *
 * Adding relies on BullMQ's rule that a job id which exists (waiting, delayed, active, or kept
 * as completed/failed) is not added again, so a reminder is never queued twice. Ids name the
 * booking, and a reschedule is a new booking, so "moving" a reminder is removing the old
 * booking's jobs and adding the new one's.
 */
export class ReminderScheduler implements DomainEvents {
  constructor(
    private readonly queue: Queue<ReminderJob>,
    private readonly opts: SchedulerOptions,
  ) {}

  private clock(): rules.PlanClock {
    return { now: this.opts.now(), timeZone: this.opts.timeZone };
  }

  async orderCreated(order: Order): Promise<void> {
    await this.apply(rules.onOrderCreated(order, this.clock()));
  }

  async orderStateChanged(order: Order, from: OrderState | null, to: OrderState): Promise<void> {
    await this.apply(rules.onOrderStateChanged(order, from, to, this.clock()));
  }

  async bookingMade(booking: Booking & { slot: Slot }, replaced: number | null): Promise<void> {
    await this.apply(rules.onBookingMade(booking, replaced, this.clock()));
  }

  async bookingCancelled(booking: Booking): Promise<void> {
    await this.apply(rules.onBookingCancelled(booking));
  }

  async installationChanged(installation: Installation, _from: InstallationState | null, to: InstallationState): Promise<void> {
    await this.apply(rules.onInstallationChanged(installation, to, this.clock()));
  }

  /** Removals first: a reschedule must not leave the old slot's reminder beside the new one. */
  async apply(changes: ReminderChanges): Promise<void> {
    if (changes.remove.length) await this.remove(changes.remove);
    if (changes.add.length) await this.add(changes.add);
  }

  /**
   * Queues reminders in one round trip. The delay is measured with the same clock the due time
   * was planned with, so an injected clock (tests, benchmarks) moves both together.
   */
  async add(plans: PlannedReminder[]): Promise<void> {
    if (this.opts.outbox) {
      const jobs = plans.map((p) => ({ name: p.reminder.kind, data: { ...p.reminder, dueAt: p.dueAt.getTime() }, jobId: p.id, dueAt: p.dueAt.getTime() }));
      const outcome = await this.opts.outbox.add(this.queue, jobs);
      this.opts.logger.debug({ jobs: plans.map((p) => p.id), outcome }, 'reminders queued');
      return;
    }
    // The job's creation time is stamped here, with the delay: BullMQ fires at timestamp + delay.
    const timestamp = Date.now();
    const now = this.opts.now().getTime();
    await this.queue.addBulk(
      plans.map((p) => ({
        name: p.reminder.kind,
        data: { ...p.reminder, dueAt: p.dueAt.getTime() },
        opts: { jobId: p.id, delay: Math.max(0, p.dueAt.getTime() - now), timestamp },
      })),
    );
    this.opts.logger.debug({ jobs: plans.map((p) => p.id) }, 'reminders queued');
  }

  /**
   * Removes jobs by id. A job being processed right now is locked and stays: its worker re-checks
   * the database before sending, and finds the reason gone.
   */
  async remove(ids: string[]): Promise<void> {
    if (this.opts.outbox) {
      const outcome = await this.opts.outbox.remove(this.queue, ids);
      this.opts.logger.debug({ jobs: ids, outcome }, 'reminders removed');
      return;
    }
    const removed = await Promise.all(ids.map((id) => this.queue.remove(id)));
    this.opts.logger.debug({ jobs: ids, removed: removed.filter(Boolean).length }, 'reminders removed');
  }
}

/**
 * The DomainEvents any process that changes orders should hand to createServices (the app, and
 * tools such as the ops CLI, or their changes reach no customer): the scheduler, isolated so that
 * a Redis failure is logged and never undoes or fails the business change already committed.
 */
export function reminderEvents(queue: Queue<ReminderJob>, opts: SchedulerOptions): DomainEvents {
  return fanOut([new ReminderScheduler(queue, opts)], (err, event) => opts.logger.error({ err, event }, 'reminder scheduling failed'));
}
