import type { Redis } from 'ioredis';
import type postgres from 'postgres';
import type { Config } from './config.js';
import type { Db } from './db/client.js';
import { BookingService } from './domain/bookings/service.js';
import { CatalogService } from './domain/catalog/service.js';
import { ConversationRepository } from './domain/conversation/repository.js';
import { CustomerService } from './domain/customers/service.js';
import { OrderService } from './domain/orders/service.js';
import { PaymentService } from './domain/payments/service.js';
import { StaffService } from './domain/staff/service.js';
import { FulfilmentService } from './domain/fulfilment/service.js';
import { FeedbackService } from './domain/feedback/service.js';
import { noEvents, type DomainEvents } from './domain/events.js';
import { SupportService } from './domain/support/service.js';
import { StoreService } from './domain/store/service.js';
import { StoreCheckoutService } from './domain/store/checkout.js';
import { noStoreEvents, withStoreInstallations, type StoreEvents } from './domain/store/events.js';
import { CampaignRepository } from './domain/campaigns/repository.js';
import { DeliveryRepository } from './domain/campaigns/delivery.js';
import { ConsentService } from './domain/campaigns/consent.js';
import type { CampaignJobs } from './domain/campaigns/jobs.js';
import { ReminderRepository } from './domain/reminders/repository.js';
import type { I18n } from './i18n.js';
import type { Logger } from './logger.js';
import type { Metrics } from './server/metrics.js';

export interface Services {
  catalog: CatalogService;
  customers: CustomerService;
  orders: OrderService;
  payments: PaymentService;
  bookings: BookingService;
  conversation: ConversationRepository;
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
  /** Support handoffs: conversations, topics, transcript, claims (SLA jobs wired by app.ts: useSla). */
  support: SupportService;
  /** The flagship store: catalog and carts; checkout, holds, payments and shipping. */
  store: StoreService;
  storeCheckout: StoreCheckoutService;
}

/** Everything a bot handler or a job may use; built once in main.ts (or a test) and passed down. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  db: Db;
  redis: Redis;
  i18n: I18n;
  services: Services;
  metrics: Metrics;
  /** The campaign rules' port to the job queue (src/jobs/campaign-jobs.ts). */
  campaignJobs: CampaignJobs;
  now: () => Date;
}

export function createServices(
  db: Db,
  config: Config,
  now: () => Date = () => new Date(),
  hooks: DomainEvents = noEvents,
  relaxed?: postgres.Sql,
  storeHooks: StoreEvents = noStoreEvents,
): Services {
  // The store hears about its own orders' charger installations (src/domain/store/events.ts).
  hooks = withStoreInstallations(hooks, storeHooks);
  const orders = new OrderService(db, hooks);
  const store = new StoreService(db, now);
  return {
    catalog: new CatalogService(db),
    customers: new CustomerService(db, config.defaultLocale),
    orders,
    payments: new PaymentService(db, orders),
    bookings: new BookingService(db, config.timeZone, now, orders, hooks),
    conversation: new ConversationRepository(db, relaxed),
    staff: new StaffService(db),
    fulfilment: new FulfilmentService(db, orders, config.timeZone, now, hooks),
    feedback: new FeedbackService(db),
    campaigns: new CampaignRepository(db),
    campaignDelivery: new DeliveryRepository(db),
    consent: new ConsentService(db),
    reminders: new ReminderRepository(db),
    support: new SupportService(db, { hours: config.supportHours, timeZone: config.timeZone, slaMinutes: config.supportSlaMinutes }, now),
    store,
    storeCheckout: new StoreCheckoutService(db, store, now, storeHooks),
  };
}
