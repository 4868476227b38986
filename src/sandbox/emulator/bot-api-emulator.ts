/**
 * An HTTP server on loopback that impersonates the Telegram Bot API: the one
 * emulator behind the tests, the benchmarks and the sandbox (src/sandbox/). Point telegraf at it with `telegram: { apiRoot: api.apiRoot }`
 * (the app reads TELEGRAM_API_ROOT).
 *
 *   const api = await new BotApiStandIn().start();
 *   const bot = new Telegraf(api.token, { telegram: { apiRoot: api.apiRoot } });
 *   ...
 *   await api.waitFor('sendMessage');
 *   await api.stop();
 *
 * Every call is recorded in `calls`; answers look like Telegram's; errors can be
 * injected per method, per chat or by rate; incoming updates are served through
 * getUpdates (long polling) or POSTed to the webhook the bot registered.
 * Bot API semantics live in ./bot-api-model.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Chat, Update, User, UserFromGetMe } from 'telegraf/types';
import { BotApiModel, MESSAGE_METHODS, type WebhookConfig } from './bot-api-model.js';
import { apiError, BLOCKED_BY_USER, FaultPlan, type ApiResponse, type FaultSpec, type RateLimitOptions } from './faults.js';
import { postJson, readParams, sendJson, sleep, type Params } from './http.js';
import { isRecord, type StoredMessage } from './messages.js';
import { RuleBook, type TelegramRules } from './rules.js';
import { CallLog, type CallMatcher, type RecordedCall, type WaitForOptions } from './recording.js';
import { STAND_IN_BOT, type UpdateDraft } from './updates.js';

export { apiError, ok } from './faults.js';
export type { ApiFailure, ApiResponse, ApiSuccess, FaultSpec, RateLimitOptions } from './faults.js';
export type { WebhookConfig } from './bot-api-model.js';
export type { TelegramRules } from './rules.js';
export type { StoredMessage } from './messages.js';
export type { UploadedFile } from './http.js';
export type { CallMatcher, RecordedCall, RecordedResponse, WaitForOptions } from './recording.js';

export interface BotApiStandInOptions {
  /** When given, calls with another token answer 401. Otherwise any token is accepted. */
  token?: string;
  /** Delay before every answer, in ms (default 0). */
  latencyMs?: number;
  /** Overrides of the `getMe` answer. */
  botInfo?: Partial<User>;
  /** Telegram's rules to enforce (./rules.ts); all off unless given. */
  rules?: Partial<TelegramRules>;
}

/** Custom answer for a method; also makes an unknown method known. */
export type MethodHandler = (params: Params, signal: AbortSignal) => ApiResponse | Promise<ApiResponse>;

/** Methods refused for a blocked / failing chat. */
const CHAT_FAULT_METHODS: ReadonlySet<string> = new Set([...MESSAGE_METHODS, 'sendChatAction']);

const DEFAULT_TOKEN = '7000000001:AAHStandInTokenForTestsOnly_0123456789';
const UNAUTHORIZED = apiError({ code: 401, description: 'Unauthorized' });
const METHOD_NOT_FOUND = apiError({ code: 404, description: 'Not Found: method not found' });
const ROUTE_NOT_FOUND = apiError({ code: 404, description: 'Not Found' });

export class BotApiStandIn {
  /** The configured token, or a plausible default to build bots with. */
  readonly token: string;
  readonly botInfo: UserFromGetMe;
  latencyMs: number;
  /** Every call so far, in the order answered. */
  readonly calls: RecordedCall[];

  private readonly checkToken: boolean;
  private readonly model: BotApiModel;
  private readonly faults = new FaultPlan();
  private readonly ruleBook: RuleBook;
  private readonly overrides = new Map<string, MethodHandler>();
  /** Per chat id, the delays (ms) of its next sends (slowSends). */
  private readonly slowQueue = new Map<string, number[]>();
  private readonly log = new CallLog();
  private server: Server | undefined;
  private port = 0;
  private stopping = false;

  constructor(options: BotApiStandInOptions = {}) {
    this.calls = this.log.calls;
    this.token = options.token ?? DEFAULT_TOKEN;
    this.checkToken = options.token !== undefined;
    this.latencyMs = options.latencyMs ?? 0;
    this.botInfo = { ...STAND_IN_BOT, ...options.botInfo, is_bot: true };
    this.model = new BotApiModel(this.botInfo);
    this.ruleBook = new RuleBook(options.rules);
  }

  /** The Telegram rules enforced now (./rules.ts); assign to switch them. */
  get rules(): TelegramRules {
    return this.ruleBook.rules;
  }

  set rules(rules: Partial<TelegramRules>) {
    this.ruleBook.rules = { ...this.ruleBook.rules, ...rules };
  }

  /** `http://127.0.0.1:PORT`; only valid once started. */
  get apiRoot(): string {
    if (!this.server) throw new Error('BotApiStandIn: apiRoot is only known after start()');
    return `http://127.0.0.1:${this.port}`;
  }

  /** Last setWebhook parameters, until deleteWebhook (or setWebhook with an empty url). */
  get webhook(): WebhookConfig | undefined {
    return this.model.webhook;
  }

  /** getUpdates requests currently held open (long polls waiting for an update). */
  get heldPolls(): number {
    return this.model.updates.waiting;
  }

  /** A group member's status as the bot's approve / ban / unban calls left it (undefined: untouched). */
  memberStatus(chatId: number, userId: number): 'member' | 'kicked' | 'left' | undefined {
    return this.model.memberStatus(chatId, userId);
  }

  /** Updates queued and not yet confirmed through getUpdates' offset. */
  get pendingUpdateCount(): number {
    return this.model.updates.size;
  }

  async start(): Promise<this> {
    if (this.server) return this;
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    this.stopping = false;
    this.model.updates.open();
    return this;
  }

  /** Answers held long polls, then closes the server and every connection (keep-alive ones too). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.stopping = true;
    this.model.updates.close();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Answers still being written (or delayed by latency) get a moment, then their sockets are cut.
    const force = setTimeout(() => server.closeAllConnections(), 100);
    await closed;
    clearTimeout(force);
    this.server = undefined;
  }

  // ---- recorded calls ------------------------------------------------------

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /**
   * Sends, edits, copies and forwards addressed to a chat (chat ids compared as
   * strings), failed ones included unless `delivered` is set.
   */
  messagesTo(chatId: number | string, options: { delivered?: boolean } = {}): RecordedCall[] {
    return this.calls.filter((call) => MESSAGE_METHODS.has(call.method) && String(call.params.chat_id) === String(chatId) && (options.delivered !== true || call.response.ok));
  }

  /** Forgets recorded calls (indices for `waitFor({ since })` restart at 0). */
  clear(): void {
    this.log.clear();
  }

  /** Back to a blank state: calls, faults, overrides, messages, updates and webhook. */
  reset(): void {
    this.clear();
    this.faults.clear();
    this.overrides.clear();
    this.slowQueue.clear();
    this.ruleBook.clear();
    this.model.reset();
  }

  /**
   * Empties the chats, as the sandbox's "Reset sandbox" needs: every message, the pending updates and
   * the topic and pacing state are forgotten. The webhook, the command menus, the known chats and the
   * message id counters stay (ids keep growing, so a late edit of an old message finds nothing).
   */
  clearChats(): void {
    this.model.store.clearMessages();
    this.model.updates.clear();
    this.slowQueue.clear();
    this.ruleBook.clear();
  }

  /** Subscribes to calls as they are recorded; returns the unsubscribe function. */
  onCall(listener: (call: RecordedCall) => void): () => void {
    return this.log.onCall(listener);
  }

  /**
   * Resolves with the first call matching (or, with `count`, the first `count`
   * matches) from index `since` on, as soon as it is recorded. Calls are
   * recorded just before their answer is sent, so a held long poll shows up
   * only once answered (see `heldPolls`). Rejects after `timeoutMs` (default
   * 5000) with the list of recorded methods.
   */
  waitFor(matcher: CallMatcher, options?: WaitForOptions & { count?: undefined }): Promise<RecordedCall>;
  waitFor(matcher: CallMatcher, options: WaitForOptions & { count: number }): Promise<RecordedCall[]>;
  waitFor(matcher: CallMatcher, options: WaitForOptions = {}): Promise<RecordedCall | RecordedCall[]> {
    return this.log.waitFor(matcher, options);
  }

  // ---- what the chats hold (the sandbox reads these) -------------------------

  /** A message as the emulator keeps it (sent by the bot, or seen in an update). */
  message(chatId: number | string, messageId: number): StoredMessage | undefined {
    return this.model.store.get(chatId, messageId)?.message;
  }

  /** The id the next message in the chat gets, for a message a client is about to send. */
  nextMessageId(chatId: number | string): number {
    return this.model.store.nextMessageId(chatId);
  }

  /** Makes a chat known (e.g. a forum supergroup), so getChat and new messages describe it. */
  knowChat(chat: Chat): void {
    this.model.store.learnChat(chat);
  }

  // ---- faults and overrides ------------------------------------------------

  /** The next `times` calls to `method` answer `error` (HTTP status = code; 429 carries retry_after). */
  failNext(method: string, error: FaultSpec, times = 1): void {
    this.faults.failNext(method, error, times);
  }

  /** Every send/edit/copy/forward/chat action to the chat answers 403 "bot was blocked by the user". */
  blockChat(chatId: number | string): void {
    this.faults.setChatFault(String(chatId), BLOCKED_BY_USER);
  }

  /** Lifts `blockChat` (or `failChat`). */
  unblockChat(chatId: number | string): void {
    this.faults.setChatFault(String(chatId), null);
  }

  /** Like `blockChat` with any error; `null` lifts it. */
  failChat(chatId: number | string, error: FaultSpec | null): void {
    this.faults.setChatFault(String(chatId), error);
  }

  /** Global limit on message sends/edits/copies per sliding second (429 beyond it); `null` turns it off. */
  rateLimit(options: RateLimitOptions | null): void {
    this.faults.setRateLimit(options);
  }

  /**
   * The next `times` sends/edits/copies/forwards to the chat are answered after `ms`, or as soon as
   * the client gives up waiting (it aborted or timed out): the message is delivered and recorded
   * either way, as Telegram delivers a message whose answer nobody waited for.
   */
  slowSends(chatId: number | string, ms: number, times = 1): void {
    const queue = this.slowQueue.get(String(chatId)) ?? [];
    for (let i = 0; i < times; i += 1) queue.push(ms);
    this.slowQueue.set(String(chatId), queue);
  }

  /** Answers `method` with `handler` instead of the built-in behaviour; `null` restores it. */
  respond(method: string, handler: MethodHandler | null): void {
    if (handler) this.overrides.set(method, handler);
    else this.overrides.delete(method);
  }

  // ---- incoming updates ----------------------------------------------------

  /**
   * Keeps a file as if a user had uploaded it: the Document to put in a message a test user sends
   * (getFile describes it, `<apiRoot>/file/bot<token>/<file_path>` serves its bytes).
   */
  putFile(content: Buffer | string, fileName: string, mimeType?: string): { file_id: string; file_unique_id: string; file_name: string; file_size: number; mime_type?: string } {
    return this.model.putFile(typeof content === 'string' ? Buffer.from(content, 'utf8') : content, fileName, mimeType);
  }

  /** Queues an update for getUpdates (assigning `update_id` when missing) and returns it. */
  pushUpdate(update: UpdateDraft | Update): Update {
    this.model.store.ingest(update);
    return this.model.updates.push(update);
  }

  /**
   * POSTs the update to the registered webhook like Telegram does, with the
   * secret token set via setWebhook (or `secretToken`; `null` sends none).
   * A method call in the response body (telegraf's webhookReply) is executed
   * and recorded, as Telegram would.
   */
  async deliverWebhook(update: UpdateDraft | Update, options: { secretToken?: string | null } = {}): Promise<{ status: number; body: string }> {
    const webhook = this.model.webhook;
    if (!webhook) throw new Error('BotApiStandIn.deliverWebhook: no webhook is set (setWebhook was not called)');
    const stamped = this.model.updates.stamp(update);
    this.model.store.ingest(stamped);
    const secret = options.secretToken === undefined ? webhook.secret_token : options.secretToken;
    const headers: Record<string, string> = secret ? { 'x-telegram-bot-api-secret-token': secret } : {};
    const answer = await postJson(webhook.url, JSON.stringify(stamped), headers);
    await this.executeWebhookReply(answer.body);
    return answer;
  }

  private async executeWebhookReply(body: string): Promise<void> {
    let reply: unknown;
    try {
      reply = JSON.parse(body);
    } catch {
      return;
    }
    if (!isRecord(reply) || typeof reply.method !== 'string') return;
    const { method, ...params } = reply;
    const at = Date.now();
    const response = await this.answer(this.token, method, params, new AbortController().signal);
    this.record({ method, params, at, response });
  }

  // ---- transport -----------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const gone = new AbortController();
    // The client going away (e.g. telegraf aborting its long poll on stop) ends held polls.
    res.on('close', () => {
      if (!res.writableEnded) gone.abort();
    });
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
      if (file) {
        req.resume();
        this.serveFile(res, file[1] ?? '', file[2] ?? '', at);
        return;
      }
      const route = /^\/bot([^/]+)\/(?:test\/)?([A-Za-z0-9_]+)\/?$/.exec(url.pathname);
      if (!route) {
        req.resume();
        sendJson(res, 404, ROUTE_NOT_FOUND, this.stopping);
        return;
      }
      const [, token = '', method = ''] = route;
      let params: Params = {};
      let response: ApiResponse | undefined;
      try {
        params = await readParams(req, url);
      } catch (error) {
        response = apiError({ code: 400, description: `Bad Request: can't parse request body: ${String(error)}` });
      }
      // telegraf repeats the method as a form field in multipart requests.
      if (params.method === method) delete params.method;
      await sleep(this.latencyMs);
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- chat_id is a number or an @username
      const slow = MESSAGE_METHODS.has(method) && params.chat_id !== undefined ? this.slowQueue.get(String(params.chat_id))?.shift() : undefined;
      if (slow !== undefined) await sleepUnless(slow, gone.signal);
      response ??= await this.answer(token, method, params, gone.signal);
      this.record({ method, params, at, response });
      sendJson(res, response.ok ? 200 : response.error_code, response, this.stopping);
    } catch (error) {
      // A bug in the stand-in: surface it to the client instead of hanging the request.
      sendJson(res, 500, apiError({ code: 500, description: `Internal Server Error: ${String(error)}` }), true);
    }
  }

  /**
   * A file download (`/file/bot<token>/<file_path>`), recorded as a call to `downloadFile` with its
   * file_path. A file kept by putFile is served as it is; an unknown path gets a line of placeholder
   * text (getFile describes any file_id).
   */
  private serveFile(res: ServerResponse, token: string, path: string, at: number): void {
    if (this.checkToken && token !== this.token) {
      this.record({ method: 'downloadFile', params: { file_path: path }, at, response: UNAUTHORIZED });
      sendJson(res, 401, UNAUTHORIZED, this.stopping);
      return;
    }
    const kept = this.model.fileAt(path);
    const body = kept ? kept.bytes : Buffer.from(`stand-in file ${path}`);
    this.record({ method: 'downloadFile', params: { file_path: path }, at, response: { ok: true, result: { file_path: path, size: body.length } } });
    res.writeHead(200, { 'content-type': kept?.mime_type ?? 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  }

  /** Decides the answer: token, scheduled faults, chat faults, rate limit, then the method itself. */
  private async answer(token: string, method: string, params: Params, signal: AbortSignal): Promise<ApiResponse> {
    if (this.checkToken && token !== this.token) return UNAUTHORIZED;
    const scheduled = this.faults.takeMethodFault(method);
    if (scheduled) return scheduled;
    const handler = this.overrides.get(method) ?? this.model.handler(method);
    if (!handler) return METHOD_NOT_FOUND;
    if (params.chat_id !== undefined && CHAT_FAULT_METHODS.has(method)) {
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- chat_id is a number or an @username
      const chatFault = this.faults.chatFault(String(params.chat_id));
      if (chatFault) return chatFault;
    }
    const broken = this.ruleBook.check(method, params, Date.now());
    if (broken) return broken;
    if (MESSAGE_METHODS.has(method)) {
      const limited = this.faults.admit(Date.now());
      if (limited) return limited;
    }
    const response = await handler(params, signal);
    if (response.ok) this.ruleBook.observe(method, params);
    return response;
  }

  private record(call: RecordedCall): void {
    this.log.record(call);
  }
}

/** Waits `ms`, or less if `signal` aborts first. */
function sleepUnless(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
