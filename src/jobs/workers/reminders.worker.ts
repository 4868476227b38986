import { DelayedError, RateLimitError, UnrecoverableError, Worker, type ConnectionOptions, type Job, type Queue } from 'bullmq';
import type { Telegram } from 'telegraf';
import { createFmt, type Fmt } from '../../telegram/format.js';
import { reminderScreen } from '../../telegram/screens/reminders.js';
import { storeInstallationReminder } from '../../telegram/screens/store-orders.js';
import type { Screen } from '../../telegram/screen.js';
import type { Customer } from '../../db/schema/index.js';
import { withSendBudget } from '../../telegram/budgeted-client.js';
import type { AppDeps } from '../../deps.js';
import type { Locale } from '../../domain/customers/service.js';
import { isQuiet, quietEnd } from '../../domain/reminders/quiet-hours.js';
import { skipReason, storeInstallationSkipReason, type SkipReason } from '../../domain/reminders/relevance.js';
import { ignoresQuietHours } from '../../domain/reminders/rules.js';
import { AppError } from '../../shared/errors.js';
import { classifyTelegramError } from '../../shared/telegram-errors.js';
import { queueNames, type ReminderJob } from '../queues.js';

export type ReminderOutcome = 'sent' | 'expired' | 'unreachable' | `skipped:${SkipReason}`;

/**
 * Jobs in flight per worker process. Each mostly waits (two short queries, one Bot API call), so
 * a few dozen keep a burst of reminders due in the same second on time (see bench/reminders.ts).
 */
export const REMINDER_CONCURRENCY = 50;

export interface RemindersWorkerOptions {
  concurrency?: number;
  /** Defaults to a client for config.botToken at config.telegramApiRoot. */
  telegram?: Telegram;
}

/**
 * Sends the customer messages of the `reminders` queue. Each job re-reads the database and does
 * nothing when its reason is gone (relevance.ts), holds back during quiet hours as they are at
 * firing time (a job delayed past its time by a stopped worker may come due at night), and marks
 * a customer who blocked the bot. Jobs that came due while no worker ran fire once it starts:
 * BullMQ promotes every delayed job whose time has passed.
 */
export function createRemindersWorker(
  deps: AppDeps,
  connection: ConnectionOptions,
  queue: Queue<ReminderJob>,
  opts: RemindersWorkerOptions = {},
): Worker<ReminderJob, ReminderOutcome> {
  const telegram = withSendBudget(opts.telegram ?? deps.telegram, deps.budget, 'notice');
  const repo = deps.services.reminders;
  const timeZone = deps.config.timeZone;
  // Fmt builds Intl formatters, which is slow enough to matter when thousands of reminders fire.
  const fmts = new Map<Locale, Fmt>();
  const fmtFor = (locale: Locale): Fmt => {
    let f = fmts.get(locale);
    if (!f) fmts.set(locale, (f = createFmt(locale, deps.i18n.t(locale), timeZone)));
    return f;
  };

  const fmtOfCustomer = (customer: Customer): Fmt => fmtFor(customer.language as Locale);

  const send = async (job: Job<ReminderJob>, r: ReminderJob, customer: Customer, screen: Screen): Promise<ReminderOutcome> => {
    try {
      await telegram.sendMessage(customer.telegramId, screen.text, {
        parse_mode: 'HTML',
        reply_markup: { inline_keyboard: screen.keyboard ?? [] },
        link_preview_options: { is_disabled: true },
      });
    } catch (err) {
      const failure = classifyTelegramError(err);
      switch (failure.kind) {
        case 'blocked':
        case 'chat_not_found':
          // Unreachable until they come back (any update of theirs clears the flag): no retry.
          await deps.services.customers.markBlocked(customer.telegramId);
          deps.logger.info({ job: job.id, customer: customer.id }, 'reminder not delivered: customer unreachable');
          return 'unreachable';
        case 'rate_limited':
          // Telegram's 429 is for the bot as a whole: pause the queue for every worker, and put
          // this job back without spending one of its attempts.
          await queue.rateLimit(failure.retryAfterS * 1000);
          throw new RateLimitError();
        case 'bad_request':
          throw new UnrecoverableError(`Bot API refused the message: ${failure.description}`);
        default:
          throw err;
      }
    }
    deps.metrics.inc('reminders_sent_total');
    deps.logger.info({ job: job.id, lateMs: deps.now().getTime() - r.dueAt }, 'reminder sent');
    return 'sent';
  };

  const expire = async (orderId: number): Promise<ReminderOutcome> => {
    try {
      await deps.services.orders.transition(orderId, 'expired', 'system', { expectFrom: ['awaiting_deposit'], note: 'deposit not paid within 72 hours' });
      return 'expired';
    } catch (err) {
      // Paid in the moment between the check and the locked update: the payment wins.
      if (err instanceof AppError && err.code === 'order_state_changed') return 'skipped:order_paid_or_closed';
      throw err;
    }
  };

  const worker = new Worker<ReminderJob, ReminderOutcome>(
    queueNames.reminders,
    async (job, token) => {
      const r = job.data;
      const now = deps.now();
      if (!ignoresQuietHours(r) && isQuiet(now, timeZone)) {
        const until = quietEnd(now, timeZone);
        // BullMQ counts in real milliseconds; the distance is measured on the app clock.
        await job.moveToDelayed(Date.now() + (until.getTime() - now.getTime()), token);
        deps.logger.info({ job: job.id, until }, 'reminder held back: quiet hours');
        throw new DelayedError();
      }
      const skipped = (reason: SkipReason): ReminderOutcome => {
        deps.logger.info({ job: job.id, reason }, 'reminder no longer needed');
        return `skipped:${reason}`;
      };
      if (r.kind === 'store-installation') {
        // A store order's charger installation: no car order behind it, so its own rows and re-check.
        const ctx = await repo.loadStoreInstallation(r.bookingId);
        const skip = storeInstallationSkipReason(ctx, now);
        if (skip) return skipped(skip);
        return send(job, r, ctx!.customer, storeInstallationReminder(fmtOfCustomer(ctx!.customer), ctx!));
      }
      const ctx = await repo.load(r);
      const skip = skipReason(r, ctx, now);
      if (skip) return skipped(skip);
      if (r.kind === 'expire-order') return expire(r.orderId);
      return send(job, r, ctx!.customer, reminderScreen(fmtOfCustomer(ctx!.customer), r, ctx!));
    },
    {
      connection,
      prefix: deps.config.queuePrefix,
      concurrency: opts.concurrency ?? REMINDER_CONCURRENCY,
      // Only for queue.rateLimit (a 429 pauses the whole queue): the sending rate is the send budget's,
      // shared with replies (first) and campaigns (after reminders), src/telegram/send-budget.ts.
      limiter: { max: 1_000_000, duration: 1000 },
    },
  );
  return worker;
}
