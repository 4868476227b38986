import type { Queue } from 'bullmq';
import type { SlaScheduler } from '../../domain/support/service.js';
import { supportSlaJobId, type SupportSlaJob } from '../queues.js';

/**
 * SLA reminders as delayed jobs on the `support` queue, one per level, with ids derived from the
 * waiting spell so an agent's reply can remove them. Delays are measured on the app clock (as
 * the reminders do) and BullMQ counts them in real milliseconds.
 */
export function supportSla(queue: Queue<SupportSlaJob>, now: () => Date): SlaScheduler {
  return {
    async schedule(conversationId, waitingSince, dueAt) {
      const since = waitingSince.getTime();
      await Promise.all(
        dueAt.map((at, i) => {
          const level = i + 1;
          const jobId = supportSlaJobId(conversationId, since, level);
          return queue.add('sla', { conversationId, waitingSince: since, level }, { jobId, delay: Math.max(0, at.getTime() - now().getTime()) });
        }),
      );
    },
    async cancel(conversationId, waitingSince) {
      const since = waitingSince.getTime();
      // remove() answers 0 for a job that is running right now; that run re-checks the row.
      await Promise.all([1, 2].map((level) => queue.remove(supportSlaJobId(conversationId, since, level))));
    },
  };
}
