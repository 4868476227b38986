import type { Installation, InstallationState, StoreOrder, StoreOrderState } from '../../db/schema/index.js';
import type { DomainEvents } from '../events.js';
import type { LowStockAlert } from '../stock/low-stock.js';

/**
 * What the store tells the rest of the system after a commit: the store queue (src/jobs/store/)
 * schedules hold releases and customer notices. Listeners must not throw (log instead).
 */
export interface StoreEvents {
  orderCreated(order: StoreOrder): Promise<void>;
  /** A hold was placed or extended: its release is due at `order.holdExpiresAt`. */
  holdPlaced(order: StoreOrder): Promise<void>;
  stateChanged(order: StoreOrder, from: StoreOrderState, to: StoreOrderState, actor: string): Promise<void>;
  /** A store order's charger installation (a Wall Connector without a car order) changed state. */
  installationChanged?(installation: Installation, to: InstallationState): Promise<void>;
  /** Sold below their low-stock threshold, not alerted since their last restock: ops are told once (src/domain/stock). */
  lowStock?(alerts: LowStockAlert[]): Promise<void>;
}

/**
 * The domain's events, with a store order's installation changes also passed to the store's
 * listeners (the reminders, which tell car-order customers, skip those: they need a car order).
 */
export function withStoreInstallations(hooks: DomainEvents, store: StoreEvents): DomainEvents {
  return {
    ...hooks,
    installationChanged: async (installation, from, to, actor) => {
      await hooks.installationChanged(installation, from, to, actor);
      if (installation.storeOrderId !== null && store.installationChanged) await store.installationChanged(installation, to);
    },
  };
}

const noop = () => Promise.resolve();
export const noStoreEvents: StoreEvents = { orderCreated: noop, holdPlaced: noop, stateChanged: noop };
