import { UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import { eq } from 'drizzle-orm';
import type { Telegram } from 'telegraf';
import { createFmt, type Fmt } from '../../telegram/format.js';
import { storeInstalledNotice, storeNotice } from '../../telegram/screens/store-orders.js';
import type { Screen } from '../../telegram/screen.js';
import { customers, installations, type StoreOrder } from '../../db/schema/index.js';
import type { AppDeps } from '../../deps.js';
import type { Locale } from '../../domain/customers/service.js';
import { classifyTelegramError } from '../../shared/telegram-errors.js';
import type { StoreJob } from '../store/store-jobs.js';
import { lowStockAlert } from './low-stock-alert.js';

export type StoreJobOutcome = 'expired' | 'skipped' | 'sent' | 'unreachable' | number;

/**
 * The `store` queue: releases holds that were never paid (and closes invoices nobody paid),
 * tells customers their parcel shipped or arrived, prunes old carts. Every job re-reads the
 * database first, so running one twice does no harm.
 */
export function createStoreWorker(deps: AppDeps, connection: ConnectionOptions, opts: { telegram?: Telegram } = {}): Worker<StoreJob, StoreJobOutcome> {
  const telegram = opts.telegram ?? deps.telegram;
  const { storeCheckout, store } = deps.services;
  return new Worker<StoreJob, StoreJobOutcome>(
    'store',
    async (job) => {
      const data = job.data;
      if (data.task === 'expire') return storeCheckout.expireUnpaid(data.orderId);
      if (data.task === 'prune-carts') return store.pruneCarts();
      if (data.task === 'sweep') return storeCheckout.sweepUnpaid();
      if (data.task === 'low-stock') return lowStockAlert(deps, telegram, data.variantId, data.alertedAt);
      let order: StoreOrder | null;
      let notice: (f: Fmt, o: StoreOrder) => Screen = storeNotice;
      if (data.task === 'installed') {
        // A store order's charger: still installed when the job runs (re-read), else nothing to say.
        const [installation] = await deps.db.select().from(installations).where(eq(installations.id, data.installationId));
        if (!installation || installation.state !== 'installed' || installation.storeOrderId === null) return 'skipped';
        order = await storeCheckout.byId(installation.storeOrderId);
        notice = (f, o) => storeInstalledNotice(f, o, installation);
      } else {
        order = await storeCheckout.byId(data.orderId);
        if (order && order.state !== data.state) return 'skipped';
      }
      if (!order) return 'skipped';
      const [customer] = await deps.db.select().from(customers).where(eq(customers.id, order.customerId));
      if (!customer || customer.blocked) return 'unreachable';
      const locale = customer.language as Locale;
      const screen = notice(createFmt(locale, deps.i18n.t(locale), deps.config.timeZone), order);
      try {
        await telegram.sendMessage(customer.telegramId, screen.text, { parse_mode: 'HTML', reply_markup: { inline_keyboard: screen.keyboard ?? [] } });
      } catch (err) {
        const failure = classifyTelegramError(err);
        if (failure.kind === 'blocked' || failure.kind === 'chat_not_found') {
          await deps.services.customers.markBlocked(customer.telegramId);
          return 'unreachable';
        }
        if (failure.kind === 'bad_request') throw new UnrecoverableError(`Bot API refused the notice: ${failure.description}`);
        throw err;
      }
      return 'sent';
    },
    { connection, prefix: deps.config.queuePrefix, concurrency: 5 },
  );
}
