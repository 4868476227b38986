import './shared/supported-node.js';
import { startApp, StartupError } from './app.js';
import { ConfigError, forceExitDelayMs, loadConfig } from './config.js';
import { createLogger, usePrettyLogs } from './logger.js';
import { failed, runSandbox } from './sandbox/main.js';
import { loadEnvFile } from './shared/startup.js';

/**
 * Entry point: `APP_ROLE=bot|worker|all`. `--dev` (npm run dev) migrates and seeds an empty
 * catalog first. SIGTERM/SIGINT drain in-flight updates and jobs, then exit; should that take longer
 * than the handler timeout plus a margin (forceExitDelayMs in src/config.ts), the exit is forced.
 */
async function main() {
  const dev = process.argv.includes('--dev');
  // npm run dev reads .env as every npm script does (src/shared/startup.ts); the built app run by
  // `npm start` or the image gets its environment from the platform.
  if (dev) loadEnvFile();
  // npm run dev: readable logs (production keeps JSON lines for the log shipper).
  if (dev) await usePrettyLogs();
  if (dev && !process.env.BOT_TOKEN) {
    createLogger(process.env.LOG_LEVEL ?? 'info').info('BOT_TOKEN is not set: starting the sandbox instead (the product in a browser, no Telegram)');
    return runSandbox().catch(failed);
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const app = await startApp(config, { migrate: dev });
  const shutdown = (signal: string) => {
    const forceAfterMs = forceExitDelayMs(config);
    app.deps.logger.info({ signal, forceAfterMs }, 'signal received');
    const force = setTimeout(() => {
      app.deps.logger.error({ forceAfterMs }, 'shutdown took too long: exiting anyway');
      process.exit(1);
    }, forceAfterMs);
    force.unref();
    app
      .stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        console.error(err);
        process.exit(1);
      });
  };
  // The app can no longer receive updates (long polling got 409 or 401): say why, stop, exit non-zero.
  app.fatal.catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    const force = setTimeout(() => process.exit(1), forceExitDelayMs(config));
    force.unref();
    app
      .stop()
      .catch(() => undefined)
      .finally(() => process.exit(1));
  });
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof StartupError) console.error(err.message);
  else console.error('start failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
