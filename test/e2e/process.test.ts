/**
 * The real entry point as a child process (src/main.ts compiled to JavaScript, run by plain node
 * as the image runs dist/src/main.js; see test/support/compiled.ts), as a deployment runs it:
 * configuration errors and unreachable backing services end it with one clear message and a
 * non-zero code, and a correctly configured process starts, answers Telegram, and stops cleanly
 * on SIGTERM, finishing the update it is handling first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BotApiStandIn, ok } from '../support/bot-api-stand-in.js';
import { nodeArgsFor } from '../support/compiled.js';
import { createTestDb, dropPrefix, REDIS_URL, type TestDb } from '../support/db.js';
import { appEnv, TEST_TOKEN } from '../support/harness.js';
import { textUpdate, userFor } from '../support/updates.js';
import { waitFor } from '../support/wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// Every test starts the app in Node, which takes a few seconds on a busy 2-core machine.
vi.setConfig({ testTimeout: 60_000 });

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `src/main.ts` with exactly `env` (plus PATH and HOME): nothing leaks in from the test's environment. `preload`: a module node imports first. */
function run(env: Record<string, string>, preload?: string): Run {
  const child = spawn(process.execPath, [...(preload ? ['--import', preload] : []), ...nodeArgsFor('src/main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits for the process to end on its own, killing it after `ms` so a hang fails the test instead of blocking it. */
async function ended(r: Run, ms = 20_000) {
  const timer = setTimeout(() => r.child.kill('SIGKILL'), ms);
  try {
    return await r.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** A stack trace prints lines like "    at startApp (file:///…/src/app.ts:12:3)". */
const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|<anonymous>)$/m;

describe('configuration errors', () => {
  it('no BOT_TOKEN, a MySQL DATABASE_URL and WEBHOOK_URL without WEBHOOK_SECRET: every problem in one message, exit non-zero', async () => {
    const r = run({ DATABASE_URL: 'mysql://x', WEBHOOK_URL: 'https://bot.example.com/telegram' });
    const { code } = await ended(r);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    const stderr = r.stderr();
    expect(stderr).toMatch(/BOT_TOKEN/);
    expect(stderr).toMatch(/DATABASE_URL/);
    expect(stderr).toMatch(/WEBHOOK_SECRET/);
    // One message: a single heading, the three problems under it.
    expect(stderr.match(/Invalid configuration/g)).toHaveLength(1);
    const problems = stderr.split('\n').filter((l) => /^\s*-\s/.test(l));
    expect(problems).toHaveLength(3);
    expect(stderr).not.toMatch(STACK_LINE);
  });

  it('a malformed token alone is named, with no secret echoed', async () => {
    const r = run({ BOT_TOKEN: 'not-a-token-s3cr3t' });
    const { code } = await ended(r);
    expect(code).not.toBe(0);
    expect(r.stderr()).toMatch(/BOT_TOKEN/);
    expect(r.stderr()).not.toContain('s3cr3t');
    expect(r.stderr()).not.toMatch(STACK_LINE);
  });
});

describe('backing services unreachable at start', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const base = (): Record<string, string> => ({
    BOT_TOKEN: TEST_TOKEN,
    TELEGRAM_API_ROOT: 'http://127.0.0.1:1',
    DATABASE_URL: db.url,
    REDIS_URL,
    PORT: '0',
    QUEUE_PREFIX: `p${randomBytes(4).toString('hex')}`,
  });

  it('Postgres on a closed port: a message naming Postgres (password redacted), no stack trace, exit non-zero', async () => {
    const r = run({ ...base(), DATABASE_URL: 'postgres://app:pg-s3cret@127.0.0.1:1/tjd' });
    const { code } = await ended(r);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(r.stderr()).toMatch(/Postgres/);
    expect(r.stderr()).toContain('127.0.0.1:1');
    expect(r.stderr()).not.toContain('pg-s3cret');
    expect(r.stderr()).not.toMatch(STACK_LINE);
    expect(r.stderr()).not.toMatch(/Redis/);
    // What a newcomer does about it.
    expect(r.stderr()).toContain('docker compose up -d postgres redis`, or set DATABASE_URL');
  });

  it('Redis on a closed port: a message naming Redis, no stack trace, exit non-zero', async () => {
    const r = run({ ...base(), REDIS_URL: 'redis://127.0.0.1:1' });
    const { code } = await ended(r);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(r.stderr()).toMatch(/Redis/);
    expect(r.stderr()).toContain('127.0.0.1:1');
    expect(r.stderr()).toContain('connect ECONNREFUSED 127.0.0.1:1');
    expect(r.stderr()).toContain('docker compose up -d postgres redis`, or set REDIS_URL');
    expect(r.stderr()).not.toMatch(STACK_LINE);
  });
});

describe('a correctly configured process', () => {
  let api: BotApiStandIn;
  let db: TestDb;
  const prefix = `p${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    api = await new BotApiStandIn({ token: TEST_TOKEN }).start();
    db = await createTestDb();
  });
  afterAll(async () => {
    await api?.stop();
    await db?.drop();
    await dropPrefix(REDIS_URL, prefix);
  });

  const env = (): Record<string, string> => appEnv(api.apiRoot, db.url, prefix);

  /** Starts the process and resolves once it holds a long poll (it is ready for updates). */
  async function started(extra: Record<string, string> = {}): Promise<Run> {
    const since = api.calls.length;
    const r = run({ ...env(), ...extra });
    try {
      await api.waitFor('getMe', { since, timeoutMs: 20_000 }).catch(() => {
        throw new Error(`no getMe; stderr: ${r.stderr()}`);
      });
      // A held long poll is only recorded once answered: seeing it held is enough.
      await waitFor('a held long poll', () => api.heldPolls > 0, { timeoutMs: 20_000, intervalMs: 20 }).catch(() => {
        throw new Error(`no long poll held; stderr: ${r.stderr()}`);
      });
    } catch (err) {
      // A process that never got ready must not outlive the test run.
      r.child.kill('SIGKILL');
      throw err;
    }
    return r;
  }

  it('starts (getMe, setMyCommands, long polling), answers /start, and exits 0 on SIGTERM within a few seconds', async () => {
    const since = api.calls.length;
    const r = await started();
    try {
      expect(api.calls.slice(since).filter((c) => c.method === 'setMyCommands').length).toBeGreaterThanOrEqual(2);

      const user = userFor(730_001, { languageCode: 'en' });
      const from = api.calls.length;
      api.pushUpdate(textUpdate(user, '/start'));
      // A first /start asks about news and offers once, and shows the main menu.
      const reply = await api.waitFor((c) => c.method === 'sendMessage' && c.params.chat_id === user.id && /Welcome/.test(String(c.params.text)), {
        since: from,
        timeoutMs: 10_000,
      });
      expect(String(reply.params.text)).toContain('Welcome to the Tesla official flagship store');

      const stopAt = Date.now();
      r.child.kill('SIGTERM');
      const { code, signal } = await ended(r, 15_000);
      expect(signal).toBeNull();
      expect(code).toBe(0);
      expect(Date.now() - stopAt).toBeLessThan(5_000);
      expect(r.stderr()).not.toMatch(STACK_LINE);
      // The token's secret part never shows up in what the process printed.
      expect(r.stdout() + r.stderr()).not.toContain(TEST_TOKEN.split(':')[1]);
    } finally {
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    }
  });

  it('killed (SIGKILL) in the middle of a handler: the update stays pending and is handled after the restart', async () => {
    const lease = { INBOX_LEASE_MS: '1500' };
    const r = await started(lease);
    const user = userFor(730_010, { languageCode: 'en' });
    // The first send to this chat never gets its answer: the handler is mid-way when the process is killed.
    let hung = false;
    api.respond('sendMessage', async (params) => {
      if (params.chat_id === user.id && !hung) {
        hung = true;
        await new Promise((resolve) => setTimeout(resolve, 3_000));
      }
      return ok({ message_id: 7, date: Math.floor(Date.now() / 1000), chat: { id: Number(params.chat_id), type: 'private' }, text: String(params.text) });
    });
    // The stand-in numbers it after the updates it handed out before (an older id would count as confirmed).
    const update = api.pushUpdate(textUpdate(user, '/start'));
    try {
      await waitFor('the handler to be running', () => hung, { timeoutMs: 15_000 });
      r.child.kill('SIGKILL');
      await ended(r, 5_000);
    } finally {
      api.respond('sendMessage', null);
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    }
    const [pending] = await db.sql`select state from inbox_updates where update_id = ${update.update_id}`;
    expect(pending!.state).toBe('pending');
    const again = await started(lease);
    try {
      await waitFor(
        'the update to be done after the restart',
        async () => (await db.sql`select 1 from inbox_updates where update_id = ${update.update_id} and state = 'done'`).length > 0,
        {
          timeoutMs: 20_000,
        },
      );
      const welcome = api.calls.filter((c) => c.method === 'sendMessage' && c.params.chat_id === user.id && /Welcome/.test(String(c.params.text)));
      expect(welcome.length).toBeGreaterThanOrEqual(1);
      again.child.kill('SIGTERM');
      expect((await ended(again, 15_000)).code).toBe(0);
    } finally {
      if (again.child.exitCode === null && again.child.signalCode === null) again.child.kill('SIGKILL');
    }
  }, 120_000);

  it('an update that crashes the process every time it is handled is parked after INBOX_MAX_ATTEMPTS claims, the admin is told, and the chat goes on', async () => {
    const poison = '💣 crashes the bot';
    const admin = 730_099;
    const env2 = { ...env(), INBOX_MAX_ATTEMPTS: '2', INBOX_LEASE_MS: '500', CRASH_ON_TEXT: poison, ADMIN_IDS: String(admin) };
    const preload = fileURLToPath(new URL('../support/crash-on-text.mjs', import.meta.url));
    const user = userFor(730_020, { languageCode: 'en' });
    const bad = api.pushUpdate(textUpdate(user, poison));
    const after = api.pushUpdate(textUpdate(user, '/start'));
    const stateOf = async (id: number) => (await db.sql`select state, attempts, last_error from inbox_updates where update_id = ${id}`)[0];
    const crashes: Array<number | null> = [];
    let last: Run | null = null;
    try {
      // Each process claims the row, starts handling it and dies; a new one is started, as a supervisor would.
      for (let i = 0; i < 6 && (await stateOf(bad.update_id))?.state !== 'parked'; i++) {
        last = run(env2, preload);
        const outcome = await Promise.race([
          last.exited.then((e) => ({ exited: e })),
          waitFor('the poison update to be parked', async () => (await stateOf(bad.update_id))?.state === 'parked', { timeoutMs: 40_000 }).then(() => null),
        ]);
        if (outcome) crashes.push(outcome.exited.code);
      }
      // Two claims, two crashes (exit code 1, the uncaught error); the third claim parks it instead.
      expect(crashes).toEqual([1, 1]);
      expect(last!.stderr()).not.toMatch(/crash-on-text/);
      const parked = await stateOf(bad.update_id);
      expect(parked).toMatchObject({ state: 'parked', attempts: 2 });
      expect(String(parked!.last_error)).toMatch(/claimed 2 times without an outcome recorded/);
      // The chat's next update is handled, and the admin hears about the parked one.
      await waitFor('the update after it to be done', async () => (await stateOf(after.update_id))?.state === 'done', { timeoutMs: 20_000 });
      expect(api.calls.some((c) => c.method === 'sendMessage' && c.params.chat_id === user.id && /Welcome/.test(String(c.params.text)))).toBe(true);
      const notice = await api.waitFor((c) => c.method === 'sendMessage' && c.params.chat_id === admin && String(c.params.text).includes(String(bad.update_id)), {
        timeoutMs: 10_000,
      });
      expect(String(notice.params.text)).toContain('claimed 2 times without an outcome recorded');
      last!.child.kill('SIGTERM');
      expect((await ended(last!, 15_000)).code).toBe(0);
    } finally {
      if (last && last.child.exitCode === null && last.child.signalCode === null) last.child.kill('SIGKILL');
    }
  }, 180_000);

  it('another process polling with the same token (409): a clear message and a non-zero exit, not silence', async () => {
    const r = await started();
    try {
      // A second getUpdates ends the held one with 409, as Telegram does.
      await fetch(`${api.apiRoot}/bot${TEST_TOKEN}/getUpdates`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"timeout":0}' });
      const { code } = await ended(r, 20_000);
      expect(code).not.toBe(0);
      expect(r.stderr()).toMatch(/409.*another process is polling with this token, or a webhook is set/);
      expect(r.stderr()).not.toMatch(STACK_LINE);
    } finally {
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    }
  });

  it('a webhook is set while polling is configured (409 at start): a clear message and a non-zero exit', async () => {
    await fetch(`${api.apiRoot}/bot${TEST_TOKEN}/setWebhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"url":"https://example.invalid/hook"}' });
    try {
      const r = run(env());
      const { code } = await ended(r, 20_000);
      expect(code).not.toBe(0);
      expect(r.stderr()).toMatch(/409.*webhook/);
      expect(r.stderr()).not.toMatch(STACK_LINE);
    } finally {
      await fetch(`${api.apiRoot}/bot${TEST_TOKEN}/deleteWebhook`, { method: 'POST' });
    }
  });

  it('a token Telegram rejects (401): a clear message naming BOT_TOKEN and a non-zero exit', async () => {
    const r = run({ ...env(), BOT_TOKEN: '7000000001:AAHWrongTokenForTestsOnly_0123456789xx' });
    const { code } = await ended(r, 20_000);
    expect(code).not.toBe(0);
    expect(r.stderr()).toMatch(/Telegram rejected BOT_TOKEN \(401/);
    expect(r.stderr()).not.toContain('AAHWrongTokenForTestsOnly');
  });

  it('SIGTERM while an update is being handled: the handler finishes (reply sent, state saved), then exit 0', async () => {
    const r = await started();
    const user = userFor(730_002, { languageCode: 'zh-hans' });
    const MESSAGE_ID = 4242;
    let signalled = false;
    let answeredAt = 0;
    // "Telegram" takes 1 s to answer this sendMessage; the signal arrives while the bot waits for it.
    api.respond('sendMessage', async (params) => {
      if (!signalled) {
        signalled = true;
        r.child.kill('SIGTERM');
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      answeredAt = Date.now();
      return ok({ message_id: MESSAGE_ID, date: Math.floor(Date.now() / 1000), chat: { id: user.id, type: 'private', first_name: user.first_name }, text: String(params.text) });
    });
    try {
      const from = api.calls.length;
      api.pushUpdate(textUpdate(user, '/start'));
      const { code } = await ended(r, 15_000);
      const exitedAt = Date.now();
      expect(signalled).toBe(true);
      expect(code).toBe(0);
      await waitFor('the slow sendMessage to be answered', () => answeredAt > 0, { timeoutMs: 5_000, intervalMs: 20 });
      const replies = api.calls.slice(from).filter((c) => c.method === 'sendMessage' && c.params.chat_id === user.id);
      // The consent question and the menu: both sent although the signal came during the first.
      expect(replies).toHaveLength(2);
      expect(String(replies[1]!.params.text)).toContain('欢迎来到特斯拉京东官方旗舰店');
      // Draining means waiting for the update in hand: the process may only end after its reply was answered.
      expect(exitedAt).toBeGreaterThanOrEqual(answeredAt);
      // The handler ran to its end before the process let go of the database: the chat's state
      // names the menu message "Telegram" returned.
      const [state] = await db.sql<Array<{ menu_message_id: number | null }>>`
        select menu_message_id from conversation_states where chat_id = ${user.id}`;
      expect(state?.menu_message_id).toBe(MESSAGE_ID);
      expect(r.stderr()).not.toMatch(STACK_LINE);
    } finally {
      api.respond('sendMessage', null);
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    }
  });

  it('SIGTERM while a handler runs past HANDLER_TIMEOUT_MS: the process still waits for its real end, then exits 0', async () => {
    const since = api.calls.length;
    const r = run({ ...env(), HANDLER_TIMEOUT_MS: '1000' });
    await api.waitFor('getMe', { since, timeoutMs: 20_000 });
    await waitFor('a held long poll', () => api.heldPolls > 0, { timeoutMs: 20_000, intervalMs: 20 });
    const user = userFor(730_003, { languageCode: 'en' });
    let signalled = false;
    let answeredAt = 0;
    // "Telegram" takes 3 s, three times the handler timeout, to answer the first reply.
    api.respond('sendMessage', async (params) => {
      if (!signalled) {
        signalled = true;
        r.child.kill('SIGTERM');
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        answeredAt = Date.now();
      }
      return ok({ message_id: 4343, date: Math.floor(Date.now() / 1000), chat: { id: user.id, type: 'private', first_name: user.first_name }, text: String(params.text) });
    });
    try {
      const from = api.calls.length;
      api.pushUpdate(textUpdate(user, '/start'));
      const { code } = await ended(r, 20_000);
      const exitedAt = Date.now();
      expect(code).toBe(0);
      expect(answeredAt).toBeGreaterThan(0);
      expect(exitedAt).toBeGreaterThanOrEqual(answeredAt);
      // The handler went on after the slow reply (the menu), and no apology was sent for the timeout.
      const replies = api.calls.slice(from).filter((c) => c.method === 'sendMessage' && c.params.chat_id === user.id);
      expect(replies.map((c) => String(c.params.text)).some((t) => t.includes('Welcome to the Tesla official flagship store'))).toBe(true);
      expect(r.stderr()).not.toMatch(STACK_LINE);
    } finally {
      api.respond('sendMessage', null);
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    }
  });
});
