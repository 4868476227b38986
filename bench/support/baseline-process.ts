/**
 * The baseline of `npm run bench -- updates`: a bare telegraf bot (one API call per update, no
 * database) served by its own `webhookCallback`, in a process of its own like the app (see
 * app-process.ts and ipc.ts). Environment: BOT_TOKEN, TELEGRAM_API_ROOT (the benchmark's
 * stand-in), WEBHOOK_SECRET. Reports `ready` with its port and webhook path, answers `stats`, and
 * stops on `stop` / SIGTERM / the benchmark going away.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Telegraf } from 'telegraf';
import { serveParent } from './ipc.js';

let server: http.Server | undefined;
let handled = 0;

const parent = serveParent({
  stats: () => ({ updatesHandled: handled }),
  async stop() {
    const s = server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  },
});

try {
  const token = process.env.BOT_TOKEN;
  const apiRoot = process.env.TELEGRAM_API_ROOT;
  const secret = process.env.WEBHOOK_SECRET;
  if (!token || !apiRoot || !secret) throw new Error('BOT_TOKEN, TELEGRAM_API_ROOT and WEBHOOK_SECRET are required');
  // webhookReply off, as in the app: the answer is a real sendMessage to the stand-in, not a
  // method smuggled into the webhook's HTTP answer.
  const bot = new Telegraf(token, { telegram: { apiRoot, webhookReply: false } });
  bot.use(async (_ctx, next) => {
    await next();
    handled++;
  });
  bot.on('message', (ctx) => ctx.reply('ok'));
  bot.on('callback_query', (ctx) => ctx.telegram.sendMessage(ctx.chat!.id, 'ok'));
  // The mix has pre-checkout queries too; they have no chat, so their one call is the answer.
  bot.on('pre_checkout_query', (ctx) => ctx.answerPreCheckoutQuery(true));
  bot.botInfo = await bot.telegram.getMe();
  const path = '/telegraf/bench';
  const webhook = bot.webhookCallback(path, { secretToken: secret });
  // webhookCallback's promise rejects when a handler throws (telegraf's default bot.catch rethrows).
  const s = http.createServer((req, res) => {
    webhook(req, res).catch((err: unknown) => {
      console.error('baseline: update failed:', err);
      res.destroy();
    });
  });
  s.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  server = s;
  parent.ready((s.address() as AddressInfo).port, { webhookPath: path });
} catch (err) {
  parent.failed(err);
}
