/**
 * The README's two commands as a newcomer runs them: a fresh clone of the repository as committed
 * (node_modules linked rather than installed, to spare the 2-core machine an `npm ci`), nothing
 * in the environment but PATH, HOME, DATABASE_URL and REDIS_URL, and a database name the server
 * does not have yet.
 *
 * - The tests (a short form of `npm test`: one unit and one integration file, no coverage) make
 *   their own databases on the DATABASE_URL server and pass.
 * - `npm run dev`, with no BOT_TOKEN as on a fresh machine, makes the database, migrates and seeds
 *   it and starts the sandbox (src/sandbox/), which answers /healthz and a customer's /start
 *   through its HTTP API, the way its page does. Nothing here talks to Telegram.
 * - `npm run db:migrate` and `npm run ops` read the clone's .env, and ops needs no BOT_TOKEN.
 * - With Postgres and Redis down, the tests say so, with the addresses and the command that
 *   starts them, and no stack trace.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { withDatabase } from '../../src/db/server.js';
import { adminUrl, dropPrefix, REDIS_URL, testDbName } from '../support/db.js';
import { PG } from '../support/test-server.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// A clone, two vitest runs and three npm scripts under tsx: a minute or more on a busy 2-core machine.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

/** A stack trace prints lines like "    at startApp (file:///…/src/app.ts:12:3)". */
const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|<anonymous>)$/m;

let clone: string;
const database = testDbName('t');
const DATABASE_URL = withDatabase(PG.url, database);
const prefix = `nc${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  clone = path.join(mkdtempSync(path.join(os.tmpdir(), 'tjd-newcomer-')), 'app');
  await run('git', ['clone', '--quiet', ROOT, clone], { cwd: os.tmpdir(), env: {} });
  symlinkSync(realpathSync(path.join(ROOT, 'node_modules')), path.join(clone, 'node_modules'));
});
afterAll(async () => {
  if (clone) rmSync(path.dirname(clone), { recursive: true, force: true });
  const sql = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  await sql.unsafe(`drop database if exists ${database} with (force)`).finally(() => sql.end());
  await dropPrefix(REDIS_URL, prefix);
});

interface Result {
  code: number | null;
  out: string;
}

/** Runs a command with exactly `env` plus PATH and HOME; stdout and stderr together, as a terminal shows them. */
function run(cmd: string, args: string[], opts: { cwd?: string; env: Record<string, string>; timeoutMs?: number }): Promise<Result> {
  const child = spawn(cmd, args, { cwd: opts.cwd ?? clone, env: newcomerEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => kill(child.pid, 'SIGKILL'), opts.timeoutMs ?? 180_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    }),
  );
}

const newcomerEnv = (env: Record<string, string>) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env });

/** Signals the process group of a child started with `detached` (npm, its shell, tsx and node). */
function kill(pid: number | undefined, signal: NodeJS.Signals) {
  try {
    if (pid) process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

const exists = async (name: string) => {
  const sql = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  try {
    return (await sql`select 1 from pg_database where datname = ${name}`).length === 1;
  } finally {
    await sql.end();
  }
};

describe('a newcomer with a fresh clone, Postgres and Redis', () => {
  it('the tests pass with only DATABASE_URL and REDIS_URL set, the database in it not existing', async () => {
    expect(await exists(database)).toBe(false);
    const r = await run('npx', ['vitest', 'run', 'test/unit/config.test.ts', 'test/integration/orders.test.ts'], { env: { DATABASE_URL, REDIS_URL } });
    expect(r.out).toMatch(/Test Files\s.*2 passed/);
    expect(r.code, r.out).toBe(0);
    // The suite used the server, not the database DATABASE_URL names: `npm run dev` makes that one.
    expect(await exists(database)).toBe(false);
  });

  it('npm run dev with no BOT_TOKEN makes the database and starts the sandbox, which answers /healthz and a customer', async () => {
    const port = await freePort();
    // Only the servers, a queue prefix of this test's own and a free port for the page: no token, no Bot API root.
    const env = { DATABASE_URL, REDIS_URL, QUEUE_PREFIX: prefix, SANDBOX_PORT: String(port) };
    const child = spawn('npm', ['run', 'dev'], { cwd: clone, env: newcomerEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // src/sandbox/main.ts logs "sandbox ready: open <url>" once the page listens.
      const url = await waitFor(
        'the sandbox ready',
        () => {
          if (child.exitCode !== null) throw new Error(`npm run dev ended (${child.exitCode}):\n${out}`);
          return /sandbox ready: open (http:\/\/[^\s"]+)/.exec(out)?.[1];
        },
        { timeoutMs: 120_000, intervalMs: 250 },
      ).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${out}`);
      });
      expect(out).toContain('BOT_TOKEN is not set: starting the sandbox instead');
      expect(url).toBe(`http://127.0.0.1:${port}`);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(await exists(database)).toBe(true);

      // A customer of data/sandbox.json sends /start, as the page does.
      const customer = 920_000_002;
      const sent = await fetch(`${url}/api/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ persona: customer, text: '/start' }) });
      expect(sent.status).toBe(200);
      const welcome = await waitFor(
        'the welcome',
        async () => {
          const res = await fetch(`${url}/api/messages?persona=${customer}&chat=${customer}`);
          const { messages } = (await res.json()) as { messages: Array<{ text?: string; inlineKeyboard?: Array<Array<{ text: string }>> }> };
          return messages.findLast((m) => /Welcome to the Tesla official flagship store/.test(m.text ?? ''));
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      // The main menu comes with the welcome: its buttons as the customer sees them.
      expect((welcome.inlineKeyboard ?? []).flat().map((b) => b.text)).toEqual(expect.arrayContaining(['🚗 Browse models', '📋 My orders', '❓ Help']));
    } finally {
      kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => kill(child.pid, 'SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    expect(out).not.toMatch(STACK_LINE);
  });

  it('npm run db:migrate and npm run ops read .env; ops needs no BOT_TOKEN', async () => {
    writeFileSync(path.join(clone, '.env'), `DATABASE_URL=${DATABASE_URL}\nREDIS_URL=${REDIS_URL}\nQUEUE_PREFIX=${prefix}\n`);
    try {
      const migrate = await run('npm', ['run', '--silent', 'db:migrate'], { env: {} });
      expect(migrate.out).toContain('migrations applied');
      expect(migrate.code).toBe(0);
      const ops = await run('npm', ['run', '--silent', 'ops', '--', 'list', '--json'], { env: {} });
      expect(ops.code, ops.out).toBe(0);
      expect(JSON.parse(ops.out)).toMatchObject({ toAllocate: [], deliveries: [] });
    } finally {
      rmSync(path.join(clone, '.env'), { force: true });
    }
  });
});

describe('a newcomer without Postgres and Redis running', () => {
  it('the tests say which is down, where, and the one command that starts them, without a stack trace', async () => {
    const r = await run('npx', ['vitest', 'run', 'test/unit/config.test.ts'], {
      env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/app', REDIS_URL: 'redis://127.0.0.1:1' },
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(1);
    expect(r.out).toContain('Postgres is not reachable at 127.0.0.1:1 (from DATABASE_URL)');
    expect(r.out).toContain('Redis is not reachable at 127.0.0.1:1 (from REDIS_URL)');
    expect(r.out).toContain('Start them with: docker compose up -d postgres redis');
    expect(r.out).not.toMatch(STACK_LINE);
  });
});
