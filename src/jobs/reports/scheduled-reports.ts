import { Worker, type ConnectionOptions, type Queue } from 'bullmq';
import type { AppDeps } from '../../deps.js';
import type { Locale } from '../../domain/customers/service.js';
import { rangePeriod, type Period } from '../../domain/reports/period.js';
import { reportKinds, type ReportData } from '../../domain/reports/service.js';
import { classifyTelegramError } from '../../shared/telegram-errors.js';
import { addDays, localDateKey, zonedDayStart } from '../../shared/time.js';
import { createFmt } from '../../telegram/format.js';
import { periodLabel, renderReport, type RenderedReport } from '../../telegram/reports/index.js';
import { sendReport } from '../../telegram/screens/reports.js';
import { queueNames, type ReportJob } from '../queues.js';

/** Monday 09:00 and every day 09:00 in the business time zone (Beijing time by default). */
export const WEEKLY_PATTERN = '0 9 * * 1';
export const DAILY_PATTERN = '0 9 * * *';

/** Idempotent: the schedulers are upserted at every worker start. */
export async function scheduleReports(queue: Queue<ReportJob>, timeZone: string): Promise<void> {
  await queue.upsertJobScheduler('report-weekly', { pattern: WEEKLY_PATTERN, tz: timeZone }, { name: 'weekly', data: { schedule: 'weekly' } });
  await queue.upsertJobScheduler('report-daily', { pattern: DAILY_PATTERN, tz: timeZone }, { name: 'daily', data: { schedule: 'daily' } });
}

/** The weekly report covers the 7 days before the day it runs (Monday: the week before); the daily one the day before. */
export function scheduledPeriod(schedule: ReportJob['schedule'], now: Date, timeZone: string): Period {
  const today = zonedDayStart(now, timeZone);
  const last = localDateKey(addDays(today, -1, timeZone), timeZone);
  const first = localDateKey(addDays(today, schedule === 'weekly' ? -7 : -1, timeZone), timeZone);
  return rangePeriod(first, last, timeZone);
}

const asLocale = (value: string, fallback: Locale): Locale => (value === 'en' || value === 'zh-CN' ? value : fallback);

/**
 * Sends every report of the period to each recipient, in their language (each report queried
 * once, drawn once per language). A recipient already served for this period is skipped (a Redis
 * key per recipient and period), so a retried job does not send twice to those it reached.
 */
export async function sendScheduledReports(deps: AppDeps, schedule: ReportJob['schedule']): Promise<{ sent: number; skipped: number; failed: number }> {
  const { timeZone, defaultLocale, queuePrefix } = deps.config;
  const now = deps.now();
  const period = scheduledPeriod(schedule, now, timeZone);
  const recipients = await deps.services.reports.recipients(schedule);
  const result = { sent: 0, skipped: 0, failed: 0 };
  if (!recipients.length) return result;
  const data: ReportData[] = [];
  for (const kind of reportKinds) data.push(await deps.services.reports.run(kind, period));
  const drawn = new Map<Locale, RenderedReport[]>();
  for (const r of recipients) {
    const key = `${queuePrefix}:report-sent:${schedule}:${period.firstDay}:${r.telegramId}`;
    if ((await deps.redis.set(key, '1', 'EX', 8 * 86_400, 'NX')) !== 'OK') {
      result.skipped++;
      continue;
    }
    const locale = asLocale(r.locale, defaultLocale);
    const f = createFmt(locale, deps.i18n.t(locale), timeZone);
    let reports = drawn.get(locale);
    if (!reports) drawn.set(locale, (reports = data.map((d) => renderReport(f, d, now))));
    try {
      const intro = f.t(schedule === 'weekly' ? 'reports.scheduled_weekly' : 'reports.scheduled_daily', { period: periodLabel(f, period) });
      for (const [i, report] of reports.entries()) await sendReport(deps.telegram, r.telegramId, f, report, i === 0 ? { intro } : {});
      result.sent++;
    } catch (err) {
      const failure = classifyTelegramError(err);
      // A manager who blocked the bot (or never opened it) is logged, not retried: the others still get theirs.
      if (failure.kind === 'blocked' || failure.kind === 'chat_not_found' || failure.kind === 'bad_request') {
        deps.logger.warn({ err, telegramId: r.telegramId, schedule }, 'scheduled report not delivered');
        result.failed++;
        continue;
      }
      await deps.redis.del(key);
      throw err;
    }
  }
  deps.logger.info({ schedule, period: `${period.firstDay}..${period.lastDay}`, ...result }, 'scheduled reports sent');
  return result;
}

export function createReportsWorker(deps: AppDeps, connection: ConnectionOptions): Worker<ReportJob, number> {
  return new Worker<ReportJob, number>(queueNames.reports, async (job) => (await sendScheduledReports(deps, job.data.schedule)).sent, {
    connection,
    prefix: deps.config.queuePrefix,
    concurrency: 1,
  });
}
