/**
 * The admin server on its own (src/server/admin.ts): the queue dashboard is off without
 * ADMIN_PASSWORD or ADMIN_TOKEN and says how to turn it on; credentials are checked in full;
 * /readyz turns a failing or hanging check into 503 with the reason. The app's own checks
 * (Postgres, Redis, polling, workers) are exercised in test/e2e/observability.test.ts.
 */
import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { authorized, createAdminServer, DASHBOARD_OFF, type ReadinessCheck } from '../../src/server/admin.js';
import { Metrics } from '../../src/server/metrics.js';

let server: http.Server | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

async function start(opts: { password?: string; token?: string; readiness?: ReadinessCheck[] } = {}): Promise<number> {
  server = createAdminServer({
    metrics: new Metrics(),
    readiness: opts.readiness ?? [],
    queues: [],
    password: opts.password ?? null,
    token: opts.token ?? null,
    logger: createLogger('silent'),
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as { port: number }).port;
}

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('the queue dashboard', () => {
  it('is off without ADMIN_PASSWORD and ADMIN_TOKEN, and says how to turn it on', async () => {
    const port = await start();
    for (const path of ['/queues', '/queues/api/queues']) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: basic('ops', 'anything-at-all') } });
      expect(res.status).toBe(404);
      expect(await res.text()).toBe(DASHBOARD_OFF);
    }
    expect(DASHBOARD_OFF).toContain('ADMIN_PASSWORD');
    expect(DASHBOARD_OFF).toContain('ADMIN_TOKEN');
  });

  it('checks the whole password or token, with any user name', () => {
    expect(authorized(basic('anyone', 'secret-password-1'), 'secret-password-1', null)).toBe(true);
    expect(authorized(basic('', 'secret-password-1'), 'secret-password-1', null)).toBe(true);
    expect(authorized(basic('anyone', 'secret-password-'), 'secret-password-1', null)).toBe(false);
    expect(authorized(basic('anyone', 'secret-password-12'), 'secret-password-1', null)).toBe(false);
    expect(authorized('Basic !!!', 'secret-password-1', null)).toBe(false);
    expect(authorized(undefined, 'secret-password-1', 'token')).toBe(false);
    // A bearer token counts only when a token is configured, a password only when one is.
    expect(authorized('Bearer secret-password-1', 'secret-password-1', null)).toBe(false);
    expect(authorized(basic('x', 'the-token'), null, 'the-token')).toBe(false);
    expect(authorized('Bearer the-token', null, 'the-token')).toBe(true);
    expect(authorized('bearer the-token', null, 'the-token')).toBe(true);
    expect(authorized('Bearer the-toke', null, 'the-token')).toBe(false);
  });
});

describe('/readyz', () => {
  it('is 200 when every check is ok, 503 with the failing check and its reason otherwise', async () => {
    let redisUp = true;
    const port = await start({
      readiness: [
        { name: 'postgres', check: () => Promise.resolve({ ok: true }) },
        {
          name: 'redis',
          check: () => (redisUp ? Promise.resolve({ ok: true }) : Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6390'))),
        },
      ],
    });
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: { ok: true }, redis: { ok: true } } });
    redisUp = false;
    const notReady = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'not ready', checks: { postgres: { ok: true }, redis: { ok: false, error: 'connect ECONNREFUSED 127.0.0.1:6390' } } });
  });

  it('counts a check that never answers as failed (after its timeout) instead of hanging', async () => {
    const port = await start({ readiness: [{ name: 'postgres', check: () => new Promise(() => undefined) }] });
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ checks: { postgres: { ok: false, error: expect.stringContaining('no answer') } } });
  });

  it('/metrics answers in the Prometheus text format, and anything else is 404', async () => {
    const port = await start();
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    expect(text).toMatch(/^# TYPE updates_total counter$/m);
    expect(text).toMatch(/^# TYPE update_duration_seconds histogram$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
  });
});
