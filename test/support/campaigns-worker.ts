/**
 * A worker process for the multi-process tests: the app as `APP_ROLE=worker` runs it
 * (configuration from the environment), with a short job lock so a killed worker's jobs are taken
 * over in seconds rather than BullMQ's default 30 s; CAMPAIGN_WORKER_CONCURRENCY sets its delivery
 * jobs in flight. Prints "ready" once started; SIGTERM stops it cleanly. Spawn it with
 * spawnCampaignWorker (campaigns.ts).
 */
import { startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

const concurrency = process.env.CAMPAIGN_WORKER_CONCURRENCY ? Number(process.env.CAMPAIGN_WORKER_CONCURRENCY) : undefined;
const app = await startApp(loadConfig(), { workers: { campaigns: { lockDurationMs: 3_000, concurrency } } });
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void app
    .stop()
    .catch((err: unknown) => console.error('campaign worker: stop failed:', err))
    .finally(() => process.exit(0));
});
