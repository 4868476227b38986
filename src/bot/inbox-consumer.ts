import type { ClaimedUpdate, FinishState, InboxRepository, RawUpdate } from '../domain/inbox/index.js';
import type { Logger } from '../logger.js';
import type { SettledOutcome } from '../server/metrics.js';

export interface ConsumerOptions {
  inbox: InboxRepository;
  /**
   * Handles one update; resolves with the reason when it failed and is worth another try (else
   * null), and the conversation state to save with the update's done mark, if it changed.
   */
  handle(update: RawUpdate, attempt: number): Promise<HandleResult>;
  /** Chats handled at once by this process (INBOX_CONCURRENCY). */
  concurrency: number;
  /** How often to look for rows other processes stored (this process's own ingests wake it at once). */
  pollMs?: number;
  logger: Logger;
  /** Told after each try. */
  onSettled?(row: ClaimedUpdate, outcome: SettledOutcome, reason: string | null): void;
}

export interface HandleResult {
  reason: string | null;
  state?: FinishState | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Handles the inbox's pending updates (src/domain/inbox): claims the oldest pending update of up
 * to `concurrency` chats, runs each through the bot, and marks it done, or failed (retried with a
 * backoff, parked after INBOX_MAX_ATTEMPTS tries). A chat's next update is claimed only once the one
 * before it is done, so each chat is handled in order, one update at a time, across every process
 * running a consumer; a slow chat holds one slot and never delays another chat. Claims are leases,
 * renewed while the handler runs: a process that dies leaves its rows to expire, and they are
 * handled again by whoever claims them next.
 */
export class InboxConsumer {
  private readonly running = new Map<number, ClaimedUpdate>();
  /** Rows run outside the concurrency limit (pre-checkout queries' fast path). */
  private fastCount = 0;
  private stopped = false;
  private woken = false;
  private wakeUp: (() => void) | null = null;
  private loopDone: Promise<void> = Promise.resolve();
  private heartbeat: NodeJS.Timeout | null = null;
  private idle: (() => void) | null = null;
  /** The last look found as many rows as it had room for: there may be more. */
  private backlog = false;

  constructor(private readonly o: ConsumerOptions) {}

  start(): void {
    this.loopDone = this.loop();
    this.heartbeat = setInterval(
      () => {
        this.o.inbox.renew([...this.running.keys()]).catch((err: unknown) => this.o.logger.warn({ err }, 'inbox: renewing claims failed'));
      },
      Math.max(200, Math.floor(this.o.inbox.leaseMs / 3)),
    );
    this.heartbeat.unref();
  }

  /** Something was stored: look now rather than at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Slots free for rows claimed elsewhere (InboxRepository.ingestAndClaim). */
  get free(): number {
    return this.stopped ? 0 : Math.max(0, this.o.concurrency - (this.running.size - this.fastCount));
  }

  /** Runs rows this process claimed as it stored them; pre-checkout queries outside the concurrency limit. */
  take(rows: readonly ClaimedUpdate[]): void {
    for (const row of rows) void this.run(row, row.kind === 'pre_checkout_query');
  }

  /**
   * Rows were stored that this process could not claim as it stored them (no free slot, or their
   * chat is busy): the consumer looks for them at once, and again whenever a slot frees up, until
   * a look leaves nothing behind, instead of at its next poll.
   */
  missed(): void {
    this.backlog = true;
    this.wake();
  }

  /** Handles these rows now, ahead of their chat's other updates and outside the concurrency limit. */
  async fast(ids: readonly number[]): Promise<void> {
    if (this.stopped || ids.length === 0) return;
    const rows = await this.o.inbox.claimIds(ids);
    for (const row of rows) if (row.parked) this.reportParked(row);
    await Promise.all(rows.filter((row) => !row.parked).map((row) => this.run(row, true)));
  }

  /** Stops claiming, and resolves once every handler still running has ended and been recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loopDone;
    if (this.running.size > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    if (this.heartbeat) clearInterval(this.heartbeat);
  }

  get inFlight(): number {
    return this.running.size;
  }

  private async loop(): Promise<void> {
    const pollMs = this.o.pollMs ?? 200;
    while (!this.stopped) {
      this.woken = false;
      // Woken by a slot freeing up while rows wait: let the other handlers that end in this turn of
      // the event loop free theirs too, so one claim (a scan of the waiting rows) serves them all.
      if (this.backlog) await new Promise((resolve) => setImmediate(resolve));
      const free = this.o.concurrency - (this.running.size - this.fastCount);
      let claimed = 0;
      if (free > 0) {
        try {
          const rows = await this.o.inbox.claim(free);
          claimed = rows.length;
          this.backlog = claimed === free;
          for (const row of rows) {
            if (row.parked) this.reportParked(row);
            else void this.run(row, false);
          }
        } catch (err) {
          this.o.logger.warn({ err }, 'inbox: claiming updates failed; trying again shortly');
          await sleep(1000);
          continue;
        }
      }
      // A full batch may mean more is due: go again at once (free slots permitting).
      if (this.stopped || (claimed > 0 && claimed === free)) continue;
      if (!this.woken) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeUp = null;
      }
    }
  }

  /** Handles a row, then (same slot) the chat's next one when marking it done claimed that too. */
  private async run(first: ClaimedUpdate, fast: boolean): Promise<void> {
    if (fast) this.fastCount++;
    let row: ClaimedUpdate | null = first;
    let failed = false;
    try {
      while (row) {
        this.running.set(row.updateId, row);
        const current: ClaimedUpdate = row;
        row = null;
        let result: HandleResult;
        try {
          result = await this.o.handle(current.payload, current.attempts);
        } catch (err) {
          result = { reason: err instanceof Error ? err.message : String(err) };
        }
        const reason = result.reason;
        try {
          const r = await this.record(current, result);
          this.o.onSettled?.(current, r.outcome, reason);
          let next = r.next;
          if (next?.parked) {
            this.reportParked(next);
            next = null;
            // The chat's update after the parked one is due now.
            this.wake();
          }
          row = this.stopped ? null : next;
          if (this.stopped && next) await this.o.inbox.release([next.updateId]).catch(() => undefined);
        } catch (err) {
          // Left pending under an expiring claim: it is handled again.
          failed = true;
          this.o.logger.error({ err, updateId: current.updateId }, 'inbox: could not record the outcome of an update; it will be handled again');
        } finally {
          this.running.delete(current.updateId);
        }
      }
    } finally {
      if (fast) this.fastCount--;
      if (this.running.size === 0) this.idle?.();
      // A slot is free: look for other chats' updates if the last look left some behind.
      if (this.backlog || failed) this.wake();
    }
  }

  /** A row a claim parked as poison: reported as parked after its last try, never handled. */
  private reportParked(row: ClaimedUpdate): void {
    this.o.onSettled?.(row, 'parked', row.parked ?? null);
  }

  /** Records the try; a database hiccup gets a few more tries before the claim is left to expire. */
  private async record(row: ClaimedUpdate, result: HandleResult): Promise<{ outcome: SettledOutcome; next: ClaimedUpdate | null }> {
    for (let i = 0; ; i++) {
      try {
        if (result.reason === null) return { outcome: 'done', next: await this.o.inbox.finish(row.updateId, result.state ?? null) };
        return { outcome: await this.o.inbox.markFailed(row.updateId, row.attempts, result.reason), next: null };
      } catch (err) {
        if (i >= 3) throw err;
        await sleep(250 * 2 ** i);
      }
    }
  }
}
