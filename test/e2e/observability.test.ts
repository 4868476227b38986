/**
 * What an operator sees of a running app (issue 12, observability): the admin port's /metrics
 * (Prometheus text: process defaults, updates, Telegram calls with their 429s, queue depths, the
 * inbox backlog), /readyz with each check's details (failing when Redis is down, when polling has
 * not succeeded for twice its timeout, when a worker stopped), the bull-board dashboard behind
 * authentication, and the public /healthz, which says ok or not and never why.
 *
 * The app runs on a Redis server of this file's own (test/support/private-redis.ts), so stopping
 * it leaves the shared Redis alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { TestChat } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { hasRedisServer, PrivateRedis } from '../support/private-redis.js';
import { waitFor } from '../support/wait.js';

const PASSWORD = 'correct-horse-battery-staple';
const TOKEN = 'admin-token-0123456789abcdef0123456789abcdef';

interface Readyz {
  status: string;
  checks: Record<string, { ok: boolean; error?: string; [k: string]: unknown }>;
}

async function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/** The value of one series in Prometheus text (`name{labels} value`), or undefined. */
function sample(text: string, series: string): number | undefined {
  const escaped = series.replace(/[{}"=,.+]/g, (c) => `\\${c}`);
  const m = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

describe.skipIf(!hasRedisServer)('the admin port and /healthz', () => {
  let h: Harness;
  let redis: PrivateRedis;
  const admin = (path: string, headers?: Record<string, string>) => get(h.app.adminPort!, path, headers);
  const readyz = async () => {
    const res = await admin('/readyz');
    return { status: res.status, body: JSON.parse(res.body) as Readyz };
  };

  beforeAll(async () => {
    redis = await PrivateRedis.create();
    h = await startHarness({ env: { REDIS_URL: redis.url, ADMIN_PASSWORD: PASSWORD, ADMIN_TOKEN: TOKEN, POLL_TIMEOUT_S: '1' } });
  });
  afterAll(async () => {
    await h?.stop();
    await redis?.stop();
    await redis?.dispose();
  });

  it('serves /metrics: process defaults, updates and their handling time, Telegram calls with 429s, queue depths, inbox backlog', async () => {
    const c = new TestChat(h, 730_001, { languageCode: 'en' });
    await c.text('/start');
    // Telegram says 429 (retry after 1 s) to the next reply: the bot waits, sends it again, and both calls are counted.
    h.api.failNext('sendMessage', { code: 429, description: 'Too Many Requests: retry after 1', retryAfter: 1 });
    await c.text('/help');
    expect(c.lastText()).not.toBe('');

    const res = await admin('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = res.body;
    // Process defaults.
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \S+$/m);
    // Updates: counted, and their duration in seconds.
    expect(sample(text, 'updates_total')).toBe(h.app.deps.metrics.updatesHandled);
    expect(sample(text, 'updates_total')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'update_duration_seconds_count')).toBe(sample(text, 'updates_total'));
    expect(sample(text, 'update_duration_seconds_sum')).toBeLessThan(60);
    expect(sample(text, 'inbox_done_total')).toBeGreaterThanOrEqual(2);
    // Telegram calls by method and outcome: the 429, and the successful sends.
    expect(sample(text, 'telegram_api_calls_total{method="sendMessage",outcome="rate_limited"}')).toBe(1);
    expect(sample(text, 'telegram_api_calls_total{method="sendMessage",outcome="ok"}')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'telegram_api_calls_total{method="getUpdates",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    // Queue depths, read from Redis at scrape time: every queue, every state.
    for (const queue of ['maintenance', 'reminders', 'store', 'support', 'campaigns']) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) expect(sample(text, `queue_jobs{queue="${queue}",state="${state}"}`)).toBeTypeOf('number');
    }
    // Inbox backlog, read from Postgres: nothing pending or parked now.
    expect(sample(text, 'inbox_updates{state="pending"}')).toBe(0);
    expect(sample(text, 'inbox_updates{state="parked"}')).toBe(0);
    expect(sample(text, 'polling_last_success_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
  });

  it('queue depths follow the queues: a delayed job shows up as delayed', async () => {
    await h.app.deps.queues.maintenance.add('ensure-slots', { task: 'ensure-slots' }, { delay: 3_600_000, jobId: 'obs-delayed-probe' });
    const text = (await admin('/metrics')).body;
    expect(sample(text, 'queue_jobs{queue="maintenance",state="delayed"}')).toBeGreaterThanOrEqual(1);
    await h.app.deps.queues.maintenance.remove('obs-delayed-probe');
  });

  it('/readyz is 200 with each check ok, and the public port serves neither metrics nor readiness', async () => {
    const r = await readyz();
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('ready');
    expect(Object.keys(r.body.checks).sort()).toEqual(['intake', 'polling', 'postgres', 'redis', 'workers']);
    for (const check of Object.values(r.body.checks)) expect(check.ok).toBe(true);
    expect(r.body.checks.workers!.running).toEqual(expect.arrayContaining(['reminders', 'campaigns', 'support', 'store', 'maintenance']));
    expect((await get(h.app.port!, '/metrics')).status).toBe(404);
    expect((await get(h.app.port!, '/readyz')).status).toBe(404);
    expect((await get(h.app.port!, '/queues')).status).toBe(404);
  });

  it('the queue dashboard answers 401 without credentials or with wrong ones, and the dashboard with the password or the token', async () => {
    const none = await admin('/queues');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Basic');
    expect(none.body).not.toContain('reminders');
    const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
    expect((await admin('/queues', basic('ops', 'wrong-password'))).status).toBe(401);
    expect((await admin('/queues', { authorization: 'Bearer wrong-token' })).status).toBe(401);
    expect((await admin('/queues/api/queues')).status).toBe(401);

    const page = await admin('/queues', basic('ops', PASSWORD));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.body).toContain('Tesla × JD queues');
    // The dashboard's API, with the token: every queue of the app.
    const api = await admin('/queues/api/queues', { authorization: `Bearer ${TOKEN}` });
    expect(api.status).toBe(200);
    const names = (JSON.parse(api.body) as { queues: Array<{ name: string }> }).queues.map((q) => q.name);
    expect(names.sort()).toEqual(['campaigns', 'maintenance', 'reminders', 'reports', 'store', 'support']);
  });

  it('/healthz says ok, and with Redis down says which is down, never the driver error; /readyz gives the details; both recover', async () => {
    const ok = await get(h.app.port!, '/healthz');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ status: 'ok', checks: { postgres: 'ok', redis: 'ok' } });

    await redis.stop();
    const down = await waitFor('/readyz to fail on Redis', async () => {
      const r = await readyz();
      return r.status === 503 && r.body.checks.redis?.ok === false ? r : null;
    });
    expect(down.body.status).toBe('not ready');
    expect(down.body.checks.postgres!.ok).toBe(true);
    expect(typeof down.body.checks.redis!.error).toBe('string');
    expect(down.body.checks.redis!.error!.length).toBeGreaterThan(0);

    const health = await get(h.app.port!, '/healthz');
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body)).toEqual({ status: 'down', checks: { postgres: 'ok', redis: 'down' } });
    // Nothing of the driver's words, the address or the error on the public port.
    expect(health.body).not.toContain(down.body.checks.redis!.error!);
    expect(health.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|Connection|closed|max retries|timeout|:\d{4,5}/i);

    // The metrics still answer, without the queue depths Redis cannot give.
    const metrics = await admin('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).not.toMatch(/^queue_jobs\{/m);
    expect(sample(metrics.body, 'inbox_updates{state="pending"}')).toBeTypeOf('number');

    await redis.start();
    await waitFor('/readyz to be ready again', async () => (await readyz()).status === 200, { timeoutMs: 20_000 });
    expect((await get(h.app.port!, '/healthz')).status).toBe(200);
  });

  it('/readyz fails once polling has not succeeded for twice its timeout, and recovers when getUpdates works again', async () => {
    // Three failures in a row: the poller backs off 1 s, 2 s, 4 s, well past 2 × POLL_TIMEOUT_S (2 s).
    h.api.failNext('getUpdates', { code: 502, description: 'Bad Gateway' }, 3);
    const failing = await waitFor('/readyz to fail on polling', async () => {
      const r = await readyz();
      return r.status === 503 ? r : null;
    });
    expect(failing.body.checks.polling).toMatchObject({ ok: false, limitS: 2 });
    expect(failing.body.checks.polling!.lastSuccessAgoS).toBeGreaterThanOrEqual(2);
    expect(failing.body.checks.redis!.ok).toBe(true);
    const text = (await admin('/metrics')).body;
    expect(sample(text, 'telegram_api_calls_total{method="getUpdates",outcome="server"}')).toBeGreaterThanOrEqual(1);

    await waitFor('/readyz to recover', async () => (await readyz()).status === 200, { timeoutMs: 20_000 });
    const c = new TestChat(h, 730_002, { languageCode: 'en' });
    await c.text('/start');
    expect(c.lastText()).toContain('Welcome');
  });

  it('a worker process serves its own metrics and readiness: its workers, no polling, no updates', async () => {
    const worker = await startApp({ ...h.config, role: 'worker', admin: { ...h.config.admin, port: 0 } }, { logger: createLogger('silent') });
    try {
      expect(worker.adminPort).not.toBe(h.app.adminPort);
      const r = await get(worker.adminPort!, '/readyz');
      expect(r.status).toBe(200);
      const body = JSON.parse(r.body) as Readyz;
      expect(Object.keys(body.checks).sort()).toEqual(['intake', 'postgres', 'redis', 'workers']);
      const text = (await get(worker.adminPort!, '/metrics')).body;
      expect(sample(text, 'updates_total')).toBe(0);
      expect(sample(text, 'queue_jobs{queue="reminders",state="waiting"}')).toBeTypeOf('number');
      expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      // The bot's counters are the bot's: the worker process counted none of its updates.
      expect(sample((await admin('/metrics')).body, 'updates_total')).toBeGreaterThan(0);
    } finally {
      await worker.stop();
    }
  });

  it('/readyz fails when a worker has stopped, naming it', async () => {
    const worker = h.app.workers!.all.find((w) => w.name === 'reminders')!;
    await worker.close();
    const r = await readyz();
    expect(r.status).toBe(503);
    expect(r.body.checks.workers).toMatchObject({ ok: false, stopped: ['reminders'] });
    expect(r.body.checks.postgres!.ok).toBe(true);
  });
});
