import type postgres from 'postgres';

/** Car order states in which the car or the deposit is still on its way: the name and phone are needed to finish. */
const OPEN_CAR_STATES = ['deposit_paid', 'vehicle_allocated', 'ready_for_delivery', 'delivery_scheduled', 'refund_requested'];
/** Store orders paid and not yet delivered (or owed a refund). */
const OPEN_STORE_STATES = ['paid', 'shipped', 'needs_refund'];

/** Something that stops an erasure now: an order that still needs the customer's details. */
export interface ErasureBlocker {
  kind: 'car' | 'store' | 'refund';
  number: string;
  state: string;
}

export type ErasureResult =
  | {
      status: 'erased';
      /** Unpaid car orders cancelled (their invoices can no longer be paid). */
      cancelledOrders: string[];
      /** Unpaid store orders cancelled, stock held for them released. */
      cancelledStoreOrders: string[];
      /** Forum topics of the customer's support conversations, to delete in the support group. */
      supportThreads: number[];
    }
  | { status: 'blocked'; blockers: ErasureBlocker[] }
  | { status: 'not_found' };

/** Who erased the data, in audit rows (the customer's Telegram id is itself personal data). */
export const ERASED_ACTOR = 'customer:erased';

/**
 * `/deletemydata` (GDPR art. 17, PIPL art. 47): a customer's personal data goes, in one
 * transaction, while what the law requires of their orders stays, anonymised: amounts, dates,
 * states, VIN, payment charge ids (accounting and invoice rules keep those for years).
 *
 * In flight: unpaid car and store orders are cancelled (a payment that still arrives for one is
 * refused at pre-checkout, or kept for a refund like any payment for a closed order). An order
 * whose car, parcel or refund is still on its way needs the name and phone to finish, so the
 * erasure is refused with the list of those orders; the customer may ask again once they are done.
 *
 * The customer row stays (orders point to it) without anything that names the person; its
 * telegram_id becomes minus its id, so the next message from that person starts a new customer.
 */
export class ErasureService {
  constructor(private readonly sql: postgres.Sql) {}

  async erase(customerId: number): Promise<ErasureResult> {
    return this.sql.begin(async (tx) => {
      const [customer] = await tx<Array<{ id: number; telegram_id: string }>>`
        select id, telegram_id from customers where id = ${customerId} and erased_at is null for update`;
      if (!customer) return { status: 'not_found' } as const;
      const telegramId = String(customer.telegram_id);
      const blockers = await tx<ErasureBlocker[]>`
        select 'car' as kind, number, state from orders where customer_id = ${customerId} and state = any(${OPEN_CAR_STATES})
        union all
        select 'store', number, state from store_orders where customer_id = ${customerId} and state = any(${OPEN_STORE_STATES})
        union all
        select 'refund', o.number, p.status from payments p join orders o on o.id = p.order_id
          where o.customer_id = ${customerId} and p.status = 'refund_needed'
        union all
        select 'refund', o.number, p.status from store_payments p join store_orders o on o.id = p.order_id
          where o.customer_id = ${customerId} and p.status = 'refund_needed'
        order by 2`;
      if (blockers.length > 0) return { status: 'blocked', blockers: [...blockers] } as const;

      const cancelled = await tx<Array<{ id: number; number: string }>>`
        update orders set state = 'cancelled', updated_at = now()
        where customer_id = ${customerId} and state = 'awaiting_deposit' returning id, number`;
      for (const o of cancelled) {
        await tx`insert into order_events (order_id, subject, from_state, to_state, actor, note)
          values (${o.id}, 'order', 'awaiting_deposit', 'cancelled', ${ERASED_ACTOR}, 'data_erased')`;
      }
      const storeCancelled = await tx<Array<{ id: number; number: string; held: boolean }>>`
        update store_orders s set state = 'cancelled', hold_expires_at = null, updated_at = now()
        from (select id, hold_expires_at is not null as held from store_orders
              where customer_id = ${customerId} and state = 'pending_payment' for update) o
        where s.id = o.id returning s.id, s.number, o.held`;
      for (const o of storeCancelled) {
        if (o.held) {
          await tx`update store_variants v set held = v.held - l.qty
            from (select variant_id, sum(qty)::int as qty from store_order_lines where order_id = ${o.id} group by variant_id) l
            where v.id = l.variant_id`;
        }
        await tx`insert into store_order_events (order_id, from_state, to_state, actor, note)
          values (${o.id}, 'pending_payment', 'cancelled', ${ERASED_ACTOR}, ${o.held ? 'data_erased; hold released' : 'data_erased'})`;
      }

      // What the law keeps, without the person: orders, payments, bookings, installations.
      await tx`update orders set contact_name = '', phone = '', city = '', updated_at = now() where customer_id = ${customerId}`;
      await tx`update order_events set actor = ${ERASED_ACTOR}
        where actor = ${`customer:${telegramId}`} and order_id in (select id from orders where customer_id = ${customerId})`;
      await tx`update payments set payer_telegram_id = 0 where order_id in (select id from orders where customer_id = ${customerId})`;
      await tx`update bookings set address = null where order_id in (select id from orders where customer_id = ${customerId})
        or store_order_id in (select id from store_orders where customer_id = ${customerId})`;
      await tx`update installations set address = '' where order_id in (select id from orders where customer_id = ${customerId})
        or store_order_id in (select id from store_orders where customer_id = ${customerId})`;
      await tx`update store_orders set recipient = null, phone = null, address = null where customer_id = ${customerId}`;
      await tx`update store_payments set payer_telegram_id = 0 where order_id in (select id from store_orders where customer_id = ${customerId})`;
      await tx`update store_order_events set actor = ${ERASED_ACTOR}
        where actor = ${`customer:${telegramId}`} and order_id in (select id from store_orders where customer_id = ${customerId})`;

      // Personal data that nothing needs to keep.
      await tx`delete from store_addresses where customer_id = ${customerId}`;
      await tx`delete from cart_items where customer_id = ${customerId}`;
      await tx`delete from delivery_waitlist where customer_id = ${customerId}`;
      await tx`delete from customer_model_views where customer_id = ${customerId}`;
      await tx`delete from marketing_consent_log where customer_id = ${customerId}`;
      await tx`update campaign_recipients set state = case when state in ('pending', 'sending') then 'cancelled' else state end, chat_id = 0
        where customer_id = ${customerId}`;
      await tx`delete from support_messages where customer_id = ${customerId}`;
      await tx`update support_conversations set card_text = null, waiting_since = null,
          status = 'closed', closed_at = coalesce(closed_at, now()), closed_by = coalesce(closed_by, 'customer'), updated_at = now()
        where customer_id = ${customerId}`;
      const topics = await tx<Array<{ thread_id: number }>>`delete from support_topics where customer_id = ${customerId} returning thread_id`;
      await tx`delete from conversation_states where chat_id = ${telegramId}`;
      // Updates already handled (their payloads hold names, phones, addresses); parked ones wait for ops.
      await tx`delete from inbox_updates where state = 'done' and (chat_key = ${telegramId} or chat_key = ${`${telegramId}:pay`})`;
      await tx`update customers set telegram_id = -id, first_name = '', last_name = null, username = null, phone = null,
          marketing_consent = null, source = null, last_source = null, blocked = false, erased_at = now(), updated_at = now()
        where id = ${customerId}`;
      return {
        status: 'erased',
        cancelledOrders: cancelled.map((o) => o.number),
        cancelledStoreOrders: storeCancelled.map((o) => o.number),
        supportThreads: topics.map((t) => t.thread_id),
      } as const;
    });
  }
}
