/**
 * The scale-out run's customers (run.ts): each plays a car order up to its deposit invoice
 * (/start → Browse → model → Configure → trim, paint, wheels, interior → Order → name → phone →
 * city → Agree and pay → invoice) and leaves it unpaid, so the deposit reminder (30 min later)
 * is theirs to receive. Unlike the chaos customers they never press twice: each step waits for
 * the answer it expects, and a step that gets none (or an apology) is an error of the run.
 */
import type { Update } from 'telegraf/types';
import { cb } from '../../../src/telegram/callback-data.js';
import type { BotApiStandIn, RecordedCall } from '../bot-api-stand-in.js';
import { APOLOGIES, ASK_PHONE, Customer, exact, type Plan } from '../chaos/customer.js';
import { callbackDataIn } from '../chat.js';
import { callbackUpdate, textUpdate, type UpdateDraft } from '../updates.js';
import { sleep } from '../wait.js';

export type Send = (update: UpdateDraft) => Update;

export class ScaleCustomers {
  /** Steps that got no expected answer in time, or an apology: `<customer>:<step>`. */
  readonly errors: string[] = [];
  journeysDone = 0;
  private seq = 0;
  private readonly byChat = new Map<number, Customer>();
  private readonly byQuery = new Map<string, Customer>();
  private readonly unsubscribe: () => void;

  constructor(
    api: BotApiStandIn,
    private readonly send: Send,
    private readonly replyTimeoutMs: number,
  ) {
    this.unsubscribe = api.onCall((call) => this.route(call));
  }

  /** What the bot sent to (or answered) customer `id`, in order. */
  callsOf(id: number): RecordedCall[] {
    return this.byChat.get(id)?.seen.map((s) => s.call) ?? [];
  }

  close(): void {
    this.unsubscribe();
  }

  private route(call: RecordedCall): void {
    if (!call.response.ok) return;
    const p = call.params;
    const c = p.chat_id !== undefined ? this.byChat.get(Number(p.chat_id)) : p.callback_query_id !== undefined ? this.byQuery.get(String(p.callback_query_id)) : undefined;
    c?.seen.push({ seq: ++this.seq, call });
  }

  private async step(c: Customer, name: string, update: UpdateDraft | null, done: (since: number) => unknown): Promise<boolean> {
    if (!update) {
      this.errors.push(`${c.id}:${name}:no-button`);
      return false;
    }
    const since = this.seq;
    this.send(update);
    const until = Date.now() + this.replyTimeoutMs;
    while (Date.now() < until) {
      if (done(since)) return true;
      if (c.textSince(since, APOLOGIES)) break;
      await sleep(25);
    }
    this.errors.push(`${c.id}:${name}`);
    return false;
  }

  private pressUpdate(c: Customer, data: string): UpdateDraft | null {
    const target = c.button(exact(data));
    if (!target) return null;
    const update = callbackUpdate(c.user, target.data, { messageId: target.message.message_id });
    update.callback_query.message = target.message;
    this.byQuery.set(update.callback_query.id, c);
    return update;
  }

  /** Plays one customer's journey up to the invoice; false at the first step that went wrong. */
  async play(id: number, p: Plan): Promise<boolean> {
    const c = new Customer(id, p);
    this.byChat.set(id, c);
    const has = (data: string) => (since: number) => c.button(exact(data), since);
    const press = (name: string, data: string, next: (since: number) => unknown) => this.step(c, name, this.pressUpdate(c, data), next);
    const steps = ['trim', 'paint', 'wheels', 'interior'] as const;
    const choose = (i: number) => cb.choose.pack({ step: steps[i]!, optionId: p.picks[i]! });
    const city = cb.city.pack({ city: p.city });
    const confirm = cb.orderConfirm.pack({});
    const ok =
      (await this.step(c, 'start', textUpdate(c.user, '/start'), has(cb.models.pack({})))) &&
      (await press('browse', cb.models.pack({}), has(cb.model.pack({ modelId: p.modelId })))) &&
      (await press('model', cb.model.pack({ modelId: p.modelId }), has(cb.configure.pack({ modelId: p.modelId })))) &&
      (await press('configure', cb.configure.pack({ modelId: p.modelId }), has(choose(0)))) &&
      (await press('trim', choose(0), has(choose(1)))) &&
      (await press('paint', choose(1), has(choose(2)))) &&
      (await press('wheels', choose(2), has(choose(3)))) &&
      (await press('interior', choose(3), has(cb.orderStart.pack({})))) &&
      (await press('order', cb.orderStart.pack({}), has(cb.back.pack({ to: 'summary' })))) &&
      (await this.step(c, 'name', textUpdate(c.user, p.name), (since) => c.textSince(since, ASK_PHONE))) &&
      (await this.step(c, 'phone', textUpdate(c.user, p.phone), has(city))) &&
      (await press('city', city, has(confirm))) &&
      (await press('confirm', confirm, (since) => c.messageSince(since, 'sendInvoice')));
    if (ok) this.journeysDone++;
    return ok;
  }
}

/** The deposit reminder a customer got: a message after the invoice with the Pay button of their order. */
export const reminderCalls = (calls: RecordedCall[], orderId: number): RecordedCall[] => {
  const invoiceAt = calls.findIndex((c) => c.method === 'sendInvoice');
  const pay = cb.pay.pack({ orderId });
  return calls.slice(invoiceAt + 1).filter((c) => c.method === 'sendMessage' && callbackDataIn(c).includes(pay));
};
