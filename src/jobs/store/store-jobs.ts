import type { Queue } from 'bullmq';
import type { Installation, InstallationState, StoreOrder, StoreOrderState } from '../../db/schema/index.js';
import type { StoreEvents } from '../../domain/store/events.js';
import type { LowStockAlert } from '../../domain/stock/low-stock.js';
import { UNPAID_ORDER_HOURS } from '../../domain/store/rules.js';
import type { Logger } from '../../logger.js';

/**
 * Jobs of the `store` queue. Ids are deterministic (no ':'), so a hold's release is queued once
 * and can be found: store-release-<order>-<hold expiry, ms>, store-expire-<order>,
 * store-notify-<order>-<state>. A release id names the hold's expiry because BullMQ ignores a job
 * whose id it still has (waiting, delayed or kept after completion): an extended hold gets a
 * release of its own, and the earlier one, run early, finds the hold not yet due and skips.
 */
export type StoreJob =
  | { task: 'expire'; orderId: number }
  | { task: 'notify'; orderId: number; state: StoreOrderState }
  | { task: 'prune-carts' }
  /** Every 5 minutes: expire what lost its job (see StoreCheckoutService.sweepUnpaid). */
  | { task: 'sweep' }
  /** A store order's charger was installed: tell the customer. */
  | { task: 'installed'; installationId: number }
  /** A variant fell below its low-stock threshold: tell ops, once per crossing (alertedAt, ms). */
  | { task: 'low-stock'; variantId: string; alertedAt: number };

export const storeJobId = {
  release: (orderId: number, holdExpiresAt: Date) => `store-release-${orderId}-${holdExpiresAt.getTime()}`,
  expire: (orderId: number) => `store-expire-${orderId}`,
  notify: (orderId: number, state: StoreOrderState) => `store-notify-${orderId}-${state}`,
  installed: (installationId: number) => `store-installed-${installationId}`,
  lowStock: (variantId: string, alertedAt: Date) => `store-lowstock-${variantId}-${alertedAt.getTime()}`,
};

/** States the customer hears about from a job (paid is answered in the chat itself). */
const NOTIFIED: readonly StoreOrderState[] = ['shipped', 'delivered', 'refunded'];

/**
 * StoreEvents as BullMQ jobs. Failures are logged, never thrown: the committed sale or shipment
 * stands even when Redis is down (the 24-hour expiry job is the backstop for a lost release).
 */
export function storeEvents(queue: Queue<StoreJob>, opts: { now: () => Date; logger: Logger }): StoreEvents {
  const safe = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      opts.logger.error({ err, what }, 'store job scheduling failed');
    }
  };
  const delayUntil = (at: Date) => Math.max(0, at.getTime() - opts.now().getTime());
  return {
    orderCreated: (order: StoreOrder) =>
      safe('expire', () => queue.add('expire', { task: 'expire', orderId: order.id }, { jobId: storeJobId.expire(order.id), delay: UNPAID_ORDER_HOURS * 3_600_000 })),
    holdPlaced: (order: StoreOrder) => {
      const due = order.holdExpiresAt ?? opts.now();
      return safe('release', () => queue.add('release', { task: 'expire', orderId: order.id }, { jobId: storeJobId.release(order.id, due), delay: delayUntil(due) }));
    },
    stateChanged: async (order: StoreOrder, _from: StoreOrderState, to: StoreOrderState) => {
      if (!NOTIFIED.includes(to)) return;
      await safe('notify', () => queue.add('notify', { task: 'notify', orderId: order.id, state: to }, { jobId: storeJobId.notify(order.id, to) }));
    },
    installationChanged: async (installation: Installation, to: InstallationState) => {
      if (to !== 'installed') return;
      await safe('installed', () => queue.add('installed', { task: 'installed', installationId: installation.id }, { jobId: storeJobId.installed(installation.id) }));
    },
    lowStock: async (alerts: LowStockAlert[]) => {
      for (const a of alerts) {
        await safe('low-stock', () =>
          queue.add('low-stock', { task: 'low-stock', variantId: a.variantId, alertedAt: a.alertedAt.getTime() }, { jobId: storeJobId.lowStock(a.variantId, a.alertedAt) }),
        );
      }
    },
  };
}

/** Daily: drop carts untouched for 30 days; every 5 minutes: the unpaid-order sweep. Idempotent schedulers. */
export async function scheduleStore(queue: Queue<StoreJob>, timeZone: string): Promise<void> {
  await queue.upsertJobScheduler('store-prune-carts-daily', { pattern: '45 3 * * *', tz: timeZone }, { name: 'prune-carts', data: { task: 'prune-carts' } });
  await queue.upsertJobScheduler('store-sweep', { every: 5 * 60_000 }, { name: 'sweep', data: { task: 'sweep' } });
}
