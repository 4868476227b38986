import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The app's Prometheus metrics (prom-client): the process defaults (CPU, memory, event loop, GC),
 * the counters and histograms below, and gauges read on each scrape (queue depths, inbox backlog).
 * Each process (bot, worker, all) has its own and serves it on the admin port (src/server/admin.ts);
 * README.md, "Metrics", lists the names. Durations are in seconds.
 */
export type SettledOutcome = 'done' | 'retry' | 'parked';

/** Plain counters, by name (the README lists them). */
const COUNTERS = {
  updates_total: 'Updates handled by the bot (every try of an inbox row)',
  updates_ignored_total: 'Updates of kinds the bot does not serve, dropped unhandled',
  webhook_rejected_total: 'Webhook calls refused for a missing or wrong secret token',
  inbox_ingest_failed_total: 'Webhook updates that could not be stored (answered 500: Telegram delivers them again)',
  inbox_done_total: 'Inbox rows handled (done, or refused for good)',
  inbox_retry_total: 'Inbox tries that failed and are due for another',
  inbox_parked_total: 'Inbox rows parked after their last try',
  reminders_sent_total: 'Reminders sent to customers',
  campaign_messages_total: 'Campaign messages sent',
  support_handoffs_total: 'Conversations handed to a person',
  support_messages_in_total: 'Customer messages for the support desk',
  support_messages_out_total: 'Agent replies to customers',
  support_relay_queued_total: 'Customer messages queued because the support group was rate-limited',
  support_messages_in_relayed_total: 'Queued customer messages later copied to their topic',
  support_messages_out_relayed_total: 'Queued agent replies later sent to the customer',
} as const;

export type CounterName = keyof typeof COUNTERS;

/** Outcomes of a Bot API call: `ok`, or the kind of failure (src/shared/telegram-errors.ts). */
export type TelegramCallOutcome = 'ok' | 'rate_limited' | 'blocked' | 'chat_not_found' | 'not_modified' | 'bad_request' | 'server' | 'network' | 'other';

/** BullMQ job states the queue gauges report. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/** What the scrape reads from outside: queue depths and the inbox backlog (wired by src/app.ts). */
export interface MetricSources {
  /** Per queue name, its job counts. */
  queues?(): Promise<Array<{ name: string; counts: Record<QueueState, number> }>>;
  inbox?(): Promise<{ pending: number; parked: number }>;
}

/** How long a scrape waits for a source (Redis, Postgres down) before leaving its gauge out. */
const SOURCE_TIMEOUT_MS = 2000;

let processRegistry: Registry | null = null;
/** The process defaults, once per process (several apps in one test process share them). */
function processDefaults(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export class Metrics {
  readonly registry = new Registry();
  private readonly counters: Record<CounterName, Counter>;
  private readonly updateDuration: Histogram;
  private readonly telegramCalls: Counter<'method' | 'outcome'>;
  private readonly pollingLastSuccess: Gauge;
  private readonly sendBudgetPerSecond: Gauge<'kind'>;
  private sources: MetricSources = {};
  private handled = 0;
  private readonly listeners = new Set<() => void>();
  private readonly settledListeners = new Set<(updateId: number, outcome: SettledOutcome) => void>();

  constructor() {
    const registers = [this.registry];
    this.counters = Object.fromEntries(Object.entries(COUNTERS).map(([name, help]) => [name, new Counter({ name, help, registers })])) as Record<CounterName, Counter>;
    this.updateDuration = new Histogram({
      name: 'update_duration_seconds',
      help: 'Time to handle one update, middlewares and replies included',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.telegramCalls = new Counter({
      name: 'telegram_api_calls_total',
      help: 'Bot API calls by method and outcome (rate_limited = 429)',
      labelNames: ['method', 'outcome'],
      registers,
    });
    this.pollingLastSuccess = new Gauge({ name: 'polling_last_success_timestamp_seconds', help: 'When getUpdates last succeeded (long polling only)', registers });
    this.sendBudgetPerSecond = new Gauge({
      name: 'send_budget_per_second',
      help: 'The configured send budget, messages/s across every process: standard (SEND_BUDGET_PER_SECOND) and campaign (CAMPAIGN_RATE)',
      labelNames: ['kind'],
      registers,
    });
    const queueJobs: Gauge<'queue' | 'state'> = new Gauge({
      name: 'queue_jobs',
      help: 'BullMQ jobs per queue and state, read at scrape time',
      labelNames: ['queue', 'state'],
      registers,
      collect: async () => {
        queueJobs.reset();
        if (!this.sources.queues) return;
        const queues = await withTimeout(this.sources.queues(), SOURCE_TIMEOUT_MS).catch(() => []);
        for (const q of queues) for (const state of QUEUE_STATES) queueJobs.set({ queue: q.name, state }, q.counts[state] ?? 0);
      },
    });
    const inboxUpdates: Gauge<'state'> = new Gauge({
      name: 'inbox_updates',
      help: 'Inbox rows waiting to be handled (pending) or given up on (parked), read at scrape time',
      labelNames: ['state'],
      registers,
      collect: async () => {
        inboxUpdates.reset();
        if (!this.sources.inbox) return;
        const counts = await withTimeout(this.sources.inbox(), SOURCE_TIMEOUT_MS).catch(() => null);
        if (!counts) return;
        inboxUpdates.set({ state: 'pending' }, counts.pending);
        inboxUpdates.set({ state: 'parked' }, counts.parked);
      },
    });
  }

  /** Where the scrape-time gauges read from; a source that fails or is slow leaves its gauge empty. */
  watch(sources: MetricSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  inc(name: CounterName, by = 1): void {
    this.counters[name].inc(by);
  }

  /** A handled update and how long it took, in seconds. */
  observeUpdate(seconds: number): void {
    this.updateDuration.observe(seconds);
    this.counters.updates_total.inc();
    this.handled += 1;
    for (const l of this.listeners) l();
  }

  /** One Bot API call's outcome (src/server/telegram-calls.ts counts every client's). */
  telegramCall(method: string, outcome: TelegramCallOutcome): void {
    this.telegramCalls.inc({ method, outcome });
  }

  /** The send budget this process was configured with (src/deps.ts), for the dashboard's limit line. */
  sendBudget(perSecond: number, campaignPerSecond: number): void {
    this.sendBudgetPerSecond.set({ kind: 'standard' }, perSecond);
    this.sendBudgetPerSecond.set({ kind: 'campaign' }, campaignPerSecond);
  }

  /** getUpdates succeeded (the poller, src/bot/poller.ts). */
  pollingSucceeded(at: Date): void {
    this.pollingLastSuccess.set(at.getTime() / 1000);
  }

  /** Number of updates handled so far. */
  get updatesHandled(): number {
    return this.handled;
  }

  /** Called after every handled update (tests and benchmarks wait on it). */
  onUpdate(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** An inbox row's try has ended: done (handled or refused for good), to be retried, or parked. */
  settled(updateId: number, outcome: SettledOutcome): void {
    this.counters[`inbox_${outcome}_total`].inc();
    for (const l of this.settledListeners) l(updateId, outcome);
  }

  /** Called after every try of an inbox row (tests wait on it). */
  onSettled(listener: (updateId: number, outcome: SettledOutcome) => void): () => void {
    this.settledListeners.add(listener);
    return () => this.settledListeners.delete(listener);
  }

  /** The Prometheus text format of this app's metrics and the process defaults. */
  async render(): Promise<string> {
    return Registry.merge([processDefaults(), this.registry]).metrics();
  }

  readonly contentType = this.registry.contentType;
}
