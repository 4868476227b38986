import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../shared/redis.js';
import { HOLD_CHAT, PAUSE, RELEASE, REMAINING, TAKE } from './send-budget-scripts.js';

/**
 * Who is sending, highest priority first: replies to customers (the bot answering an update),
 * notices (reminders, order and store notices, support relays and SLA posts), campaigns.
 */
export type SendClass = 'reply' | 'notice' | 'campaign';
const RANK: Record<SendClass, number> = { reply: 0, notice: 1, campaign: 2 };
const CLASSES: SendClass[] = ['reply', 'notice', 'campaign'];

/**
 * Slack for jitter: at most `cap` sends in any window of 1 s plus this, so a send that reaches
 * Telegram up to this much later than it left (relative to the ones after it) still keeps every
 * second at or under the cap. It costs 1 − 1000/(1000 + margin) of the cap: 2% at 20 ms. At
 * paid-broadcast rates a pause of a few tens of ms (GC, a busy event loop) bunches dozens of
 * messages, so the margin is wider there.
 */
export const windowMarginMs = (ratePerS: number): number => (ratePerS > 100 ? 45 : 20);

/** A send that waited longer than its caller allows (a campaign's slot went to higher priorities). */
export class BudgetWaitExceeded extends Error {
  override name = 'BudgetWaitExceeded';
  constructor(
    readonly waitedMs: number,
    readonly reason: 'budget' | 'chat' | 'pause',
    /** How long the budget still asks to wait, ms. */
    readonly retryInMs: number,
  ) {
    super(`send budget: no slot within ${Math.round(waitedMs)} ms (${reason}; next in ${Math.round(retryInMs)} ms)`);
  }
}

export interface SendBudgetOptions {
  /** Key prefix (QUEUE_PREFIX); the keys go under one hash tag made from it. */
  prefix: string;
  /** Standard messages per second, all senders together (Telegram: about 30). */
  perSecond: number;
  /** Campaign messages per second: at most perSecond, or above it as paid broadcasts. */
  campaignPerSecond?: number;
  groupPerMinute?: number;
  /** Replies a private chat may get at once (the screen after a button and a notice or two). */
  chatBurst?: number;
}

export interface TakeOptions {
  /** Count against the chat's own limit (messages; not edits). */
  chatId?: number | string;
  /** A paid broadcast (allow_paid_broadcast): counted against the campaign cap above perSecond. */
  paid?: boolean;
  /** Give up (BudgetWaitExceeded) after this long in all; default no limit. */
  maxWaitMs?: number;
  /** Give up at once when the chat's own limit asks for more than this (default 10 s). */
  maxChatWaitMs?: number;
}

interface Pending {
  cls: SendClass;
  rank: number;
  chat: string;
  paid: boolean;
  since: number;
  deadline: number;
  maxChatWaitMs: number;
  notBefore: number;
  /** Times its slot was given back because the answer came too late to send on time. */
  released: number;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * Where the budget's keys live: under the prefix (so whatever clears a prefix clears them) and in
 * one Redis Cluster slot: the hash tag `{budget}`, or the prefix's own tag when it has one.
 */
export const budgetTag = (prefix: string): string => (prefix.includes('{') ? `${prefix}:budget` : `${prefix}:{budget}`);

const BATCH = 32;
/**
 * A slot is given back at most this many times per send, then it goes, late or not: once for a
 * reply (a customer is waiting), more for notices and campaigns (a second later costs nobody).
 */
const MAX_RELEASES = [1, 4, 4];

/**
 * The one send budget of the bot: every process, every sender. `take` resolves when a message may
 * go now. Each process queues its senders locally by priority and one loop asks Redis for slots
 * for the head of the highest class (up to 32 of one class in one call), so waiting senders cost
 * no Redis calls of their own and a reply that arrives jumps ahead of campaign sends queued here;
 * across processes, a class waiting for room holds back the lower ones (the HASH of waiters).
 */
export class SendBudget {
  readonly keys: { std: string; paid: string; tat: string; tatc: string; waiting: string; pause: string };
  private readonly tag: string;
  readonly perSecond: number;
  readonly campaignPerSecond: number;
  readonly windowUs: number;
  private readonly groupPerMinute: number;
  private readonly chatBurst: number;
  private readonly queues: Pending[][] = [[], [], []];
  private readonly waits: Record<SendClass, number[]> = { reply: [], notice: [], campaign: [] };
  private running = false;
  private wake: (() => void) | null = null;
  /** The class the loop is sleeping for (3: none, only chat waits): a higher one arriving wakes it. */
  private sleepingRank = 3;
  private seq = 0;
  /** Names this client's entries in the logs (two clients in one process must not collide). */
  private readonly id = `${process.pid}.${randomBytes(4).toString('hex')}`;
  private closed = false;
  /** How late an answer from Redis may come for its admitted sends still to leave on time, ms. */
  private readonly lateMs: number;
  /** Slots given back because Redis's answer came late (see pump). */
  lateReleases = 0;

  constructor(
    private readonly redis: RedisClient,
    opts: SendBudgetOptions,
  ) {
    this.tag = budgetTag(opts.prefix);
    this.keys = {
      std: `${this.tag}:sent`,
      paid: `${this.tag}:paid`,
      tat: `${this.tag}:pace`,
      tatc: `${this.tag}:pace-campaign`,
      waiting: `${this.tag}:waiting`,
      pause: `${this.tag}:pause`,
    };
    this.perSecond = opts.perSecond;
    this.campaignPerSecond = opts.campaignPerSecond ?? opts.perSecond;
    this.windowUs = (1000 + windowMarginMs(Math.max(this.perSecond, this.campaignPerSecond))) * 1000;
    this.lateMs = Math.max(5, Math.floor(windowMarginMs(Math.max(this.perSecond, this.campaignPerSecond)) * 0.75));
    this.groupPerMinute = opts.groupPerMinute ?? 20;
    this.chatBurst = opts.chatBurst ?? 3;
  }

  chatKey(chat: string): string {
    return `${this.tag}:c:${chat === '' ? '-' : chat}`;
  }

  /** Resolves when one message of `cls` may be sent now (counted as sent); see TakeOptions. */
  take(cls: SendClass, opts: TakeOptions = {}): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const now = Date.now();
      const chat = opts.chatId === undefined || opts.chatId === null ? '' : String(Number(opts.chatId));
      const item: Pending = {
        cls,
        rank: RANK[cls],
        chat: chat === 'NaN' ? '' : chat,
        paid: opts.paid === true,
        since: now,
        deadline: opts.maxWaitMs === undefined ? Infinity : now + opts.maxWaitMs,
        maxChatWaitMs: opts.maxChatWaitMs ?? 10_000,
        notBefore: 0,
        released: 0,
        resolve,
        reject,
      };
      this.queues[item.rank]!.push(item);
      if (item.rank < this.sleepingRank) this.wake?.();
      if (!this.running) void this.pump();
    });
  }

  /** Every sender, in every process, holds off for `ms` (a 429's retry_after). */
  async pause(ms: number): Promise<void> {
    await this.redis.eval(PAUSE, 1, this.keys.pause, Math.max(1, Math.ceil(ms)));
  }

  /** Only this chat's sends hold off for `ms` (a 429 answered to a send into one group). */
  async holdChat(chatId: number | string, ms: number): Promise<void> {
    const chat = String(Number(chatId));
    await this.redis.eval(HOLD_CHAT, 1, this.chatKey(chat), Math.max(1, Math.ceil(ms)), chat, this.groupPerMinute, this.chatBurst);
  }

  /** Ms left of a pause set by any process (0 when none). */
  async pausedFor(): Promise<number> {
    return Number(await this.redis.eval(REMAINING, 1, this.keys.pause)) / 1000;
  }

  /** How long recent sends of each class waited in this process, ms (the latest 5,000 of each). */
  waitSamples(): Record<SendClass, number[]> {
    return { reply: [...this.waits.reply], notice: [...this.waits.notice], campaign: [...this.waits.campaign] };
  }

  private recordWait(cls: SendClass, ms: number): void {
    const list = this.waits[cls];
    if (list.length >= 5000) list.shift();
    list.push(ms);
  }

  /** Senders still waiting in this process, per class. */
  waiting(): Record<SendClass, number> {
    return { reply: this.queues[0]!.length, notice: this.queues[1]!.length, campaign: this.queues[2]!.length };
  }

  /** Lets every waiting sender go without a slot (shutdown: nothing is sent after it anyway). */
  close(): void {
    this.closed = true;
    for (const q of this.queues) for (const item of q.splice(0)) item.resolve();
    this.wake?.();
  }

  private sleep(ms: number, rank = 3): Promise<void> {
    this.sleepingRank = rank;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        this.sleepingRank = 3;
        resolve();
      };
      this.wake = done;
      timer = setTimeout(done, Math.max(0, ms));
    });
  }

  /** The highest class's ready sends (same paid flag as the first), and the soonest not-ready time. */
  private next(now: number): { batch: Pending[]; soonest: number } {
    let soonest = Infinity;
    for (const q of this.queues) for (const item of q) soonest = Math.min(soonest, item.deadline);
    for (const q of this.queues) {
      for (let i = q.length - 1; i >= 0; i--) {
        const item = q[i]!;
        if (item.deadline <= now) {
          q.splice(i, 1);
          item.reject(new BudgetWaitExceeded(now - item.since, 'budget', Math.max(0, item.notBefore - now)));
        }
      }
      const batch: Pending[] = [];
      for (const item of q) {
        if (item.notBefore > now) {
          soonest = Math.min(soonest, item.notBefore);
          continue;
        }
        if (batch.length && item.paid !== batch[0]!.paid) continue;
        batch.push(item);
        if (batch.length >= BATCH) break;
      }
      if (batch.length) return { batch, soonest };
    }
    return { batch: [], soonest };
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      while (!this.closed && this.queues.some((q) => q.length > 0)) {
        const now = Date.now();
        const { batch, soonest } = this.next(now);
        if (batch.length === 0) {
          if (soonest < Infinity) await this.sleep(soonest - now);
          continue;
        }
        let res: string[];
        const asked = Date.now();
        const args = this.argList(batch);
        try {
          res = (await this.redis.eval(TAKE, 6 + batch.length, ...this.keyList(batch), ...args)) as string[];
        } catch (err) {
          // Redis unreachable. A reply to a customer goes out unmetered (fail open: the customer is
          // answered, and Telegram's own 429s with their retry still hold the bot back); the other
          // classes fail as a network error would, rather than hang, and their jobs retry later.
          for (const item of batch) {
            if (item.cls === 'reply') this.remove(item).resolve();
            else this.remove(item).reject(err as Error);
          }
          continue;
        }
        let wait = 0;
        const after = Date.now();
        // Redis admitted the sends at some moment between `asked` and `after`; they leave now. Later
        // than the window's margin, a send could meet sends admitted a second after it at Telegram
        // (a busy process read the answer late): such slots are given back and taken again.
        const late = after - asked > this.lateMs;
        const giveBack: number[] = [];
        batch.forEach((item, i) => {
          const us = Number(res[2 * i]);
          const reason = Number(res[2 * i + 1]);
          if (us <= 0) {
            if (late && item.released < MAX_RELEASES[item.rank]!) {
              item.released++;
              giveBack.push(i);
              return;
            }
            this.remove(item).resolve();
            this.recordWait(item.cls, after - item.since);
            return;
          }
          const ms = us / 1000;
          if (reason === 2) {
            if (ms > item.maxChatWaitMs || after + ms > item.deadline) {
              this.remove(item).reject(new BudgetWaitExceeded(after - item.since, 'chat', ms));
              return;
            }
            item.notBefore = after + ms;
            return;
          }
          wait = Math.max(wait, ms);
        });
        if (giveBack.length) {
          this.lateReleases += giveBack.length;
          await this.release(batch, giveBack, String(args[7]));
          continue;
        }
        // Notices and campaigns waiting for their pace: sleep until a few slots are due, so one call
        // admits several (at paid-broadcast rates a wake-up per slot would cost more than the slot).
        if (wait > 0 && batch[0]!.rank > 0) wait = Math.max(wait, this.paceSleepMs(batch[0]!.paid));
        if (wait > 0) await this.sleep(Math.min(wait, Math.max(0, soonest - Date.now())), batch[0]!.rank);
      }
    } finally {
      this.running = false;
      // A send queued while the loop was ending.
      if (!this.closed && this.queues.some((q) => q.length > 0)) void this.pump();
    }
  }

  /** Gives back the slots of `batch[i]` for each i in `indices` (see RELEASE); they wait in their queue again. */
  private async release(batch: Pending[], indices: number[], member: string): Promise<void> {
    const first = batch[0]!;
    const k = this.keys;
    const keys = [k.std, k.paid, k.tat, k.tatc, ...indices.map((i) => this.chatKey(batch[i]!.chat))];
    const args: (string | number)[] = [first.rank, first.paid ? 1 : 0, Math.floor(this.windowUs / this.perSecond), Math.floor(this.windowUs / this.campaignPerSecond), member];
    for (const i of indices) args.push(i + 1, batch[i]!.chat);
    try {
      await this.redis.eval(RELEASE, keys.length, ...keys, ...args);
    } catch {
      // Redis unreachable: the slots stay counted (more careful, not less); the sends wait as before.
    }
  }

  private paceSleepMs(paid: boolean): number {
    const rate = paid ? this.campaignPerSecond : this.perSecond;
    return Math.min(10, (8 * this.windowUs) / 1000 / rate);
  }

  private remove(item: Pending): Pending {
    const q = this.queues[item.rank]!;
    const i = q.indexOf(item);
    if (i >= 0) q.splice(i, 1);
    return item;
  }

  private keyList(batch: Pending[]): string[] {
    const k = this.keys;
    return [k.std, k.paid, k.tat, k.tatc, k.waiting, k.pause, ...batch.map((item) => this.chatKey(item.chat))];
  }

  private argList(batch: Pending[]): (string | number)[] {
    const first = batch[0]!;
    return [
      first.rank,
      first.paid ? 1 : 0,
      this.perSecond,
      this.campaignPerSecond,
      this.windowUs,
      this.groupPerMinute,
      this.chatBurst,
      `${this.id}-${++this.seq}`,
      ...batch.map((item) => item.chat),
    ];
  }
}

export const sendClasses = CLASSES;
