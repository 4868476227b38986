import '../shared/supported-node.js';
import { isMain } from '../shared/paths.js';
import { loadEnvFile } from '../shared/startup.js';
import { startSandbox, SandboxRefused } from './start.js';

/**
 * `npm run sandbox` (and `npm run dev` without BOT_TOKEN, src/main.ts): the whole product in a
 * browser, against the Bot API emulator. Stops on SIGTERM/SIGINT.
 */
export async function runSandbox(): Promise<void> {
  const sandbox = await startSandbox();
  sandbox.app.deps.logger.info({ url: sandbox.url }, `sandbox ready: open ${sandbox.url} (no Telegram involved)`);
  const shutdown = () => {
    sandbox
      .stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        console.error(err);
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (isMain(import.meta.url)) {
  // .env is read as by every npm script (src/shared/startup.ts).
  loadEnvFile();
  runSandbox().catch(failed);
}

export function failed(err: unknown): never {
  console.error(err instanceof SandboxRefused ? err.message : `sandbox failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
