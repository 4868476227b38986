import { RateLimitError, Worker, type ConnectionOptions, type Job, type Queue } from 'bullmq';
import type { RedisClient } from '../../shared/redis.js';
import type { Telegram } from 'telegraf';
import { campaignMessage, variantFor } from '../../telegram/screens/campaign-message.js';
import type { AppDeps } from '../../deps.js';
import { type ClaimedRecipient, type SendResult } from '../../domain/campaigns/delivery.js';
import { type VariantDraft } from '../../domain/campaigns/repository.js';
import { classifyTelegramError } from '../../shared/telegram-errors.js';
import { withSendBudget, sendingAs } from '../../telegram/budgeted-client.js';
import { BudgetWaitExceeded } from '../../telegram/send-budget.js';
import { editProgressMessage } from '../../telegram/campaign-progress.js';
import { CAMPAIGN_BATCH_SIZE, enqueueBatches, enqueueProgress, PROGRESS_EVERY_MS } from '../campaign-jobs.js';
import { queueNames, type CampaignJob } from '../queues.js';

/** Delivery jobs in flight per worker process; they share the global rate, so a few keep it busy. */
export const CAMPAIGN_CONCURRENCY = 4;
/** Attempts per recipient on network errors and 5xx before it is marked failed. */
export const MAX_SEND_ATTEMPTS = 3;
/** A recipient 'sending' for longer than this belongs to a job that died: it is sent again. */
export const STALE_SENDING_S = 30;
/**
 * How long one campaign send may wait for the Bot API (telegraf's own request timeout is 500 s).
 * Well under STALE_SENDING_S even for the last send of a chunk (its slot comes at most ~5 s after
 * the claim), so a live job never has a row swept from under it and sent again by another job.
 * A send that times out counts as failed with its delivery unknown: it is not sent again.
 */
export const SEND_TIMEOUT_MS = 10_000;
/**
 * How long one campaign send waits for a slot of the send budget before its recipient goes back
 * to pending (replies, reminders and notices come first, and may take every slot for a while);
 * well under STALE_SENDING_S, so a claimed row is never swept while it waits.
 */
export const BUDGET_WAIT_MS = 5_000;

export interface CampaignsWorkerOptions {
  concurrency?: number;
  telegram?: Telegram;
  /** Lock duration of a job, ms (how soon a killed worker's job is taken over; BullMQ default 30 s). */
  lockDurationMs?: number;
  /** How long one send may wait for the Bot API (default SEND_TIMEOUT_MS). */
  sendTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

type CallApi = (method: string, payload: Record<string, unknown>, options?: { signal?: AbortSignal }) => Promise<{ message_id: number }>;

/**
 * Delivers campaigns. `start` freezes the audience and queues one job per batch of recipients;
 * a `batch` job claims a few recipients at a time (pending → sending in Postgres), sends each
 * as soon as the one send budget gives it a slot (src/telegram/send-budget.ts: campaigns come
 * after replies and notices; a recipient that waits too long goes back to pending), and writes
 * the outcomes in one statement. Status (paused, cancelled, a newer resume) and a 429 pause are
 * checked before every send. `progress` edits the marketer's progress message every few seconds and finishes the
 * campaign once nothing is left.
 */
export function createCampaignsWorker(
  deps: AppDeps,
  connection: ConnectionOptions & RedisClient,
  queue: Queue<CampaignJob>,
  opts: CampaignsWorkerOptions = {},
): Worker<CampaignJob, string> {
  const telegram = withSendBudget(opts.telegram ?? deps.telegram, deps.budget, 'notice');
  const callApi = telegram.callApi.bind(telegram) as unknown as CallApi;
  const budget = deps.budget;
  const repo = deps.services.campaigns;
  const delivery = deps.services.campaignDelivery;
  const chunkSize = Math.max(1, Math.min(100, Math.ceil(budget.campaignPerSecond / 4)));
  const sendTimeoutMs = opts.sendTimeoutMs ?? SEND_TIMEOUT_MS;
  let botUsername: string | null = null;
  const username = async () => (botUsername ??= (await telegram.getMe()).username);

  // Pause set by any process (a 429): polled, so a send never waits on a Redis round trip.
  let pausedUntil = 0;
  let sending = 0;
  const pausePoll = setInterval(() => {
    if (sending === 0) return;
    budget.pausedFor().then(
      (ms) => (pausedUntil = Math.max(pausedUntil, ms > 0 ? Date.now() + ms : 0)),
      () => undefined,
    );
  }, 100);

  // Campaign status, refreshed at most every 250 ms while sending, one query at a time.
  type StatusEntry = { status: string; generation: number; at: number };
  const statusCache = new Map<number, StatusEntry>();
  const statusQueries = new Map<number, Promise<StatusEntry>>();
  const statusOf = async (id: number, fresh = false): Promise<StatusEntry> => {
    const cached = statusCache.get(id);
    if (!fresh && cached && Date.now() - cached.at < 250) return cached;
    let query = statusQueries.get(id);
    if (!query) {
      query = repo.status(id).then((s) => {
        const entry = { status: s?.status ?? 'cancelled', generation: s?.generation ?? -1, at: Date.now() };
        statusCache.set(id, entry);
        return entry;
      });
      const settled = () => statusQueries.delete(id);
      query.then(settled, settled);
      statusQueries.set(id, query);
    }
    return query;
  };
  const variantsCache = new Map<number, VariantDraft[]>();
  const variantsOf = async (id: number) => {
    let v = variantsCache.get(id);
    if (!v) variantsCache.set(id, (v = await repo.variants(id)));
    return v;
  };

  const sendOne = async (campaignId: number, defaultLocale: string, r: ClaimedRecipient, variants: VariantDraft[]): Promise<SendResult & { retryAfterS?: number }> => {
    const v = variantFor(variants, r.locale, defaultLocale);
    const msg = campaignMessage(v, {
      chatId: r.chatId,
      campaignId,
      botUsername: await username(),
      t: deps.i18n.t(r.locale),
      paidBroadcast: deps.config.campaignPaidBroadcast,
    });
    const signal = AbortSignal.timeout(sendTimeoutMs);
    try {
      // The slot was taken by the caller (runBatch): the client only watches for a 429.
      const sent = await sendingAs('campaign', () => callApi(msg.method, msg.params, { signal }), { admitted: true });
      return { customerId: r.customerId, state: 'sent', messageId: sent.message_id };
    } catch (err) {
      if (signal.aborted) {
        // Telegram may or may not have delivered it: never sent again (that could be twice).
        deps.logger.warn({ campaignId, customerId: r.customerId, timeoutMs: sendTimeoutMs }, 'campaign: send timed out, delivery unknown');
        return { customerId: r.customerId, state: 'failed', error: `no answer within ${sendTimeoutMs} ms: delivery unknown, not sent again` };
      }
      const f = classifyTelegramError(err);
      const description = err instanceof Error ? err.message.slice(0, 300) : String(err);
      switch (f.kind) {
        case 'blocked':
          return { customerId: r.customerId, state: 'blocked', error: description };
        case 'chat_not_found':
        case 'bad_request':
          return { customerId: r.customerId, state: 'failed', error: description };
        case 'rate_limited':
          return { customerId: r.customerId, state: 'pending', unattempted: true, retryAfterS: f.retryAfterS };
        default:
          if (r.attempts >= MAX_SEND_ATTEMPTS) return { customerId: r.customerId, state: 'failed', error: description };
          return { customerId: r.customerId, state: 'pending', error: description, retryInMs: 1000 * 2 ** (r.attempts - 1) };
      }
    }
  };

  /** Puts this job's unsent recipients back and hands the job back to BullMQ until the pause ends. */
  const holdOff = async (campaignId: number, jobId: string, ms: number): Promise<never> => {
    await delivery.release(campaignId, jobId);
    await queue.rateLimit(Math.max(1, Math.ceil(ms)));
    throw new RateLimitError();
  };

  const runBatch = async (job: Job<CampaignJob>, data: Extract<CampaignJob, { kind: 'batch' }>): Promise<string> => {
    const { campaignId, batch, generation } = data;
    const jobId = job.id!;
    const campaign = await repo.get(campaignId);
    if (!campaign) return 'gone';
    const variants = await variantsOf(campaignId);
    // The bot's username (the campaign's links name it) before any slot is taken: asked for
    // between a slot and its send, the first sends would reach Telegram a getMe later, bunched
    // with the ones admitted after them.
    await username();
    for (;;) {
      const st = await statusOf(campaignId, true);
      if (st.status !== 'running' || st.generation !== generation) {
        await delivery.release(campaignId, jobId);
        if (st.status === 'cancelled') {
          await delivery.cancelPending(campaignId);
          // The message was edited at the cancel, while this chunk was still on the wire: show where it ended.
          const now = await repo.get(campaignId);
          if (now) await editProgressMessage(deps, telegram, now, await delivery.counts(campaignId), 0);
        }
        return `stopped:${st.status}`;
      }
      if (pausedUntil > Date.now()) await holdOff(campaignId, jobId, pausedUntil - Date.now());
      const claimed = await delivery.claim(campaignId, batch, jobId, chunkSize);
      if (claimed.length === 0) {
        const next = await delivery.nextRetry(campaignId, batch);
        if (next === null) return 'done';
        if (next !== 'now') await sleep(Math.min(5_000, next.getTime() - Date.now()));
        continue;
      }
      let retryAfterS = 0;
      let starved = 0;
      const results = await Promise.all(
        claimed.map(async (r) => {
          const unattempted = { customerId: r.customerId, state: 'pending' as const, unattempted: true };
          const stopped = (st: StatusEntry | undefined) => !st || st.status !== 'running' || st.generation !== generation || pausedUntil > Date.now() || retryAfterS > 0;
          // Status before the slot, not between the slot and the send: a query there would send
          // late, bunched with the sends admitted after it (src/telegram/send-budget.ts).
          if (stopped(await statusOf(campaignId))) return unattempted;
          try {
            // A slot of the one send budget, after every reply, reminder and notice waiting for one.
            await budget.take('campaign', { chatId: r.chatId, paid: deps.config.campaignPaidBroadcast, maxWaitMs: BUDGET_WAIT_MS });
          } catch (err) {
            if (!(err instanceof BudgetWaitExceeded)) throw err;
            starved++;
            return unattempted;
          }
          // The latest known status (a pause or cancel seen while waiting for the slot), no query.
          if (stopped(statusCache.get(campaignId))) return unattempted;
          if (Date.now() - statusCache.get(campaignId)!.at >= 250) void statusOf(campaignId).catch(() => undefined);
          const res = await sendOne(campaignId, campaign.defaultLocale, r, variants);
          if (res.retryAfterS) {
            retryAfterS = Math.max(retryAfterS, res.retryAfterS);
            pausedUntil = Math.max(pausedUntil, Date.now() + res.retryAfterS * 1000);
          }
          return res;
        }),
      );
      const { recorded, refused } = await delivery.record(campaignId, { jobId, claimedAt: claimed[0]!.claimedAt }, results);
      if (refused.length) deps.logger.warn({ campaignId, jobId, customerIds: refused }, 'campaign: results not recorded, their claim was taken over');
      const kept = new Set(recorded);
      const done = results.filter((r) => r.state !== 'pending' && kept.has(r.customerId)).length;
      if (done) deps.metrics.inc('campaign_messages_total', done);
      if (retryAfterS > 0) {
        deps.logger.warn({ campaignId, retryAfterS }, 'campaign: Telegram asked to slow down; every sender pauses');
        await holdOff(campaignId, jobId, retryAfterS * 1000);
      }
      // Higher priorities had every slot: the recipients went back to pending; give the slots a moment.
      if (starved === claimed.length) await sleep(500);
    }
  };

  const runStart = async (campaignId: number): Promise<string> => {
    const t0 = performance.now();
    const frozen = await repo.freeze(campaignId, CAMPAIGN_BATCH_SIZE);
    const freezeMs = Math.round(performance.now() - t0);
    if (!frozen) return 'not-scheduled';
    const c = (await repo.get(campaignId))!;
    deps.logger.info({ campaignId, audience: frozen.audience, freezeMs }, 'campaign started: audience frozen');
    await enqueueBatches(
      queue,
      campaignId,
      c.generation,
      Array.from({ length: frozen.batches }, (_, i) => i),
    );
    await enqueueProgress(queue, campaignId, c.generation, 0, { sent: 0, at: Date.now() }, 0);
    return `frozen:${frozen.audience}:${freezeMs}ms`;
  };

  const runProgress = async (data: Extract<CampaignJob, { kind: 'progress' }>): Promise<string> => {
    const { campaignId, generation, tick } = data;
    let c = await repo.get(campaignId);
    if (!c || c.generation !== generation) return 'superseded';
    if (c.status === 'running') {
      const stale = await delivery.sweepStale(campaignId, STALE_SENDING_S);
      if (stale.length) await enqueueBatches(queue, campaignId, c.generation, stale, `-s${Date.now()}`);
      if (await delivery.finishIfDone(campaignId)) c = (await repo.get(campaignId))!;
    } else if (c.status === 'paused') {
      // A job that died while paused leaves its claims behind: back to pending, so a resume sends them (and the ticks below end).
      await delivery.sweepStale(campaignId, STALE_SENDING_S);
    }
    const counts = await delivery.counts(campaignId);
    const done = counts.sent + counts.failed + counts.blocked;
    const seconds = (Date.now() - data.prevAt) / 1000;
    const rate = tick === 0 || seconds <= 0 ? 0 : Math.max(0, (done - data.prevDone) / seconds);
    await editProgressMessage(deps, telegram, c, counts, rate);
    // A pause or cancel that came while this tick was rendering has edited the message already, and
    // this tick's older picture may have landed after it: then show the campaign as it is now.
    const after = await repo.get(campaignId);
    if (after && after.generation === generation && after.status !== c.status) {
      await editProgressMessage(deps, telegram, after, await delivery.counts(campaignId), 0);
    }
    // Paused: sends that were on the wire at the pause still land; keep the message up to date until they have.
    if (c.status === 'running' || (c.status === 'paused' && counts.sending > 0)) {
      await enqueueProgress(queue, campaignId, generation, tick + 1, { sent: done, at: Date.now() }, PROGRESS_EVERY_MS);
    }
    return c.status;
  };

  const worker = new Worker<CampaignJob, string>(
    queueNames.campaigns,
    async (job) => {
      const data = job.data;
      if (data.kind === 'start') return runStart(data.campaignId);
      if (data.kind === 'batch') {
        sending++;
        try {
          return await runBatch(job, data);
        } finally {
          sending--;
        }
      }
      return runProgress(data);
    },
    {
      connection,
      prefix: deps.config.queuePrefix,
      concurrency: opts.concurrency ?? CAMPAIGN_CONCURRENCY,
      // Only for queue.rateLimit (a 429 pauses the whole queue); the sending rate is the send budget's.
      limiter: { max: 1_000_000, duration: 1000 },
      lockDuration: opts.lockDurationMs ?? 30_000,
      // A job of a killed worker is taken over once its lock has run out and a stall check sees it.
      stalledInterval: Math.min(30_000, opts.lockDurationMs ?? 30_000),
    },
  );
  worker.on('closed', () => clearInterval(pausePoll));
  const close = worker.close.bind(worker);
  worker.close = async (force?: boolean) => {
    clearInterval(pausePoll);
    return close(force);
  };
  return worker;
}
