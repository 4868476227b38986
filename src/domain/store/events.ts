import type { StoreOrder, StoreOrderState } from '../../db/schema/index.js';

/**
 * What the store tells the rest of the system after a commit: the store queue (src/jobs/store/)
 * schedules hold releases and customer notices. Listeners must not throw (log instead).
 */
export interface StoreEvents {
  orderCreated(order: StoreOrder): Promise<void>;
  holdPlaced(order: StoreOrder): Promise<void>;
  stateChanged(order: StoreOrder, from: StoreOrderState, to: StoreOrderState, actor: string): Promise<void>;
}

const noop = async () => undefined;
export const noStoreEvents: StoreEvents = { orderCreated: noop, holdPlaced: noop, stateChanged: noop };
