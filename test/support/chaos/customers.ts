/**
 * Customers of the chaos run (test/support/chaos/run.ts): each plays a car order through to a paid
 * deposit (/start → Browse → model → Configure → trim, paint, wheels, interior → Order → name →
 * phone → city → invoice → pre_checkout_query → successful_payment → receipt) and then a store
 * order (Store → Accessories → screen protector → Add → Cart → Checkout → invoice → shipping form
 * → pre_checkout_query → successful_payment → receipt).
 *
 * They behave like people, not like a test script: each step waits for what the customer expects
 * to see (the next button, the invoice, the pre-checkout answer) and, when it does not come within
 * `replyTimeoutMs`, does it again — presses the button again, types the text again, taps Pay
 * again — up to `maxAttempts` times, then gives up (an abandoned journey). A successful_payment is
 * never repeated by the customer: Telegram sends it once (and redelivers it as its webhook or
 * getUpdates rules say), which is what the run checks.
 */
import type { Update } from 'telegraf/types';
import { cb } from '../../../src/telegram/callback-data.js';
import type { BotApiStandIn, RecordedCall } from '../bot-api-stand-in.js';
import {
  callbackUpdate,
  preCheckoutUpdate,
  preCheckoutWithShippingUpdate,
  SAMPLE_ORDER_INFO,
  shippingQueryUpdate,
  successfulPaymentUpdate,
  successfulPaymentWithShippingUpdate,
  textUpdate,
  type UpdateDraft,
} from '../updates.js';
import { sleep } from '../wait.js';
import { APOLOGIES, ASK_PHONE, Customer, exact, final, planner, type Plan } from './customer.js';

export { rng } from './customer.js';

/** The first answer (not an apology) to any of the queries. */
const firstFinal = (c: Customer, queryIds: string[]) => queryIds.map((id) => final(c.answerTo(id))).find((a) => a !== null) ?? null;

/** How a customer's update reaches the bot: the webhook delivery or the getUpdates queue. */
export type Send = (update: UpdateDraft) => Update;

/** The store variant every customer buys (its stock is raised for the run). */
export const CHAOS_VARIANT = 'screen';
const CHAOS_PRODUCT = 'screen-protector';

/** A payment a customer made: the successful_payment update Telegram was given to deliver. */
export interface PaymentSent {
  chatId: number;
  kind: 'deposit' | 'store';
  chargeId: string;
  updateId: number;
  payload: string;
  /** The customers' call sequence number when the payment was sent: its receipt comes after it. */
  seq: number;
}

interface Invoice {
  payload: string;
  amount: number;
  flexible: boolean;
}

export interface CustomerOptions {
  replyTimeoutMs: number;
  maxAttempts: number;
  /** Pause between a reply and the customer's next action (a random share of it). */
  thinkMs: number;
}

/**
 * A customer's action: the first try of a step (`step` is its name, e.g. 'confirm' for "agree and
 * pay", 'checkout'), or a payment sent (`deposit_payment`, `store_payment`). The scripted faults of
 * run.ts wait for these, so that a fault hits a journey at a chosen point whatever the timing.
 */
export interface Progress {
  chatId: number;
  step: string;
}

/** The customers of one round: routes the stand-in's calls to them and plays their journeys. */
export class Customers {
  readonly payments: PaymentSent[] = [];
  /** Presses and texts sent again because the expected answer did not come in time. */
  retries = 0;
  /** Apologies (errors.generic) customers saw, in messages or pre-checkout refusals. */
  apologies = 0;
  journeysDone = 0;
  private seq = 0;
  private readonly byChat = new Map<number, Customer>();
  private readonly byQuery = new Map<string, Customer>();
  private readonly unsubscribe: () => void;
  private readonly plan: (n: number) => Plan;
  private readonly listeners = new Set<(p: Progress) => void>();
  private stopped = false;

  constructor(
    api: BotApiStandIn,
    private readonly send: Send,
    private readonly options: CustomerOptions,
    private readonly random: () => number,
  ) {
    this.plan = planner(random);
    this.unsubscribe = api.onCall((call) => this.route(call));
  }

  /** The call-log position now (payments and receipts are compared by it). */
  get now(): number {
    return this.seq;
  }

  get abandoned(): Array<{ id: number; step: string }> {
    return [...this.byChat.values()].flatMap((c) => (c.abandonedAt ? [{ id: c.id, step: c.abandonedAt }] : []));
  }

  get refusals(): Array<{ id: number; reason: string }> {
    return [...this.byChat.values()].flatMap((c) => (c.refused ? [{ id: c.id, reason: c.refused }] : []));
  }

  /** Whether the chat got a receipt for `payment` (a message after it with the paid order's button). */
  receiptFor(payment: PaymentSent): boolean {
    const c = this.byChat.get(payment.chatId);
    const orderId = Number(payment.payload.split(':')[1]);
    // The deposit receipt offers a preferred delivery week (delivery itself is booked once the car is ready).
    const data = payment.kind === 'deposit' ? cb.preferWeek.pack({ orderId }) : cb.storeOrder.pack({ orderId });
    return !!c?.button(exact(data), payment.seq);
  }

  /** Customer chat ids played in this round. */
  get chatIds(): number[] {
    return [...this.byChat.keys()];
  }

  /** Calls `listener` at each customer's action (see Progress); returns the unsubscribe. */
  onProgress(listener: (p: Progress) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Customers still on their way give up now (their waits end at once). */
  stop(): void {
    this.stopped = true;
    for (const c of this.byChat.values()) c.wake();
  }

  close(): void {
    this.stop();
    this.listeners.clear();
    this.unsubscribe();
  }

  private progress(chatId: number, step: string): void {
    for (const listener of this.listeners) listener({ chatId, step });
  }

  private route(call: RecordedCall): void {
    if (!call.response.ok) return;
    const p = call.params;
    let c: Customer | undefined;
    if (p.chat_id !== undefined) c = this.byChat.get(Number(p.chat_id));
    else {
      const q = p.callback_query_id ?? p.pre_checkout_query_id ?? p.shipping_query_id;
      if (q !== undefined) c = this.byQuery.get(String(q));
    }
    c?.see({ seq: ++this.seq, call });
  }

  /** Plays one customer's car order and store order; resolves when done or given up. */
  async play(id: number, n: number): Promise<void> {
    const c = new Customer(id, this.plan(n));
    this.byChat.set(id, c);
    const ok = (await this.carJourney(c)) && (await this.storeJourney(c));
    if (ok) this.journeysDone++;
  }

  private think(): Promise<void> {
    return sleep(this.random() * this.options.thinkMs);
  }

  /**
   * Sends what `act` builds until `done` sees the expected answer (each attempt waits
   * `replyTimeoutMs`, looking again at each call to the chat); null when the customer gives up or
   * `act` has nothing to send. When `again` says so, the next attempt comes at once (a detour
   * press led back to the screen the step needs).
   */
  private async step<T>(
    c: Customer,
    name: string,
    act: () => UpdateDraft | null,
    done: (since: number) => T | null | undefined,
    again?: (since: number) => boolean,
  ): Promise<T | null> {
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      if (this.stopped) break;
      const since = this.seq;
      const update = act();
      if (!update) break;
      if (attempt > 1) this.retries++;
      else this.progress(c.id, name);
      this.send(update);
      const until = Date.now() + this.options.replyTimeoutMs;
      while (!this.stopped) {
        const seen = done(since);
        if (seen) {
          await this.think();
          return seen;
        }
        // "Sorry, something went wrong": the customer tries again straight away.
        if (c.textSince(since, APOLOGIES)) {
          this.apologies++;
          await this.think();
          break;
        }
        if (Date.now() >= until || again?.(since)) break;
        await c.nextCall(until - Date.now());
      }
    }
    c.abandonedAt ??= name;
    return null;
  }

  /**
   * Presses the newest button passing `test` until `expect` sees the answer. `detour`: a button
   * that leads back to that button's screen; when the newest screen offers it instead (the chat
   * went somewhere else, e.g. a text sent twice answered the next question too), a person presses
   * that first.
   */
  private press(c: Customer, name: string, test: (d: string) => boolean, expect: (since: number) => unknown, detour?: (d: string) => boolean): Promise<unknown> {
    let detoured = false;
    return this.step(
      c,
      name,
      () => {
        const way = detour ? c.button(detour) : null;
        const button = c.button(test);
        detoured = !!way && (!button || way.seq > button.seq);
        const target = detoured ? way : button;
        if (!target) return null;
        const update = callbackUpdate(c.user, target.data, { messageId: target.message.message_id });
        update.callback_query.message = target.message;
        this.byQuery.set(update.callback_query.id, c);
        return update;
      },
      expect,
      (since) => detoured && !!c.button(test, since),
    );
  }

  private async carJourney(c: Customer): Promise<boolean> {
    const p = c.plan;
    const has = (data: string) => (since: number) => c.button(exact(data), since);
    if (!(await this.step(c, 'start', () => textUpdate(c.user, '/start'), has(cb.models.pack({}))))) return false;
    if (!(await this.press(c, 'browse', exact(cb.models.pack({})), has(cb.model.pack({ modelId: p.modelId }))))) return false;
    if (!(await this.press(c, 'model', exact(cb.model.pack({ modelId: p.modelId })), has(cb.configure.pack({ modelId: p.modelId }))))) return false;
    const steps = ['trim', 'paint', 'wheels', 'interior'] as const;
    const choose = (i: number) => cb.choose.pack({ step: steps[i]!, optionId: p.picks[i]! });
    if (!(await this.press(c, 'configure', exact(cb.configure.pack({ modelId: p.modelId })), has(choose(0))))) return false;
    for (let i = 0; i < 4; i++) {
      const next = i < 3 ? has(choose(i + 1)) : has(cb.orderStart.pack({}));
      if (!(await this.press(c, steps[i]!, exact(choose(i)), next))) return false;
    }
    // The name question (its Back button), then the phone question (or, the name having gone through
    // while its answer was lost, the complaint that the name is no phone number).
    if (!(await this.press(c, 'order', exact(cb.orderStart.pack({})), has(cb.back.pack({ to: 'summary' }))))) return false;
    if (
      !(await this.step(
        c,
        'name',
        () => textUpdate(c.user, p.name),
        (since) => c.textSince(since, ASK_PHONE),
      ))
    )
      return false;
    const city = cb.city.pack({ city: p.city });
    if (!(await this.step(c, 'phone', () => textUpdate(c.user, p.phone), has(city)))) return false;
    // The confirmation screen (configuration, price, deposit terms): "agree and pay" places the order.
    const confirm = cb.orderConfirm.pack({});
    // A phone number sent twice (the customer tried again while the bot retried the first) is taken
    // for a city without delivery: "choose a city from the list" leads back.
    if (!(await this.press(c, 'city', exact(city), has(confirm), exact(cb.orderEdit.pack({ field: 'city' }))))) return false;
    const invoice = await this.press(c, 'confirm', exact(confirm), (since) => this.invoiceSince(c, since));
    if (!invoice) return false;
    return this.pay(c, 'deposit', invoice as Invoice);
  }

  private async storeJourney(c: Customer): Promise<boolean> {
    const has = (test: (d: string) => boolean) => (since: number) => c.button(test, since);
    const home = exact(cb.storeHome.pack({}));
    const category = (d: string) => cb.storeCategory.unpack(d)?.category === 'accessories';
    const product = exact(cb.storeProduct.pack({ productId: CHAOS_PRODUCT }));
    const add = (d: string) => cb.storeAdd.unpack(d)?.variantId === CHAOS_VARIANT;
    const cart = exact(cb.storeCart.pack({}));
    const checkout = exact(cb.storeCheckout.pack({}));
    const address = (d: string) => cb.storeAddress.unpack(d) !== null;
    if (!(await this.step(c, 'store_start', () => textUpdate(c.user, '/start'), has(home)))) return false;
    if (!(await this.press(c, 'store', home, has(category)))) return false;
    if (!(await this.press(c, 'category', category, has(product)))) return false;
    if (!(await this.press(c, 'product', product, has(add)))) return false;
    if (!(await this.press(c, 'add', add, has(cart)))) return false;
    if (!(await this.press(c, 'cart', cart, has(checkout)))) return false;
    const seenInvoiceOrAddress = (since: number) => this.invoiceSince(c, since) ?? (c.button(address, since) ? 'address' : null);
    let invoice = await this.press(c, 'checkout', checkout, seenInvoiceOrAddress);
    // A saved address (a second checkout): its button leads to the invoice.
    if (invoice === 'address') invoice = await this.press(c, 'address', address, (since) => this.invoiceSince(c, since));
    if (!invoice || invoice === 'address') return false;
    return this.pay(c, 'store', invoice as Invoice);
  }

  private invoiceSince(c: Customer, since: number): Invoice | null {
    const call = c.messageSince(since, 'sendInvoice');
    if (!call) return null;
    const prices = (typeof call.params.prices === 'string' ? JSON.parse(call.params.prices) : call.params.prices) as Array<{ amount: number }>;
    const flexible = call.params.is_flexible === true || call.params.is_flexible === 'true';
    return { payload: String(call.params.payload), amount: prices.reduce((s, x) => s + x.amount, 0), flexible };
  }

  /** Shipping form (flexible invoices), Pay (pre-checkout), then the payment Telegram sends once. */
  private async pay(c: Customer, kind: 'deposit' | 'store', invoice: Invoice): Promise<boolean> {
    let amount = invoice.amount;
    let shippingOptionId: string | undefined;
    const orderInfo = invoice.flexible ? SAMPLE_ORDER_INFO : undefined;
    if (invoice.flexible) {
      // The answer to any of the tries will do: a late answer to the first is as good as one to the last.
      const queryIds: string[] = [];
      const answer = await this.step(
        c,
        'shipping',
        () => {
          const q = shippingQueryUpdate(c.user, { payload: invoice.payload });
          queryIds.push(q.shipping_query.id);
          this.byQuery.set(q.shipping_query.id, c);
          return q;
        },
        () => firstFinal(c, queryIds),
      );
      if (!answer) return false;
      if (answer.params.ok !== true) {
        c.refused = `shipping refused: ${String(answer.params.error_message)}`;
        return false;
      }
      const options = (typeof answer.params.shipping_options === 'string' ? JSON.parse(answer.params.shipping_options) : answer.params.shipping_options) as Array<{
        id: string;
        prices: Array<{ amount: number }>;
      }>;
      const option = options.find((o) => o.id === 'standard') ?? options[0]!;
      shippingOptionId = option.id;
      amount += option.prices.reduce((s, x) => s + x.amount, 0);
    }
    const queryIds: string[] = [];
    const answer = await this.step(
      c,
      `${kind}_pre_checkout`,
      () => {
        const q = invoice.flexible
          ? preCheckoutWithShippingUpdate(c.user, { payload: invoice.payload, currency: 'CNY', totalAmount: amount, shippingOptionId, orderInfo })
          : preCheckoutUpdate(c.user, { payload: invoice.payload, currency: 'CNY', totalAmount: amount });
        queryIds.push(q.pre_checkout_query.id);
        this.byQuery.set(q.pre_checkout_query.id, c);
        return q;
      },
      () => firstFinal(c, queryIds),
    );
    if (!answer) return false;
    if (answer.params.ok !== true) {
      c.refused = `${kind} pre-checkout refused: ${String(answer.params.error_message)}`;
      return false;
    }
    const chargeId = `chaos_${kind}_${c.id}_${Math.floor(this.random() * 1e9).toString(36)}`;
    const paymentOptions = { payload: invoice.payload, currency: 'CNY', totalAmount: amount, telegramChargeId: chargeId, providerChargeId: `prov_${chargeId}` };
    const update = invoice.flexible
      ? successfulPaymentWithShippingUpdate(c.user, { ...paymentOptions, shippingOptionId, orderInfo })
      : successfulPaymentUpdate(c.user, paymentOptions);
    const seq = this.seq;
    const sent = this.send(update);
    const payment: PaymentSent = { chatId: c.id, kind, chargeId, updateId: sent.update_id, payload: invoice.payload, seq };
    this.payments.push(payment);
    this.progress(c.id, `${kind}_payment`);
    // The customer waits a while for the receipt, and goes on either way (the run checks it at the end).
    const until = Date.now() + this.options.replyTimeoutMs * 2;
    while (Date.now() < until && !this.stopped && !this.receiptFor(payment)) await c.nextCall(until - Date.now());
    await this.think();
    return true;
  }
}
