import type { RawUpdate } from './repository.js';

interface Waiting {
  update: RawUpdate;
  resolve: (fresh: boolean) => void;
  reject: (err: unknown) => void;
}

/**
 * Webhook calls arrive one update each, many at a time: while `maxInFlight` inserts are running,
 * the updates that arrive wait and go in together in the next one (one statement and one commit
 * for the lot), so under load an update costs a fraction of a round trip. Each caller learns when
 * its own update is durable (resolve) or that the insert failed (reject: answer 500).
 */
export class IngestBatcher {
  private queue: Waiting[] = [];
  private inFlight = 0;

  constructor(
    private readonly insert: (updates: RawUpdate[]) => Promise<number[]>,
    private readonly maxInFlight = 4,
    private readonly maxBatch = 500,
  ) {}

  /** Resolves true when stored now, false when it was stored before (a redelivery). */
  add(update: RawUpdate): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ update, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      this.insert(batch.map((w) => w.update))
        .then(
          (ids) => {
            const fresh = new Set(ids);
            for (const w of batch) w.resolve(fresh.has(w.update.update_id));
          },
          (err: unknown) => {
            for (const w of batch) w.reject(err);
          },
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}
