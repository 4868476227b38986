import type postgres from 'postgres';
import type { Db } from '../../db/client.js';
import type { FunnelStage } from '../../db/schema/reports.js';
import { localDateKey } from '../../shared/time.js';
import { campaignsReport, type CampaignRow } from './campaigns.js';
import { fulfilmentReport, type FulfilmentReport } from './fulfilment.js';
import { funnelReport, type FunnelRow } from './funnel.js';
import type { Period } from './period.js';
import { revenueReport, type RevenueRow } from './revenue.js';
import { supportReport, type SupportRow } from './support.js';

export const reportKinds = ['funnel', 'revenue', 'campaigns', 'support', 'fulfilment'] as const;
export type ReportKind = (typeof reportKinds)[number];

export const isReportKind = (value: string): value is ReportKind => (reportKinds as readonly string[]).includes(value);

/** A report's rows, told apart by kind; each is the result of one query. */
export type ReportData =
  | { kind: 'funnel'; period: Period; rows: FunnelRow[] }
  | { kind: 'revenue'; period: Period; rows: RevenueRow[] }
  | { kind: 'campaigns'; period: Period; rows: CampaignRow[] }
  | { kind: 'support'; period: Period; rows: SupportRow[] }
  | { kind: 'fulfilment'; period: Period; report: FulfilmentReport };

/** Who gets a scheduled report, and in which language. */
export interface ReportRecipient {
  telegramId: number;
  locale: string;
}

export interface ReportServiceDeps {
  db: Db;
  timeZone: string;
  slaMinutes: number;
  defaultLocale: string;
  now: () => Date;
}

/** Managers' reports: the queries, the funnel's first two steps, and who gets the scheduled ones. */
export class ReportService {
  private readonly sql: postgres.Sql;

  constructor(private readonly deps: ReportServiceDeps) {
    this.sql = deps.db.$client;
  }

  /** Runs one report over the period (one query each; see the files beside this one). */
  async run(kind: ReportKind, period: Period): Promise<ReportData> {
    // In a transaction of its own, with settings for it alone (`set_config(…, true)` ends with the
    // transaction, so the pool's connection goes back as it was):
    // - no JIT: over a long period these plans' cost passes jit_above_cost, and compiling them took
    //   about half a second, more than it saves on a query run once;
    // - no parallel workers: in the funnel's merge joins each worker read the whole of the inner
    //   side (the period's payments and events) again, three times the work for the same answer,
    //   and on the 2-core machine of README's Benchmarks the serial plans answered sooner.
    // Still one query per report.
    return this.sql.begin<ReportData>(async (tx) => {
      await tx`select set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)`;
      return this.query(tx as unknown as postgres.Sql, kind, period);
    });
  }

  private async query(sql: postgres.Sql, kind: ReportKind, period: Period): Promise<ReportData> {
    const { timeZone, slaMinutes } = this.deps;
    switch (kind) {
      case 'funnel':
        return { kind, period, rows: await funnelReport(sql, period) };
      case 'revenue':
        return { kind, period, rows: await revenueReport(sql, period, timeZone) };
      case 'campaigns':
        return { kind, period, rows: await campaignsReport(sql, period) };
      case 'support':
        return { kind, period, rows: await supportReport(sql, period, { slaMinutes, now: this.deps.now() }) };
      case 'fulfilment':
        return { kind, period, report: await fulfilmentReport(sql, period, { timeZone, now: this.deps.now() }) };
    }
  }

  /**
   * The catalog's hook: a customer opened a model card (`started`) or completed a configuration
   * (`configured`). Once per customer, model, step and business day.
   */
  async recordFunnel(customerId: number, modelId: string, stage: FunnelStage): Promise<void> {
    const now = this.deps.now();
    await this.sql`
      insert into funnel_events (customer_id, model_id, stage, day, at)
      values (${customerId}, ${modelId}, ${stage}, ${localDateKey(now, this.deps.timeZone)}, ${now.toISOString()})
      on conflict do nothing`;
  }

  /** Whether this manager asked for the daily report. */
  async daily(telegramId: number): Promise<boolean> {
    const [row] = await this.sql<Array<{ daily: boolean }>>`select daily from report_subscriptions where telegram_id = ${telegramId}`;
    return row?.daily ?? false;
  }

  async setDaily(telegramId: number, daily: boolean): Promise<void> {
    await this.sql`
      insert into report_subscriptions (telegram_id, daily) values (${telegramId}, ${daily})
      on conflict (telegram_id) do update set daily = excluded.daily, updated_at = now()`;
  }

  /**
   * The weekly report goes to every manager; the daily one to managers and admins who asked for it
   * in /settings. Each in their language (the customer row of their Telegram id, if they talked to the bot).
   */
  async recipients(schedule: 'weekly' | 'daily'): Promise<ReportRecipient[]> {
    const rows =
      schedule === 'weekly'
        ? await this.sql<Array<{ id: string | number; language: string | null }>>`
            select distinct s.telegram_id as id, c.language from staff s left join customers c on c.telegram_id = s.telegram_id
            where s.role = 'manager' order by 1`
        : await this.sql<Array<{ id: string | number; language: string | null }>>`
            select distinct s.telegram_id as id, c.language from staff s
            join report_subscriptions r on r.telegram_id = s.telegram_id and r.daily
            left join customers c on c.telegram_id = s.telegram_id
            where s.role in ('manager', 'admin') order by 1`;
    return rows.map((r) => ({ telegramId: Number(r.id), locale: r.language ?? this.deps.defaultLocale }));
  }
}
