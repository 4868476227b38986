import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { createFmt } from './bot/format.js';
import { ConfigError, loadConfig } from './config.js';
import { createDb } from './db/client.js';
import { createServices } from './deps.js';
import { noEvents } from './domain/events.js';
import { createI18n } from './i18n.js';
import { EXIT, parseArgs, runCommand, type CliIo } from './ops/cli.js';
import { cliActor } from './ops/orders.js';

/**
 * `npm run ops -- <command> [--json] [--lang en|zh-CN]`: fulfilment steps from the command line
 * (see src/ops/cli.ts). Reads the same environment as the bot through loadConfig, so BOT_TOKEN
 * must be set as well as DATABASE_URL.
 *
 * Domain events: the services run with `noEvents`, so a step taken here is audited but sends the
 * customer no message and (re)schedules no reminder. Wire the app's DomainEvents here once they
 * can be built outside the bot process.
 */
async function main(): Promise<number> {
  const i18n = createI18n('en');
  const parsed = parseArgs(process.argv.slice(2), (lang) => i18n.t(lang));
  const t = i18n.t(parsed.lang);
  const io: CliIo = {
    out: (text) => void process.stdout.write(`${text}\n`),
    err: (text) => void process.stderr.write(`${text}\n`),
  };
  if (parsed.problem) {
    if (parsed.json) io.out(JSON.stringify({ ok: false, error: { code: 'usage', message: parsed.problem } }, null, 2));
    else io.err(parsed.problem);
    return EXIT.usage;
  }
  if (parsed.help || !parsed.command) {
    io.out(t('ops.cli.usage'));
    return parsed.help ? EXIT.ok : EXIT.usage;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(err.message);
    return EXIT.usage;
  }
  const handle = createDb(config.databaseUrl, { max: 2 });
  try {
    const services = createServices(handle.db, config, () => new Date(), noEvents);
    return await runCommand(
      {
        services,
        f: createFmt(parsed.lang, t, config.timeZone),
        actor: cliActor(() => os.userInfo().username, process.env),
        json: parsed.json,
        io,
        readFile: (path) => readFile(path, 'utf8'),
      },
      parsed.command,
      parsed.args,
    );
  } catch (err) {
    io.err(t('ops.cli.failed', { message: err instanceof Error ? err.message : String(err) }));
    return EXIT.failed;
  } finally {
    await handle.close();
  }
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
