import './shared/supported-node.js';
import { EXIT } from './ops/cli.js';
import { runOpsCli } from './ops-run.js';
import { loadEnvFile } from './shared/startup.js';

/**
 * `npm run ops -- <command> [--json] [--lang en|zh-CN]`: fulfilment steps from the command line
 * (see src/ops/cli.ts and src/ops-run.ts). This entry only binds the command to process.argv,
 * process.env (plus .env, read as every npm script reads it: src/shared/startup.ts), stdout and
 * stderr, and sets the exit code.
 */
async function main(): Promise<number> {
  loadEnvFile();
  return runOpsCli(process.argv.slice(2), process.env, {
    out: (text) => void process.stdout.write(`${text}\n`),
    err: (text) => void process.stderr.write(`${text}\n`),
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = EXIT.failed;
  },
);
