/**
 * What the chaos run (run.ts) checks at the end, from the database and the calls the customers
 * saw: every successful_payment handed to the bot recorded exactly once, no order made twice by
 * one customer, a receipt for every payment, nothing left pending in the inbox and nothing parked
 * without a reason.
 */
import type { Sql } from 'postgres';
import type { Customers, PaymentSent } from './customers.js';

export interface ChaosFigures {
  payments_sent: number;
  payments_recorded: number;
  duplicates: number;
  orders_doubled: number;
  receipts_missing: number;
  pending: number;
  parked: number;
  kills: number;
  pg_cuts: number;
  redis_restarts: number;
  seconds: number;
}

export interface RoundPayments {
  mode: 'webhook' | 'polling';
  customers: Customers;
  /** Whether "Telegram" handed the payment's update over for good (webhook answered 2xx, or getUpdates' offset moved past it). */
  handedOver: (p: PaymentSent) => boolean;
}

export async function verdict(
  sql: Sql,
  rounds: RoundPayments[],
): Promise<{ figures: Omit<ChaosFigures, 'kills' | 'pg_cuts' | 'redis_restarts' | 'seconds'>; details: Record<string, unknown> }> {
  const sent = rounds.flatMap((r) => r.customers.payments.filter(r.handedOver).map((p) => ({ p, customers: r.customers })));
  const charges = sent.map(({ p }) => p.chargeId);
  const chats = rounds.flatMap((r) => r.customers.chatIds);

  const recordedRows = await sql<Array<{ charge: string; n: number }>>`
    select charge, count(*)::int as n from (
      select telegram_payment_charge_id as charge from payments where telegram_payment_charge_id = any(${charges})
      union all
      select telegram_payment_charge_id from store_payments where telegram_payment_charge_id = any(${charges})
    ) x group by charge`;
  const recorded = new Map(recordedRows.map((r) => [r.charge, r.n]));
  const [unmatched] = await sql<Array<{ n: number }>>`select count(*)::int as n from unmatched_payments where telegram_payment_charge_id = any(${charges})`;
  // Two payments on one order: a doubled order paid twice, or one payment recorded twice.
  const [paidTwice] = await sql<Array<{ n: number }>>`
    select count(*)::int as n from (
      select order_id from payments where telegram_payment_charge_id like 'chaos\\_%' group by order_id having count(*) > 1
      union all
      select order_id from store_payments where telegram_payment_charge_id like 'chaos\\_%' group by order_id having count(*) > 1
    ) x`;
  const doubled = await sql<Array<{ kind: string; n: number }>>`
    select 'car' as kind, count(*)::int as n from (
      select o.customer_id from orders o join customers c on c.id = o.customer_id
      where c.telegram_id = any(${chats}) group by o.customer_id having count(*) > 1) a
    union all
    select 'store', count(*)::int from (
      select o.customer_id from store_orders o join customers c on c.id = o.customer_id
      where c.telegram_id = any(${chats}) group by o.customer_id having count(*) > 1) b`;
  const doubledCar = doubled.find((d) => d.kind === 'car')?.n ?? 0;
  const doubledStore = doubled.find((d) => d.kind === 'store')?.n ?? 0;
  const missing = sent.filter(({ p, customers }) => !customers.receiptFor(p));
  const inbox = await inboxState(sql);

  const duplicates = [...recorded.values()].reduce((s, n) => s + (n - 1), 0) + paidTwice!.n;
  return {
    figures: {
      payments_sent: sent.length,
      payments_recorded: recorded.size,
      duplicates,
      orders_doubled: doubledCar + doubledStore,
      receipts_missing: missing.length,
      pending: inbox.pending,
      parked: inbox.parked,
    },
    details: {
      payments_by_kind: {
        deposit: sent.filter(({ p }) => p.kind === 'deposit').length,
        store: sent.filter(({ p }) => p.kind === 'store').length,
      },
      payments_lost: sent.filter(({ p }) => !recorded.has(p.chargeId)).map(({ p }) => `${p.kind} ${p.chatId} update ${p.updateId}`),
      payments_unmatched: unmatched!.n,
      // Payments "Telegram" still had not handed over when the round ended.
      payments_undelivered: rounds.reduce((s, r) => s + r.customers.payments.filter((p) => !r.handedOver(p)).length, 0),
      orders_doubled_car: doubledCar,
      orders_doubled_store: doubledStore,
      receipts_missing_for: missing.map(({ p }) => `${p.kind} ${p.chatId}`),
      inbox: inbox.note,
      parked_reasons: inbox.reasons,
      parked_without_reason: inbox.withoutReason,
      campaigns: 'not exercised (customers only; no staff composes a campaign in this run)',
    },
  };
}

/** The transactional inbox of issue 10, once it exists: pending rows, and parked rows with their reasons. */
async function inboxState(sql: Sql): Promise<{ pending: number; parked: number; withoutReason: number; reasons: Record<string, number>; note: string }> {
  const [table] = await sql<Array<{ exists: boolean }>>`select to_regclass('inbox_updates') is not null as exists`;
  if (!table?.exists) return { pending: 0, parked: 0, withoutReason: 0, reasons: {}, note: 'no inbox_updates table: pending and parked reported as 0' };
  const columns = (await sql<Array<{ column_name: string }>>`select column_name from information_schema.columns where table_name = 'inbox_updates'`).map((c) => c.column_name);
  const reasonColumn = ['reason', 'parked_reason', 'last_error', 'error'].find((c) => columns.includes(c));
  const [counts] = await sql<Array<{ pending: number; parked: number }>>`
    select count(*) filter (where state = 'pending')::int as pending, count(*) filter (where state = 'parked')::int as parked from inbox_updates`;
  const reasons: Record<string, number> = {};
  let withoutReason = counts!.parked;
  if (reasonColumn) {
    const rows = await sql.unsafe<Array<{ reason: string | null; n: number }>>(
      `select ${reasonColumn}::text as reason, count(*)::int as n from inbox_updates where state = 'parked' group by 1`,
    );
    withoutReason = 0;
    for (const r of rows) {
      if (r.reason === null || r.reason.trim() === '') withoutReason += r.n;
      else reasons[r.reason.slice(0, 120)] = r.n;
    }
  }
  return { pending: counts!.pending, parked: counts!.parked, withoutReason, reasons, note: `inbox_updates (reason column: ${reasonColumn ?? 'none'})` };
}
