import type { Queue } from 'bullmq';
import type { Db } from '../../src/db/client.js';
import { DeliveryRepository } from '../../src/domain/campaigns/delivery.js';
import { CampaignRepository } from '../../src/domain/campaigns/repository.js';
import type { CampaignJob } from '../../src/jobs/queues.js';
import { sleep } from './wait.js';

/**
 * Waits until campaign `id` is done, without sitting out the progress tick's delay.
 *
 * The campaigns worker finishes a campaign in its progress job, which comes back every
 * PROGRESS_EVERY_MS (3 s, src/jobs/campaign-jobs.ts): after the last send, a test waited up to 3 s
 * more for the next tick. Once every recipient has an outcome (none pending or being sent), this
 * promotes the delayed tick, so that the worker runs the same job, and finishes the campaign with
 * its own code, now rather than later. Until then it only watches, as waitForStatus
 * (test/support/campaigns.ts) does.
 */
export async function waitForDone(db: Db, queue: Queue<CampaignJob>, id: number, timeoutMs = 30_000): Promise<void> {
  const campaigns = new CampaignRepository(db);
  const delivery = new DeliveryRepository(db);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await campaigns.status(id);
    if (s?.status === 'done') return;
    if (Date.now() > until) throw new Error(`campaign ${id} still ${s?.status} after ${timeoutMs} ms`);
    if (s?.status === 'running') {
      const counts = await delivery.counts(id);
      if (counts.total > 0 && counts.pending === 0 && counts.sending === 0) {
        const ticks = (await queue.getDelayed()).filter((j) => j.data.kind === 'progress' && j.data.campaignId === id);
        // A tick may start between the look and the promote: then there is nothing to promote.
        for (const tick of ticks) await tick.promote().catch(() => undefined);
      }
    }
    await sleep(100);
  }
}
