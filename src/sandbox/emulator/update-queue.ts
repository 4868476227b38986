/** Pending incoming updates and the long polls (getUpdates with `timeout`) waiting for them. */
import type { Update } from 'telegraf/types';
import { nextUpdateId, type UpdateDraft } from './updates.js';

/** Why a held long poll ended. */
export type WaitOutcome = 'update' | 'timeout' | 'released' | 'superseded' | 'aborted';

export class UpdateQueue {
  private pending: Update[] = [];
  private lastId = nextUpdateId();
  private readonly waiters = new Set<(outcome: WaitOutcome) => void>();
  /** Set while the server shuts down: polls are not held any more. */
  private closed = false;

  get size(): number {
    return this.pending.length;
  }

  /** Long polls currently held. */
  get waiting(): number {
    return this.waiters.size;
  }

  /** A copy of the update with an `update_id`: its own, or the one after the highest seen. */
  stamp(draft: UpdateDraft | Update): Update {
    const update = { ...draft, update_id: draft.update_id ?? this.lastId + 1 };
    this.lastId = Math.max(this.lastId, update.update_id);
    return update;
  }

  /** Queues an update (stamped, see `stamp`) and wakes held polls. */
  push(draft: UpdateDraft | Update): Update {
    const update = this.stamp(draft);
    this.pending.push(update);
    this.pending.sort((a, b) => a.update_id - b.update_id);
    this.wake('update');
    return update;
  }

  /**
   * Applies getUpdates' `offset`: a positive offset confirms (drops) every update
   * with a lower id; a negative one keeps only the last `-offset` updates.
   */
  confirm(offset: number): void {
    if (offset > 0) this.pending = this.pending.filter((update) => update.update_id >= offset);
    else if (offset < 0) this.pending = this.pending.slice(offset);
  }

  take(limit: number): Update[] {
    return this.pending.slice(0, limit);
  }

  clear(): void {
    this.pending = [];
  }

  /** Holds until an update is pushed, `timeoutMs` passes, the client goes away or the poll is ended. */
  wait(timeoutMs: number, signal: AbortSignal): Promise<WaitOutcome> {
    if (signal.aborted) return Promise.resolve('aborted');
    if (this.closed) return Promise.resolve('released');
    return new Promise((resolve) => {
      const finish = (outcome: WaitOutcome): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiters.delete(finish);
        resolve(outcome);
      };
      const onAbort = (): void => finish('aborted');
      const timer = setTimeout(() => finish('timeout'), timeoutMs);
      signal.addEventListener('abort', onAbort);
      this.waiters.add(finish);
    });
  }

  /** A newer getUpdates ends held polls, as Telegram does (they answer 409). */
  supersede(): void {
    this.wake('superseded');
  }

  /** Ends every held poll and stops holding new ones (they answer with what is pending, usually nothing). */
  close(): void {
    this.closed = true;
    this.wake('released');
  }

  open(): void {
    this.closed = false;
  }

  private wake(outcome: WaitOutcome): void {
    for (const finish of [...this.waiters]) finish(outcome);
  }
}
