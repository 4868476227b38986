/**
 * Starts the sandbox: the Bot API emulator (./emulator), the whole app (bot + workers, long
 * polling) pointed at it through TELEGRAM_API_ROOT, the staff and the support forum from
 * data/sandbox.json, and the page (./server.ts). Long polling by default, the webhook with
 * SANDBOX_WEBHOOK=true. Nothing here talks to Telegram.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { startApp, type App } from '../app.js';
import { refreshStaffCommands } from '../bot/commands.js';
import { loadConfig } from '../config.js';
import type { StaffRole } from '../db/schema/index.js';
import { queueList } from '../jobs/outbox.js';
import { createLogger, type Logger } from '../logger.js';
import { rootPath } from '../shared/paths.js';
import { Actions, SandboxError } from './actions.js';
import { BotApiStandIn } from './emulator/bot-api-emulator.js';
import type { UpdateDraft } from './emulator/updates.js';
import { assertSandboxData, resetAppData } from './reset.js';
import { createSandboxServer, type ReportRequest } from './server.js';
import { MAX_RANGE_DAYS, presetPeriod, rangePeriod } from '../domain/reports/period.js';
import { createFmt } from '../telegram/format.js';
import { renderReport } from '../telegram/reports/index.js';
import { World, type Language, type Persona } from './world.js';

/** The token the app gets in the sandbox: shaped like one, accepted only by the emulator. */
export const SANDBOX_TOKEN = '1000000000:SANDBOX-not-a-real-token-never-sent';
/** A test provider token: invoices work, nothing is ever charged. */
const SANDBOX_PROVIDER_TOKEN = '1000000000:TEST:sandbox';

interface SandboxFile {
  supportGroup: { id: number; title: string };
  staff: Array<{ id: number; role: StaffRole; name: string; language: Language }>;
  customers: Array<{ id: number; name: string; language: Language }>;
}

export class SandboxRefused extends Error {
  override name = 'SandboxRefused';
}

export interface Sandbox {
  url: string;
  app: App;
  emulator: BotApiStandIn;
  world: World;
  server: Server;
  /** "Reset sandbox" (the page's button, POST /api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export interface SandboxOptions {
  /** The environment (default process.env): SANDBOX_PORT, SANDBOX_HOST, DATABASE_URL, REDIS_URL, … */
  env?: Record<string, string | undefined>;
  logger?: Logger;
}

/** True for a token that could be a real bot's (the sandbox must not be started with one at hand). */
export const looksLikeRealToken = (token: string | undefined): boolean => !!token && /^\d{5,}:[\w-]{30,}$/.test(token) && token !== SANDBOX_TOKEN;

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const env = options.env ?? process.env;
  if (looksLikeRealToken(env.BOT_TOKEN)) {
    throw new SandboxRefused(
      'BOT_TOKEN is set to what looks like a real bot token: the sandbox never runs with one. Unset BOT_TOKEN to use the sandbox, or run the bot with `npm start`.',
    );
  }
  const port = Number(env.SANDBOX_PORT ?? 3000);
  const host = env.SANDBOX_HOST || '127.0.0.1';
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SandboxRefused(`SANDBOX_PORT must be a port number, not "${env.SANDBOX_PORT}"`);
  const data = JSON.parse(readFileSync(rootPath('data', 'sandbox.json'), 'utf8')) as SandboxFile;
  const admin = data.staff.find((s) => s.role === 'admin');

  // Content limits and topic rules as Telegram enforces them; per-chat pacing stays off so a burst of
  // screens is not slowed down (the tests that need it switch it on).
  const emulator = await new BotApiStandIn({ token: SANDBOX_TOKEN, rules: { limits: true, topics: true } }).start();
  const world = new World(emulator, data.supportGroup.id, data.supportGroup.title);
  emulator.knowChat({ id: data.supportGroup.id, type: 'supergroup', title: data.supportGroup.title, is_forum: true });
  emulator.onCall((call) => {
    world.observe(call);
    // The sandbox follows calls as they come; the log of old ones is not needed.
    if (emulator.calls.length > 2000) emulator.clear();
  });
  // Callback answers show as toasts to whoever pressed (the page asks with the query's id).
  emulator.onCall((call) => {
    if (call.method !== 'answerCallbackQuery' || typeof call.params.text !== 'string' || !call.params.text) return;
    const personaId = pressedBy.get(String(call.params.callback_query_id));
    if (personaId !== undefined) world.emit({ type: 'toast', personaId, text: call.params.text, alert: call.params.show_alert === true });
  });
  const pressedBy = new Map<string, number>();

  // SANDBOX_WEBHOOK=true: the emulator POSTs updates to the app's webhook, as Telegram does in production.
  const webhook = env.SANDBOX_WEBHOOK === 'true' || env.SANDBOX_WEBHOOK === '1';
  const config = loadConfig({
    ...env,
    BOT_TOKEN: SANDBOX_TOKEN,
    TELEGRAM_API_ROOT: emulator.apiRoot,
    APP_ROLE: 'all',
    // The app registers WEBHOOK_URL + its path; the emulator is pointed at the port it binds below.
    WEBHOOK_URL: webhook ? 'http://127.0.0.1:1' : undefined,
    WEBHOOK_SECRET: webhook ? randomBytes(24).toString('hex') : undefined,
    // The app's own /healthz server moves aside: the page has the sandbox port.
    PORT: '0',
    PAYMENT_PROVIDER_TOKEN: SANDBOX_PROVIDER_TOKEN,
    SUPPORT_CHAT_ID: String(data.supportGroup.id),
    SUPPORT_HOURS: env.SUPPORT_HOURS || '00:00-24:00',
    ADMIN_IDS: admin ? String(admin.id) : '',
  });
  const logger = options.logger ?? createLogger(config.logLevel, [SANDBOX_TOKEN]);
  let app: App;
  try {
    app = await startApp(config, { migrate: true, logger });
  } catch (err) {
    await emulator.stop();
    throw err;
  }
  if (webhook && emulator.webhook) emulator.webhook.url = `http://127.0.0.1:${app.port}${new URL(emulator.webhook.url).pathname}`;
  const deliver = (update: UpdateDraft) => {
    if (!webhook) return void emulator.pushUpdate(update);
    emulator.deliverWebhook(update).catch((err: unknown) => logger.warn({ err }, 'sandbox: webhook delivery failed'));
  };
  const personas = world.personas;
  const phoneOf = (id: number) => `+86138${String(id).slice(-8)}`;
  /** The people of data/sandbox.json, staff rows and command menus included: at start and at every reset. */
  const setUpPeople = async () => {
    for (const s of data.staff) {
      await app.deps.services.staff.add(s.id, s.role, 'sandbox');
      if (app.bot) await refreshStaffCommands(app.bot.telegram, app.deps, s.id, s.role);
    }
    for (const p of personas.values()) if (p.blocked) emulator.unblockChat(p.id);
    personas.clear();
    for (const s of data.staff) personas.set(s.id, { id: s.id, name: s.name, language: s.language, role: s.role, blocked: false, phone: phoneOf(s.id) });
    for (const c of data.customers) personas.set(c.id, { id: c.id, name: c.name, language: c.language, role: 'customer', blocked: false, phone: phoneOf(c.id) });
  };
  await setUpPeople();

  const actions = new Actions(emulator, world, deliver, (queryId, personaId) => pressedBy.set(queryId, personaId));
  const addCustomer = (name: string, language: Language): Persona => {
    const id = Math.max(...[...personas.keys()].filter((k) => k < 910000000 || k >= 920000000)) + 1;
    const persona: Persona = { id, name, language, role: 'customer', blocked: false, phone: phoneOf(id) };
    personas.set(id, persona);
    world.emit({ type: 'personas' });
    return persona;
  };
  let resetting: Promise<void> | null = null;
  /**
   * "Reset sandbox": back to the just-started state. The chats are emptied first (the emulator's
   * pending updates with them, so no old update reaches the bot), then the app's data (./reset.ts),
   * then the people; every open page gets a `reset` event and draws itself empty. A handler still
   * running at that moment may yet answer into the empty chat: reset when the sandbox is idle.
   */
  const reset = () =>
    (resetting ??= (async () => {
      try {
        const { queues, redis, config } = app.deps;
        await assertSandboxData(app.deps.db);
        emulator.clearChats();
        world.clearChats();
        actions.forget();
        pressedBy.clear();
        const { jobsRemoved } = await resetAppData({ db: app.deps.db, queues: queueList(queues), redis, queuePrefix: config.queuePrefix });
        await setUpPeople();
        logger.info({ jobsRemoved }, 'sandbox: reset to its starting state');
        world.emit({ type: 'reset' });
      } finally {
        resetting = null;
      }
    })());
  /** The same reports as /report, drawn for the page's Reports panel. */
  const report = async (r: ReportRequest) => {
    const { deps } = app;
    const tz = deps.config.timeZone;
    const period = typeof r.period === 'string' ? presetPeriod(r.period, deps.now(), tz) : rangePeriod(r.period.from, r.period.to, tz);
    if (period.days.length > MAX_RANGE_DAYS) throw new SandboxError('range_too_long');
    const rendered = renderReport(createFmt(r.lang, deps.i18n.t(r.lang), tz), await deps.services.reports.run(r.kind, period), deps.now());
    return r.format === 'png'
      ? { body: rendered.png, type: 'image/png', filename: rendered.filename.replace(/\.csv$/, '.png') }
      : { body: rendered.csv, type: 'text/csv; charset=utf-8', filename: rendered.filename };
  };
  const server = createSandboxServer({ world, actions, bot: { name: emulator.botInfo.first_name, username: emulator.botInfo.username }, addCustomer, reset, report });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host === '0.0.0.0' ? 'localhost' : host}:${bound}`;

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.stop();
      await emulator.stop();
    })());
  return { url, app, emulator, world, server, reset, stop };
}
