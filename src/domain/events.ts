import type { Booking, Installation, InstallationState, Order, OrderState, Slot } from '../db/schema/index.js';

/**
 * What the domain tells the rest of the system after a change is committed: the reminder
 * scheduler and the customer notifications listen (src/jobs/). Domain services never import
 * BullMQ or telegraf; they call these hooks, which must not throw (log instead).
 */
export interface DomainEvents {
  orderCreated(order: Order): Promise<void>;
  orderStateChanged(order: Order, from: OrderState | null, to: OrderState, actor: string): Promise<void>;
  bookingMade(booking: Booking & { slot: Slot }, replaced: number | null): Promise<void>;
  bookingCancelled(booking: Booking): Promise<void>;
  installationChanged(installation: Installation, from: InstallationState | null, to: InstallationState, actor: string): Promise<void>;
}

const noop = () => Promise.resolve();

/** For tests and tools that want the domain without side effects. */
export const noEvents: DomainEvents = {
  orderCreated: noop,
  orderStateChanged: noop,
  bookingMade: noop,
  bookingCancelled: noop,
  installationChanged: noop,
};

/** Several listeners behind one DomainEvents; each is isolated from the others' failures. */
export function fanOut(listeners: DomainEvents[], onError: (err: unknown, event: string) => void): DomainEvents {
  const call =
    <K extends keyof DomainEvents>(event: K) =>
    async (...args: Parameters<DomainEvents[K]>) => {
      for (const l of listeners) {
        try {
          await (l[event] as (...a: Parameters<DomainEvents[K]>) => Promise<void>)(...args);
        } catch (err) {
          onError(err, event);
        }
      }
    };
  return {
    orderCreated: call('orderCreated'),
    orderStateChanged: call('orderStateChanged'),
    bookingMade: call('bookingMade'),
    bookingCancelled: call('bookingCancelled'),
    installationChanged: call('installationChanged'),
  };
}
