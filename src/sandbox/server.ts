/**
 * The sandbox's web server: the page (src/sandbox/web/), its JSON API and its event stream
 * (server-sent events: one `change` per chat that changed, `toast` for a callback answer). Plain
 * node:http: a dozen routes do not need a framework, and the sandbox ships with no extra package.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { rootPath } from '../shared/paths.js';
import { SandboxError, type Actions, type ShippingAddress } from './actions.js';
import { isRecord } from './emulator/messages.js';
import { pictureSvg } from './media.js';
import type { Language, Persona, World, WorldEvent } from './world.js';
import { isReportKind, type ReportKind } from '../domain/reports/service.js';
import { periodPresets, type PeriodPreset } from '../domain/reports/period.js';

const WEB_DIR = rootPath('src', 'sandbox', 'web');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };
const MAX_BODY = 64 * 1024;

export interface SandboxServerDeps {
  world: World;
  actions: Actions;
  bot: { name: string; username: string };
  addCustomer(name: string, language: Language): Persona;
  /** "Reset sandbox": back to the just-started state (src/sandbox/start.ts). */
  reset(): Promise<void>;
  /** The managers' reports, drawn by the app (src/sandbox/start.ts): a PNG or the CSV beside it. */
  report?(request: ReportRequest): Promise<{ body: Buffer; type: string; filename: string }>;
}

export interface ReportRequest {
  kind: ReportKind;
  format: 'png' | 'csv';
  lang: Language;
  /** A preset, or a custom range of two local dates. */
  period: PeriodPreset | { from: string; to: string };
}

type Json = Record<string, unknown>;

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Json> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new SandboxError('body_too_large', 413);
    chunks.push(chunk as Buffer);
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (!isRecord(parsed)) throw new Error('not an object');
    return parsed;
  } catch {
    throw new SandboxError('bad_json');
  }
}

const int = (value: unknown, what: string): number => {
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new SandboxError(`bad_${what}`);
  return n;
};
const optionalInt = (value: unknown, what: string): number | undefined => (value === undefined || value === null || value === '' ? undefined : int(value, what));
/**
 * Only the page itself may act. A browser names the page a POST comes from (Origin), and a plain
 * HTML form cannot send JSON (a cross-site fetch that does needs a CORS preflight this server never
 * grants): another site open in the same browser cannot drive the sandbox, nor a DNS-rebound name.
 */
function refuseForeign(req: IncomingMessage): void {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new SandboxError('json_required', 415);
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let host = '';
  try {
    host = new URL(origin).host;
  } catch {
    // An origin that is not a URL ("null" from a sandboxed frame) is not the page.
  }
  if (host !== req.headers.host) throw new SandboxError('cross_origin', 403);
}

/** The name the request was addressed to is this machine's loopback (localhost, 127.x.x.x, [::1]). */
function addressedToLoopback(req: IncomingMessage): boolean {
  try {
    return /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i.test(new URL(`http://${req.headers.host ?? ''}`).hostname);
  } catch {
    return false;
  }
}

const str = (value: unknown, max: number): string => (typeof value === 'string' ? value.slice(0, max) : '');

export function createSandboxServer(deps: SandboxServerDeps): Server {
  const { world, actions } = deps;
  const persona = (value: unknown): Persona => {
    const found = world.personas.get(int(value, 'persona'));
    if (!found) throw new SandboxError('persona_not_found', 404);
    return found;
  };
  const personaView = (p: Persona) => ({ ...p, commands: world.commandsFor(p) });

  const chatsOf = (p: Persona) => {
    const own = world.messages(p.id);
    const chats: Json[] = [{ id: p.id, kind: 'bot', title: deps.bot.name, last: own.at(-1) ?? null }];
    if (p.role !== 'customer') {
      const all = [...world.topics.values()].map((topic) => ({ ...topic, last: world.messages(world.groupId, topic.threadId).at(-1) ?? null }));
      chats.push({ id: world.groupId, kind: 'forum', title: world.groupTitle, topics: all.reverse(), last: all[0]?.last ?? null });
    }
    return chats;
  };

  const get = (url: URL): unknown => {
    const q = url.searchParams;
    switch (url.pathname) {
      case '/api/state':
        return { bot: deps.bot, group: { id: world.groupId, title: world.groupTitle }, personas: [...world.personas.values()].map(personaView) };
      case '/api/chats':
        return { chats: chatsOf(persona(q.get('persona'))) };
      case '/api/messages': {
        const p = persona(q.get('persona'));
        const chatId = int(q.get('chat'), 'chat');
        if (chatId !== p.id && (chatId !== world.groupId || p.role === 'customer')) throw new SandboxError('chat_not_found', 404);
        const threadId = optionalInt(q.get('thread'), 'thread');
        const topic = threadId === undefined ? null : (world.topics.get(threadId) ?? null);
        return { messages: world.messages(chatId, threadId), keyboard: chatId === p.id ? world.keyboard(chatId) : null, commands: world.commandsFor(p), topic };
      }
      default:
        throw new SandboxError('not_found', 404);
    }
  };

  const post = async (url: URL, body: Json, req: IncomingMessage): Promise<unknown> => {
    const block = /^\/api\/personas\/(\d+)\/block$/.exec(url.pathname);
    if (block) {
      actions.setBlocked(persona(block[1]), body.blocked === true);
      return { ok: true };
    }
    switch (url.pathname) {
      case '/api/reset':
        // Loopback only: someone reaching a sandbox opened with SANDBOX_HOST from elsewhere cannot wipe it.
        if (!addressedToLoopback(req)) throw new SandboxError('loopback_only', 403);
        if (body.confirm !== true) throw new SandboxError('confirm_required');
        await deps.reset();
        return { ok: true };
      case '/api/personas': {
        const name = str(body.name, 64).trim();
        if (!name) throw new SandboxError('name_required');
        const language: Language = body.language === 'en' ? 'en' : 'zh-CN';
        return personaView(deps.addCustomer(name, language));
      }
      case '/api/send': {
        if (typeof body.text !== 'string') throw new SandboxError('empty_message');
        return { message: actions.sendText(persona(body.persona), body.text, optionalInt(body.thread, 'thread')) };
      }
      case '/api/contact':
        return { message: actions.shareContact(persona(body.persona)) };
      case '/api/callback':
        actions.press(persona(body.persona), int(body.chat, 'chat'), int(body.message, 'message'), str(body.data, 256));
        return { ok: true };
      case '/api/shipping':
        return actions.shipping(persona(body.persona), int(body.message, 'message'), address(body.address));
      case '/api/pay':
        return actions.pay(persona(body.persona), {
          messageId: int(body.message, 'message'),
          shippingOptionId: typeof body.shippingOption === 'string' ? body.shippingOption : undefined,
          name: str(body.name, 128) || undefined,
          phone: str(body.phone, 32) || undefined,
          address: isRecord(body.address) ? address(body.address) : undefined,
        });
      default:
        throw new SandboxError('not_found', 404);
    }
  };

  const events = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    const name = (event: WorldEvent) => (event.type === 'toast' || event.type === 'reset' ? event.type : 'change');
    const listener = (event: WorldEvent) => res.write(`event: ${name(event)}\ndata: ${JSON.stringify(event)}\n\n`);
    const off = world.on(listener);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      off();
      clearInterval(ping);
    });
  };

  return createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://sandbox.local');
      try {
        if (req.method === 'GET' && url.pathname === '/api/events') return events(req, res);
        if (req.method === 'GET' && url.pathname === '/healthz') return send(res, 200, { ok: true });
        if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
        if (req.method === 'GET' && url.pathname === '/media' && url.searchParams.has('upload')) {
          const picture = world.picture(Number(url.searchParams.get('upload')));
          if (!picture) return send(res, 404, { error: 'not_found' });
          res.writeHead(200, { 'content-type': picture.type, 'content-length': picture.bytes.length, 'cache-control': 'max-age=3600' });
          return res.end(picture.bytes);
        }
        if (req.method === 'GET' && url.pathname === '/media') {
          res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=3600' });
          return res.end(pictureSvg(url.searchParams.get('src') ?? ''));
        }
        const report = /^\/api\/reports\/([a-z]+)\.(png|csv)$/.exec(url.pathname);
        if (req.method === 'GET' && report && deps.report) return await sendReport(res, (r) => deps.report!(r), report[1]!, report[2] as 'png' | 'csv', url.searchParams);
        if (req.method === 'GET' && url.pathname.startsWith('/api/')) return send(res, 200, get(url));
        if (req.method === 'POST' && url.pathname.startsWith('/api/')) {
          refuseForeign(req);
          return send(res, 200, await post(url, await readJson(req), req));
        }
        if (req.method === 'GET') return await serveFile(url.pathname, res);
        send(res, 405, { error: 'method_not_allowed' });
      } catch (err) {
        if (err instanceof SandboxError) return send(res, err.status, { error: err.code });
        send(res, 500, { error: 'internal', detail: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** GET /api/reports/<kind>.png|csv?period=today|7d|30d (or from=&to=) &lang=zh-CN|en: what /report sends a manager. */
async function sendReport(res: ServerResponse, report: NonNullable<SandboxServerDeps['report']>, kind: string, format: 'png' | 'csv', q: URLSearchParams): Promise<void> {
  if (!isReportKind(kind)) throw new SandboxError('not_found', 404);
  const preset = q.get('period') ?? '7d';
  const [from, to] = [q.get('from') ?? '', q.get('to') ?? ''];
  let period: ReportRequest['period'];
  if (DAY.test(from) && DAY.test(to) && from <= to) period = { from, to };
  else if ((periodPresets as readonly string[]).includes(preset)) period = preset as PeriodPreset;
  else throw new SandboxError('bad_period');
  const out = await report({ kind, format, lang: q.get('lang') === 'en' ? 'en' : 'zh-CN', period });
  res.writeHead(200, { 'content-type': out.type, 'cache-control': 'no-store', 'content-disposition': `${format === 'csv' ? 'attachment' : 'inline'}; filename="${out.filename}"` });
  res.end(out.body);
}

function address(value: unknown): ShippingAddress {
  const a = isRecord(value) ? value : {};
  const result = {
    country_code: str(a.country_code, 2).toUpperCase() || 'CN',
    state: str(a.state, 64),
    city: str(a.city, 64),
    street_line1: str(a.street_line1, 128),
    street_line2: str(a.street_line2, 128),
    post_code: str(a.post_code, 12),
  };
  if (!result.city || !result.street_line1) throw new SandboxError('address_incomplete');
  return result;
}

async function serveFile(pathname: string, res: ServerResponse): Promise<void> {
  const name = pathname === '/' ? 'index.html' : pathname.replace(/^\/+/, '');
  const type = TYPES[path.extname(name)];
  // Only plain file names of the web directory: no sub-paths, no dot files.
  if (!type || !/^[a-z0-9-]+\.[a-z]+$/.test(name)) throw new SandboxError('not_found', 404);
  const body = await readFile(path.join(WEB_DIR, name)).catch(() => null);
  if (!body) throw new SandboxError('not_found', 404);
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
  res.end(body);
}
