/**
 * What the campaign rules need of the job queue, without knowing BullMQ: the bot queues a
 * confirmed campaign's start and a resumed campaign's batches through this port, implemented by
 * src/jobs/campaign-jobs.ts and handed over by the composition root (src/deps.ts).
 */
export interface CampaignJobs {
  /** Queues the start of a confirmed campaign (freezing its audience) after `delayMs`. */
  start(campaignId: number, delayMs: number): Promise<void>;
  /** Queues the delivery of the batches still pending and the first progress edit of a resumed campaign. */
  resume(campaignId: number, generation: number, batches: number[]): Promise<void>;
  /** Removes a scheduled campaign's start job (best effort: the job would find it cancelled anyway). */
  cancelStart(campaignId: number): Promise<void>;
}
