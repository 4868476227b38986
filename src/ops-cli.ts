import { EXIT } from './ops/cli.js';
import { runOpsCli } from './ops-run.js';

/**
 * `npm run ops -- <command> [--json] [--lang en|zh-CN]`: fulfilment steps from the command line
 * (see src/ops/cli.ts and src/ops-run.ts). This entry only binds the command to process.argv,
 * process.env, stdout and stderr, and sets the exit code.
 */
async function main(): Promise<number> {
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
