import { cutToTelegramLimits } from './telegram/limits.js';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type postgres from 'postgres';
import { Telegram } from 'telegraf';
import type { Config, ServicesConfig } from './config.js';
import { createDb, type Db, type DbHandle } from './db/client.js';
import { BookingService } from './domain/bookings/service.js';
import { CatalogService } from './domain/catalog/service.js';
import { ConversationRepository } from './domain/conversation/repository.js';
import { InboxRepository } from './domain/inbox/index.js';
import { CustomerService } from './domain/customers/service.js';
import { OrderService } from './domain/orders/service.js';
import { PaymentService } from './domain/payments/service.js';
import { StaffService } from './domain/staff/service.js';
import { FulfilmentService } from './domain/fulfilment/service.js';
import { FeedbackService } from './domain/feedback/service.js';
import { noEvents, type DomainEvents } from './domain/events.js';
import { SupportService, type SlaScheduler, type SupportRelay } from './domain/support/service.js';
import { StoreService } from './domain/store/service.js';
import { StoreCheckoutService } from './domain/store/checkout.js';
import { StockService } from './domain/stock/service.js';
import { noStoreEvents, withStoreInstallations, type StoreEvents } from './domain/store/events.js';
import { CampaignRepository } from './domain/campaigns/repository.js';
import { DeliveryRepository } from './domain/campaigns/delivery.js';
import { ConsentService } from './domain/campaigns/consent.js';
import type { CampaignJobs } from './domain/campaigns/jobs.js';
import { ReminderRepository } from './domain/reminders/repository.js';
import { ErasureService } from './domain/privacy/index.js';
import { ReportService } from './domain/reports/service.js';
import { createI18n, type I18n } from './i18n.js';
import { campaignJobs } from './jobs/campaign-jobs.js';
import { JobOutbox, queueList } from './jobs/outbox.js';
import { createQueues, type Queues } from './jobs/queues.js';
import { reminderEvents } from './jobs/reminders/scheduler.js';
import { storeEvents } from './jobs/store/store-jobs.js';
import { supportRelay } from './jobs/support/relay.js';
import { supportSla } from './jobs/support/sla.js';
import { createLogger, type Logger } from './logger.js';
import { PhotoLibrary } from './telegram/photos.js';
import { Metrics } from './server/metrics.js';
import { keepAliveAgent, useAgent } from './telegram/keep-alive.js';
import { withSendBudget } from './telegram/budgeted-client.js';
import { SendBudget } from './telegram/send-budget.js';
import { createRedis, type RedisClient } from './shared/redis.js';
import { countTelegramCalls } from './server/telegram-calls.js';

export interface Services {
  catalog: CatalogService;
  customers: CustomerService;
  orders: OrderService;
  payments: PaymentService;
  bookings: BookingService;
  conversation: ConversationRepository;
  /** Every update received, stored before it is acknowledged and handed out in per-chat order. */
  inbox: InboxRepository;
  staff: StaffService;
  fulfilment: FulfilmentService;
  feedback: FeedbackService;
  /** Broadcast campaigns (also the catalog's record of models looked at, for segments). */
  campaigns: CampaignRepository;
  /** Each campaign's recipients: freezing the audience, claiming and recording sends, counts. */
  campaignDelivery: DeliveryRepository;
  /** Customers' consent to marketing messages. */
  consent: ConsentService;
  /** What reminders need to read: the order, booking or installation they are about. */
  reminders: ReminderRepository;
  /** Support handoffs: conversations, topics, transcript, claims (SLA jobs and relay queue: ServiceOptions). */
  support: SupportService;
  /** The flagship store: catalog and carts; checkout, holds, payments and shipping. */
  store: StoreService;
  storeCheckout: StoreCheckoutService;
  /** /deletemydata: erases a customer's personal data, keeps their orders anonymised (src/domain/privacy). */
  privacy: ErasureService;
  /** Managers' reports (src/domain/reports), the funnel's first steps, report subscriptions. */
  reports: ReportService;
  /** The catalog without SQL: stock, prices, hidden products, models paused, with the audit (ops and managers). */
  stock: StockService;
}

/** Everything a bot handler, a job or the ops CLI may use; built once by createDeps and passed down. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  db: Db;
  /** The pools behind `db` (and the relaxed one for per-update bookkeeping; see DbHandle). */
  dbHandle: DbHandle;
  /** The fail-fast Redis client: producers, locks and rate budgets (workers get their own connection). */
  redis: RedisClient;
  /** The BullMQ queues, as producers on `redis`. */
  queues: Queues;
  /** Jobs Redis refused, kept in Postgres and replayed (src/jobs/outbox.ts). */
  outbox: JobOutbox;
  /** The one Bot API client of workers, the ops CLI and the support desk outside an update (its sends count as notices). */
  telegram: Telegram;
  /** The send budget every process shares (src/telegram/send-budget.ts); every Bot API client goes through it. */
  budget: SendBudget;
  i18n: I18n;
  /** The pictures screens show: data/photos/ files uploaded once, then sent by Telegram's file_id. */
  photos: PhotoLibrary;
  services: Services;
  metrics: Metrics;
  /** The campaign rules' port to the job queue (src/jobs/campaign-jobs.ts). */
  campaignJobs: CampaignJobs;
  now: () => Date;
  /** Closes what createDeps opened: queues, Redis (unless handed in), the Postgres pools. */
  close(): Promise<void>;
}

/** What a caller may put in instead of what createDeps would make from the config. */
export interface DepsOverrides {
  logger?: Logger;
  now?: () => Date;
  /** Postgres pool size instead of the configured one (DATABASE_POOL_MAX, or the role's default). */
  dbMax?: number;
  /** A Redis client to use instead of one made from the configuration; not closed by close(). */
  redis?: RedisClient;
  /** Domain events instead of the reminder scheduler over the queues (tests of the hooks themselves). */
  events?: DomainEvents;
}

/**
 * The one composition root: everything the app needs, made from the configuration. Nothing
 * connects until it is used (postgres.js and ioredis connect lazily), so a caller checks
 * reachability itself (src/app.ts does, with a message naming the service).
 */
export function createDeps(config: Config, overrides: DepsOverrides = {}): AppDeps {
  const logger =
    overrides.logger ??
    createLogger(config.logLevel, [config.botToken, config.paymentProviderToken, config.webhook?.secret ?? '', config.admin.password ?? '', config.admin.token ?? '']);
  const metrics = new Metrics();
  const now = overrides.now ?? (() => new Date());
  const dbHandle = createDb(config.databaseUrl, { max: overrides.dbMax ?? config.database.poolMax, prepare: config.database.prepare });
  const redis = overrides.redis ?? createRedis(config.redis, { maxRetriesPerRequest: 3 });
  if (!overrides.redis) redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
  // Both roles produce jobs (a bot handler creates an order, a worker expires one). Producers use
  // the fail-fast connection: with Redis down, a handler's queue.add errors (and the job waits in
  // the outbox) instead of hanging the update.
  const queues = createQueues(redis, config.queuePrefix);
  const outbox = new JobOutbox(dbHandle.db, queueList(queues), { now, logger });
  const events = overrides.events ?? reminderEvents(queues.reminders, { timeZone: config.timeZone, now, logger, outbox });
  const services = createServices(dbHandle.db, config, {
    now,
    events,
    relaxed: dbHandle.relaxed,
    intake: dbHandle.intake,
    storeEvents: storeEvents(queues.store, { now, logger }),
    sla: supportSla(queues.support, now),
    relay: supportRelay(queues.support, redis, config.queuePrefix),
  });
  const budget = new SendBudget(redis, {
    prefix: config.queuePrefix,
    perSecond: config.sendBudget.perSecond,
    campaignPerSecond: config.campaignRate,
    groupPerMinute: config.sendBudget.groupPerMinute,
    chatBurst: config.sendBudget.chatBurst,
  });
  metrics.sendBudget(budget.perSecond, budget.campaignPerSecond);
  return {
    config,
    logger,
    db: dbHandle.db,
    dbHandle,
    redis,
    queues,
    outbox,
    telegram: withSendBudget(createTelegram(config, metrics), budget, 'notice'),
    budget,
    i18n: createI18n(config.defaultLocale),
    photos: new PhotoLibrary(),
    services,
    metrics,
    campaignJobs: campaignJobs(queues.campaigns),
    now,
    async close() {
      budget.close();
      await queues.close();
      if (!overrides.redis) redis.disconnect();
      await dbHandle.close();
    },
  };
}

/**
 * The Bot API client. telegraf keeps connections alive for https only; a plain-http Bot API server
 * (self-hosted, or the test stand-in) would cost a TCP connection per message, which at hundreds a
 * second is most of the CPU and makes send times jittery.
 */
export function createTelegram(config: Pick<Config, 'botToken' | 'telegramApiRoot'>, metrics?: Metrics): Telegram {
  const telegram = new Telegram(config.botToken, { apiRoot: config.telegramApiRoot });
  if (metrics) countTelegramCalls(telegram, metrics);
  useAgent(telegram, keepAliveAgent(config.telegramApiRoot));
  cutToTelegramLimits(telegram);
  return telegram;
}

/** What createServices wires in beside the database and the config; each has a quiet default. */
export interface ServiceOptions {
  now?: () => Date;
  /** Told about committed order, booking and installation changes (reminders, notices). */
  events?: DomainEvents;
  /** The pool for per-update bookkeeping (DbHandle.relaxed); the Drizzle pool by default. */
  relaxed?: postgres.Sql;
  /** The inbox's intake lane (DbHandle.intake); the pools above by default. */
  intake?: DbHandle['intake'];
  /** Told about store orders (the store queue's jobs). */
  storeEvents?: StoreEvents;
  /** Support's SLA reminder jobs (src/jobs/support/sla.ts). */
  sla?: SlaScheduler;
  /** Support's queue of messages Telegram would not take yet (src/jobs/support/relay.ts). */
  relay?: SupportRelay;
}

export function createServices(db: Db, config: ServicesConfig, opts: ServiceOptions = {}): Services {
  const now = opts.now ?? (() => new Date());
  const storeHooks = opts.storeEvents ?? noStoreEvents;
  // The store hears about its own orders' charger installations (src/domain/store/events.ts).
  const events = withStoreInstallations(opts.events ?? noEvents, storeHooks);
  const orders = new OrderService({ db, events, refundPolicy: config.refundPolicy });
  const store = new StoreService({ db, now });
  const catalog = new CatalogService({ db });
  return {
    catalog,
    customers: new CustomerService({ db, defaultLocale: config.defaultLocale }),
    orders,
    payments: new PaymentService({ db, orders }),
    bookings: new BookingService({ db, timeZone: config.timeZone, now, orders, events }),
    conversation: new ConversationRepository({ db, relaxed: opts.relaxed }),
    inbox: new InboxRepository({
      sql: db.$client,
      relaxed: opts.relaxed,
      intake: opts.intake,
      owner: `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
      leaseMs: config.inbox.leaseMs,
      maxAttempts: config.inbox.maxAttempts,
      retryBaseMs: config.inbox.retryMs,
    }),
    staff: new StaffService(db),
    fulfilment: new FulfilmentService({ db, orders, timeZone: config.timeZone, now, events }),
    feedback: new FeedbackService(db),
    campaigns: new CampaignRepository(db),
    campaignDelivery: new DeliveryRepository(db),
    consent: new ConsentService(db),
    reminders: new ReminderRepository(db),
    support: new SupportService({
      db,
      settings: { hours: config.supportHours, timeZone: config.timeZone, slaMinutes: config.supportSlaMinutes },
      now,
      sla: opts.sla,
      relay: opts.relay,
    }),
    store,
    storeCheckout: new StoreCheckoutService({ db, store, now, events: storeHooks }),
    privacy: new ErasureService(db.$client),
    reports: new ReportService({ db, timeZone: config.timeZone, slaMinutes: config.supportSlaMinutes, defaultLocale: config.defaultLocale, now }),
    stock: new StockService(db, catalog),
  };
}
