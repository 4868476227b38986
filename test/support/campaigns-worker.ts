/**
 * A worker process for the kill test: the app as `APP_ROLE=worker` runs it (configuration from the
 * environment), with a short job lock so a killed worker's jobs are taken over in seconds rather
 * than BullMQ's default 30 s. Prints "ready" once started; SIGTERM stops it cleanly.
 */
import { startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

const app = await startApp(loadConfig(), { workers: { campaigns: { lockDurationMs: 3_000 } } });
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void app.stop().finally(() => process.exit(0));
});
