import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.js';
import { installations, orderEvents, storeOrderEvents, type Installation, type InstallationState } from '../../db/schema/index.js';

type DbOrTx = Db | Tx;

/**
 * An installation belongs to a car order or, for a Wall Connector bought in the store by a
 * customer without a car order that can take it, to a store order (exactly one is set; a CHECK
 * in the database says so). Its audit rows go to that order's trail: order_events with subject
 * 'installation', or store_order_events with states prefixed 'installation_'.
 */
export async function auditInstallation(
  tx: DbOrTx,
  owner: Pick<Installation, 'orderId' | 'storeOrderId'>,
  from: InstallationState | null,
  to: InstallationState,
  actor: string,
  note?: string,
): Promise<void> {
  if (owner.orderId !== null) {
    await tx.insert(orderEvents).values({ orderId: owner.orderId, subject: 'installation', fromState: from, toState: to, actor, note: note ?? null });
  } else if (owner.storeOrderId !== null) {
    await tx.insert(storeOrderEvents).values({
      orderId: owner.storeOrderId,
      fromState: from ? `installation_${from}` : null,
      toState: `installation_${to}`,
      actor,
      note: note ?? null,
    });
  }
}

/** Cancels a store order's open installation (if any) inside `tx`, with its audit rows. */
export async function closeStoreInstallations(tx: DbOrTx, storeOrderId: number, actor: string): Promise<Array<{ installation: Installation; from: InstallationState }>> {
  const open = await tx
    .select()
    .from(installations)
    .where(and(eq(installations.storeOrderId, storeOrderId), inArray(installations.state, ['requested', 'scheduled'])))
    .for('update');
  const out: Array<{ installation: Installation; from: InstallationState }> = [];
  for (const i of open) {
    const [updated] = await tx
      .update(installations)
      .set({ state: 'cancelled', updatedAt: sql`now()` })
      .where(eq(installations.id, i.id))
      .returning();
    await auditInstallation(tx, i, i.state, 'cancelled', actor);
    out.push({ installation: updated!, from: i.state });
  }
  return out;
}
