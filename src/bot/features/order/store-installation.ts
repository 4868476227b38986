import type { StoreOrderView } from '../../../domain/store/checkout.js';
import { storeInstallable } from '../../../domain/store/rules.js';
import type { BotContext } from '../../context.js';
import type { StoreInstallInfo } from '../../../telegram/screens/store-orders.js';

/**
 * A store order's charger installation for its screen in "My orders": the live booking (with
 * reschedule and cancel), a finished installation, or the way to book one. A store order gets
 * its own booking only when no car order of the customer has an installation already.
 */
export async function storeInstallInfo(ctx: BotContext, view: StoreOrderView): Promise<StoreInstallInfo | null> {
  if (!view.lines.some((l) => l.needsInstallation)) return null;
  const { bookings } = ctx.deps.services;
  const installed = (await bookings.installationsOfStoreOrder(view.order.id)).find((i) => i.state === 'installed') ?? null;
  // Once installed, its booking (still 'active', as for car orders) is history: no reschedule or cancel.
  const active = installed ? null : await bookings.activeForStoreOrder(view.order.id);
  const booking = active ? { ...active, centre: await bookings.centre(active.slot.centreId) } : null;
  const canBook = !booking && !installed && storeInstallable(view) && !(await bookings.hasCarInstallation(ctx.account.id));
  return { booking, installed, canBook };
}
