import type { Telegram } from 'telegraf';
import type { Update } from 'telegraf/types';
import type { RawUpdate } from '../domain/inbox/index.js';
import type { Logger } from '../logger.js';

/** Telegram refused polling for good: another poller holds it, a webhook is set (409), or the token is wrong (401). */
export class PollingFatalError extends Error {
  override name = 'PollingFatalError';
}

export interface PollerOptions {
  telegram: Telegram;
  allowedUpdates: readonly string[];
  /** Stores a batch durably (src/domain/inbox) and hands what it can to the consumer; resolves with the ids newly stored. */
  ingest(updates: RawUpdate[]): Promise<number[]>;
  logger: Logger;
  /** Long-poll wait, seconds (Telegram's `timeout`). */
  timeoutS?: number;
  /** Told after each getUpdates whose batch was stored (metrics). */
  onSuccess?(at: Date): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codeOf = (err: unknown): number | undefined => (err as { response?: { error_code?: number } })?.response?.error_code;

/** The message a fatal polling error ends the process with. */
export function fatalMessage(code: number, description: string): string {
  if (code === 401) return `Telegram rejected BOT_TOKEN (401 ${description}): check the token with @BotFather.`;
  return (
    `Telegram refused long polling (409 ${description}): another process is polling with this token, or a webhook is set. ` +
    'Run one polling process only, or use webhook mode (WEBHOOK_URL) for several.'
  );
}

/**
 * Long polling that never loses an update: each batch from getUpdates is stored in the inbox,
 * and only then is the next call made with offset = last + 1 (which tells Telegram the batch may
 * be forgotten). Fetching never waits for handlers (the inbox consumer runs them). A failed
 * insert fetches the same batch again. 409 and 401 are fatal: `done` rejects with a
 * PollingFatalError, which src/main.ts turns into a message and a non-zero exit.
 */
export class Poller {
  private offset = 0;
  private stopped = false;
  private readonly abort = new AbortController();
  /** When getUpdates last succeeded and its batch was stored (ms since the epoch; 0: never). */
  private lastSuccessAt = 0;
  done: Promise<void> = Promise.resolve();

  constructor(private readonly o: PollerOptions) {}

  /**
   * Whether polling is working: a getUpdates succeeded within twice its long-poll wait. A poll
   * that is merely waiting returns within the wait, so only failures (network, storing the
   * batch, a hung call) make this false. /readyz reports it (src/server/admin.ts).
   */
  health(now = Date.now()): { ok: boolean; lastSuccessAgoS: number | null; limitS: number } {
    const limitS = 2 * (this.o.timeoutS ?? 25);
    const ago = this.lastSuccessAt ? (now - this.lastSuccessAt) / 1000 : null;
    return { ok: !this.stopped && ago !== null && ago <= limitS, lastSuccessAgoS: ago === null ? null : Math.round(ago * 10) / 10, limitS };
  }

  /** One short call first, so a 409/401 fails the start itself; then the loop. */
  async start(): Promise<void> {
    await this.fetchOnce(0);
    this.done = this.loop();
  }

  /** Stops fetching (an open long poll is abandoned: its updates were not confirmed, Telegram keeps them). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.done.catch(() => undefined);
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.fetchOnce(this.o.timeoutS ?? 25);
        failures = 0;
      } catch (err) {
        if (this.stopped) return;
        if (err instanceof PollingFatalError) throw err;
        failures++;
        this.o.logger.warn({ err, failures }, 'long polling: getUpdates or storing the batch failed; trying again');
        await sleep(Math.min(10_000, 500 * 2 ** Math.min(failures, 5)));
      }
    }
  }

  private async fetchOnce(timeoutS: number): Promise<void> {
    let updates: Update[];
    try {
      updates = await this.o.telegram.callApi(
        'getUpdates',
        { offset: this.offset, timeout: timeoutS, limit: 100, allowed_updates: [...this.o.allowedUpdates] as never },
        { signal: this.abort.signal as never },
      );
    } catch (err) {
      const code = codeOf(err);
      if (code === 409 || code === 401) {
        const description = (err as { response?: { description?: string } }).response?.description ?? '';
        throw new PollingFatalError(fatalMessage(code, description));
      }
      throw err;
    }
    if (updates.length > 0) {
      const raw = updates as unknown as RawUpdate[];
      await this.o.ingest(raw);
      this.offset = raw[raw.length - 1]!.update_id + 1;
    }
    const at = new Date();
    this.lastSuccessAt = at.getTime();
    this.o.onSuccess?.(at);
  }
}
