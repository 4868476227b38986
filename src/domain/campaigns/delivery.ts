import type postgres from 'postgres';
import type { Db } from '../../db/client.js';
import type { RecipientState } from '../../db/schema/campaigns.js';
import type { Locale } from '../../shared/locale.js';

export interface ClaimedRecipient {
  customerId: number;
  chatId: number;
  locale: Locale;
  attempts: number;
  /** When this claim was made (Postgres text, microseconds kept): with the job id, the claim's token. */
  claimedAt: string;
}

/** Who claimed a chunk and when: `record` writes only rows still held by this very claim. */
export interface Claim {
  jobId: string;
  claimedAt: string;
}

/** What a send came to; `retryInMs` puts the recipient back to pending for a later attempt. */
export interface SendResult {
  customerId: number;
  state: 'sent' | 'failed' | 'blocked' | 'pending';
  messageId?: number | null;
  error?: string | null;
  retryInMs?: number;
  /** A send never attempted (paused, cancelled): back to pending without spending an attempt. */
  unattempted?: boolean;
}

export type Counts = Record<RecipientState, number> & { total: number };

const emptyCounts = (): Counts => ({ pending: 0, sending: 0, sent: 0, failed: 0, blocked: 0, cancelled: 0, total: 0 });

// eslint-disable-next-line @typescript-eslint/no-base-to-string -- v is a raw SQL timestamp (text) or a Date, never a plain object
const toDate = (v: unknown): Date | null => (v == null ? null : v instanceof Date ? v : new Date(String(v)));

/**
 * Delivery of a running campaign, one recipient row at a time: claiming chunks for sending,
 * writing their outcomes, giving back what was not sent, sweeping what a dead job left, and the
 * counts the progress message shows. The recipients table is the truth about who was sent what.
 */
export class DeliveryRepository {
  private readonly sql: postgres.Sql;
  constructor(db: Db) {
    this.sql = db.$client;
  }

  /**
   * Claims up to `limit` recipients of a batch for sending: pending ones that are due, and ones
   * this very job claimed before it was interrupted (a job re-run after a worker died). A
   * recipient claimed by another live job is never taken (SKIP LOCKED, state check).
   */
  async claim(campaignId: number, batch: number, jobId: string, limit: number): Promise<ClaimedRecipient[]> {
    // A customer who unsubscribed or blocked the bot since the freeze is dropped here, not sent to.
    const rows = await this.sql<Array<{ customer_id: number; chat_id: string; locale: Locale; attempts: number; state: string; claimed_at: string }>>`
      update campaign_recipients r
      set state = case when c.marketing_consent is true and not c.blocked then 'sending' else 'cancelled' end,
          error = case when c.marketing_consent is true and not c.blocked then r.error else 'unsubscribed or blocked since the audience was frozen' end,
          claimed_by = ${jobId}, claimed_at = now(), attempts = r.attempts + 1
      from customers c
      where c.id = r.customer_id and r.campaign_id = ${campaignId} and r.customer_id in (
        select customer_id from campaign_recipients
        where campaign_id = ${campaignId} and batch = ${batch}
          and ((state = 'pending' and (next_attempt_at is null or next_attempt_at <= now())) or (state = 'sending' and claimed_by = ${jobId}))
        order by customer_id limit ${limit} for update skip locked)
      returning r.customer_id, r.chat_id, r.locale, r.attempts, r.state, r.claimed_at::text as claimed_at`;
    return rows
      .filter((r) => r.state === 'sending')
      .map((r) => ({ customerId: r.customer_id, chatId: Number(r.chat_id), locale: r.locale, attempts: r.attempts, claimedAt: r.claimed_at }));
  }

  /**
   * Earliest retry time of recipients still pending in a batch; null when none is left. Recipients
   * another job is sending (a job of before a pause, still finishing its chunk after a quick
   * resume) count as a retry shortly: that job may give some back as pending, and nobody else
   * would send them.
   */
  async nextRetry(campaignId: number, batch: number): Promise<Date | null | 'now'> {
    const [r] = await this.sql<Array<{ n: string; busy: string; due: boolean | null; min_at: unknown }>>`
      select count(*) filter (where state = 'pending') as n, count(*) filter (where state = 'sending') as busy,
        bool_or(state = 'pending' and (next_attempt_at is null or next_attempt_at <= now())) as due,
        min(next_attempt_at) filter (where state = 'pending') as min_at
      from campaign_recipients where campaign_id = ${campaignId} and batch = ${batch} and state in ('pending', 'sending')`;
    if (!r || (Number(r.n) === 0 && Number(r.busy) === 0)) return null;
    if (Number(r.n) === 0) return new Date(Date.now() + 250);
    return r.due ? 'now' : toDate(r.min_at);
  }

  /**
   * Writes a chunk's outcomes in one statement, only on rows still held by `claim` (same job, same
   * claim time): a row the stale sweep gave back, or that another job has claimed since, is left
   * alone and its customer id returned in `refused` (the caller logs it). Customers who blocked
   * the bot are flagged either way.
   */
  async record(campaignId: number, claim: Claim, results: SendResult[]): Promise<{ recorded: number[]; refused: number[] }> {
    if (results.length === 0) return { recorded: [], refused: [] };
    const payload = results.map((r) => ({
      customer_id: r.customerId,
      state: r.state,
      message_id: r.messageId ?? null,
      error: r.error ?? null,
      retry_ms: r.retryInMs ?? 0,
      refund: r.unattempted ? 1 : 0,
    }));
    const rows = await this.sql<Array<{ customer_id: number }>>`
      update campaign_recipients r set
        state = x.state,
        message_id = coalesce(x.message_id, r.message_id),
        error = x.error,
        sent_at = case when x.state = 'sent' then now() else r.sent_at end,
        next_attempt_at = case when x.retry_ms > 0 then now() + make_interval(secs => x.retry_ms / 1000.0) else null end,
        attempts = r.attempts - x.refund,
        claimed_by = null, claimed_at = null
      from jsonb_to_recordset(${JSON.stringify(payload)}::jsonb)
        as x(customer_id int, state text, message_id int, error text, retry_ms int, refund int)
      where r.campaign_id = ${campaignId} and r.customer_id = x.customer_id and r.state = 'sending'
        and r.claimed_by = ${claim.jobId} and r.claimed_at = ${claim.claimedAt}::timestamptz
      returning r.customer_id`;
    const blocked = results.filter((r) => r.state === 'blocked').map((r) => r.customerId);
    if (blocked.length) await this.sql`update customers set blocked = true, updated_at = now() where id in ${this.sql(blocked)}`;
    const recorded = new Set(rows.map((r) => r.customer_id));
    return {
      recorded: results.filter((r) => recorded.has(r.customerId)).map((r) => r.customerId),
      refused: results.filter((r) => !recorded.has(r.customerId)).map((r) => r.customerId),
    };
  }

  /** Gives back what a job claimed but did not send (paused, cancelled, 429). */
  async release(campaignId: number, jobId: string): Promise<void> {
    await this.sql`
      update campaign_recipients set state = 'pending', claimed_by = null, claimed_at = null, attempts = greatest(attempts - 1, 0)
      where campaign_id = ${campaignId} and state = 'sending' and claimed_by = ${jobId}`;
  }

  /** After a cancel: what a job gave back (or had not sent yet) will never be sent. */
  async cancelPending(campaignId: number): Promise<void> {
    await this.sql`update campaign_recipients set state = 'cancelled' where campaign_id = ${campaignId} and state = 'pending'`;
  }

  /**
   * Recipients left in 'sending' by a job that died more than `olderThanS` ago go back to pending
   * (they may have been sent just before the death: the only case where a customer can get a
   * campaign twice). A live job is never that slow: its sends time out well within `olderThanS`
   * (SEND_TIMEOUT_MS in src/jobs/workers/campaigns.worker.ts), and should it record late anyway,
   * `record` refuses it. Returns the batches to run again.
   */
  async sweepStale(campaignId: number, olderThanS: number): Promise<number[]> {
    const rows = await this.sql<Array<{ batch: number }>>`
      update campaign_recipients set state = 'pending', claimed_by = null, claimed_at = null
      where campaign_id = ${campaignId} and state = 'sending' and claimed_at < now() - make_interval(secs => ${olderThanS})
      returning batch`;
    return [...new Set(rows.map((r) => r.batch))];
  }

  async pendingBatches(campaignId: number): Promise<number[]> {
    const rows = await this.sql<Array<{ batch: number }>>`
      select distinct batch from campaign_recipients where campaign_id = ${campaignId} and state in ('pending', 'sending') order by batch`;
    return rows.map((r) => r.batch);
  }

  async counts(campaignId: number): Promise<Counts> {
    const rows = await this.sql<Array<{ state: RecipientState; n: string }>>`
      select state, count(*) as n from campaign_recipients where campaign_id = ${campaignId} group by state`;
    const c = emptyCounts();
    for (const r of rows) {
      c[r.state] = Number(r.n);
      c.total += Number(r.n);
    }
    return c;
  }

  /** running → done once nothing is pending or being sent. */
  async finishIfDone(campaignId: number): Promise<boolean> {
    const rows = await this.sql`
      update campaigns set status = 'done', finished_at = now(), updated_at = now()
      where id = ${campaignId} and status = 'running'
        and not exists (select 1 from campaign_recipients where campaign_id = ${campaignId} and state in ('pending', 'sending'))
      returning id`;
    return rows.length > 0;
  }
}
