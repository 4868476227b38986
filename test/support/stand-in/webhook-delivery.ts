/**
 * Webhook delivery as Telegram does it, for runs with several bot processes behind one webhook
 * (test/support/chaos/): updates are queued, each chat's updates go one at a time in update_id order
 * (the Bot API server keeps a queue per chat), chats in parallel up to `maxConnections`, spread
 * over the `targets` (a load balancer in front of the bot processes). An update that is not
 * answered 2xx (an error status, a refused or cut connection, a timeout) is delivered again after
 * a pause that grows to `maxBackoffMs`, for as long as the delivery runs; the chat's later updates
 * wait behind it.
 */
import type { Update } from 'telegraf/types';
import type { BotApiStandIn } from '../bot-api-stand-in.js';
import { nextUpdateId, type UpdateDraft } from '../updates.js';

export interface WebhookDeliveryOptions {
  /** Webhook URLs of the bot processes; deliveries take turns. */
  targets: string[];
  /** The secret token sent with every delivery. */
  secret: string;
  /** Chats delivered to at once (setWebhook's max_connections; default 40). */
  maxConnections?: number;
  /** A POST not answered within this time counts as failed (default 60 s, as Telegram's). */
  timeoutMs?: number;
  /** First pause before a redelivery (default 250 ms), doubled each failure up to `maxBackoffMs` (default 3 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
}

interface Entry {
  update: Update;
  attempts: number;
}

export class WebhookDelivery {
  /** update_ids answered 2xx at least once (acknowledged: Telegram forgets them). */
  readonly acknowledged = new Set<number>();
  /** Deliveries that failed (and were retried). */
  failures = 0;
  /** Deliveries per HTTP status ('error' for a transport failure). */
  readonly statuses = new Map<string, number>();
  private readonly chats = new Map<string, Entry[]>();
  /** Chats with a delivery in flight (their queue is being worked on). */
  private readonly busy = new Set<string>();
  /** Chats waiting for a free connection, in order. */
  private readonly ready: string[] = [];
  private active = 0;
  private turn = 0;
  private stopped = false;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly api: BotApiStandIn,
    private readonly options: WebhookDeliveryOptions,
  ) {
    if (options.targets.length === 0) throw new Error('WebhookDelivery: no targets');
  }

  /** Updates queued or in flight. */
  get pending(): number {
    let n = 0;
    for (const queue of this.chats.values()) n += queue.length;
    return n;
  }

  /** Queues an update (given an update_id unless it has one) and returns it. */
  enqueue(draft: UpdateDraft | Update): Update {
    const update: Update = { ...draft, update_id: draft.update_id ?? nextUpdateId() };
    const chat = chatKey(update);
    const queue = this.chats.get(chat);
    if (queue) queue.push({ update, attempts: 0 });
    else {
      this.chats.set(chat, [{ update, attempts: 0 }]);
      this.ready.push(chat);
    }
    this.pump();
    return update;
  }

  /** Resolves once every queued update has been acknowledged (or `timeoutMs` passed: false). */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.pending === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = this.idleWaiters.indexOf(done);
        if (i >= 0) this.idleWaiters.splice(i, 1);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  /** Stops delivering (what is in flight finishes; nothing is retried any more). */
  stop(): void {
    this.stopped = true;
  }

  private pump(): void {
    const max = this.options.maxConnections ?? 40;
    while (!this.stopped && this.active < max && this.ready.length > 0) {
      const chat = this.ready.shift()!;
      if (this.busy.has(chat)) continue;
      this.busy.add(chat);
      this.active++;
      void this.work(chat).finally(() => {
        this.active--;
        this.busy.delete(chat);
        if ((this.chats.get(chat)?.length ?? 0) > 0) this.ready.push(chat);
        else this.chats.delete(chat);
        if (this.pending === 0) for (const w of this.idleWaiters.splice(0)) w();
        this.pump();
      });
    }
  }

  /** Delivers the chat's oldest update until it is acknowledged (with pauses between attempts). */
  private async work(chat: string): Promise<void> {
    const queue = this.chats.get(chat);
    const entry = queue?.[0];
    if (!queue || !entry) return;
    while (!this.stopped) {
      const target = this.options.targets[this.turn++ % this.options.targets.length]!;
      entry.attempts++;
      let status = 'error';
      try {
        // deliverWebhook posts to the registered URL, read before its first await: pointing it at this
        // attempt's process just before the call is safe. No webhook registered (yet): an error, retried.
        const webhook = this.api.webhook;
        if (webhook) webhook.url = target;
        const answer = await withTimeout(this.api.deliverWebhook(entry.update, { secretToken: this.options.secret }), this.options.timeoutMs ?? 60_000);
        status = String(answer.status);
      } catch {
        // Refused, cut or timed out: Telegram tries again later.
      }
      this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
      if (/^2\d\d$/.test(status)) {
        this.acknowledged.add(entry.update.update_id);
        queue.shift();
        return;
      }
      this.failures++;
      const backoff = Math.min((this.options.backoffMs ?? 250) * 2 ** Math.min(entry.attempts - 1, 10), this.options.maxBackoffMs ?? 3_000);
      await new Promise((resolve) => setTimeout(resolve, backoff));
    }
  }
}

/** The chat an update belongs to (its own queue), or a queue of its own for updates without one. */
function chatKey(update: Update): string {
  for (const value of Object.values(update) as unknown[]) {
    if (typeof value !== 'object' || value === null) continue;
    const v = value as { chat?: { id?: number }; message?: { chat?: { id?: number } }; from?: { id?: number } };
    const id = v.chat?.id ?? v.message?.chat?.id ?? v.from?.id;
    if (id !== undefined) return String(id);
  }
  return `update:${update.update_id}`;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
