import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../logger.js';
import type { Metrics } from './metrics.js';

/** One thing /readyz looks at: `ok` false makes the process not ready; the rest are details. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<{ ok: boolean; [detail: string]: unknown }>;
}

export interface AdminServerOptions {
  metrics: Metrics;
  readiness: ReadinessCheck[];
  /** Shown on the queue dashboard. */
  queues: Queue[];
  /** Basic auth password (any user name) and/or bearer token for the dashboard; neither: the dashboard is off. */
  password: string | null;
  token: string | null;
  logger: Logger;
}

export const DASHBOARD_PATH = '/queues';

export const DASHBOARD_OFF = 'The queue dashboard is off. Set ADMIN_PASSWORD (basic auth, any user name) or ADMIN_TOKEN (Authorization: Bearer …) and restart to turn it on.\n';

/** How long /readyz waits for one check (a dead Postgres or Redis) before calling it down. */
const CHECK_TIMEOUT_MS = 3000;

/** Equal-time comparison of two secrets of any length (hashed first, so lengths leak nothing). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Whether the request carries the password (Basic, any user) or the token (Bearer). */
export function authorized(header: string | undefined, password: string | null, token: string | null): boolean {
  if (!header) return false;
  const [scheme, value = ''] = header.split(' ', 2);
  if (token && scheme?.toLowerCase() === 'bearer') return sameSecret(value.trim(), token);
  if (password && scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 && sameSecret(decoded.slice(colon + 1), password);
  }
  return false;
}

async function runCheck(c: ReadinessCheck): Promise<{ ok: boolean; [detail: string]: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      c.check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check at once: ready when all are ok. */
export async function readiness(checks: ReadinessCheck[]): Promise<{ ready: boolean; checks: Record<string, unknown> }> {
  const results = await Promise.all(checks.map(async (c) => [c.name, await runCheck(c)] as const));
  return { ready: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) };
}

/**
 * The admin server, for operators and Prometheus only (ADMIN_PORT, on 127.0.0.1 unless ADMIN_HOST
 * says otherwise; never the public webhook port): `/metrics` (this process's, Prometheus text),
 * `/readyz` (200 or 503, with each check's details: errors included, this port is private), and
 * the bull-board queue dashboard under /queues behind ADMIN_PASSWORD or ADMIN_TOKEN.
 */
export function createAdminServer(opts: AdminServerOptions): http.Server {
  const app = express();
  app.disable('x-powered-by');

  app.get('/metrics', async (_req, res) => {
    res.set('content-type', opts.metrics.contentType).send(await opts.metrics.render());
  });

  app.get('/readyz', async (_req, res) => {
    const { ready, checks } = await readiness(opts.readiness);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });

  if (opts.password || opts.token) {
    const board = new ExpressAdapter();
    board.setBasePath(DASHBOARD_PATH);
    createBullBoard({
      queues: opts.queues.map((q) => new BullMQAdapter(q)),
      // package.json pins @bull-board/api to the express adapter's version: one copy, one type.
      serverAdapter: board,
      options: { uiConfig: { boardTitle: 'Tesla × JD queues' } },
    });
    const guard = (req: Request, res: Response, next: NextFunction) => {
      if (authorized(req.headers.authorization, opts.password, opts.token)) return next();
      if (opts.password) res.set('www-authenticate', 'Basic realm="queues", charset="UTF-8"');
      res.status(401).type('text/plain').send('Unauthorized\n');
    };
    app.use(DASHBOARD_PATH, guard, board.getRouter() as express.Router);
  } else {
    app.use(DASHBOARD_PATH, (_req, res) => void res.status(404).type('text/plain').send(DASHBOARD_OFF));
  }

  app.use((_req, res) => void res.status(404).type('text/plain').send('Not found: /metrics, /readyz, /queues\n'));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    opts.logger.error({ err }, 'admin request failed');
    if (!res.headersSent) res.status(500).end();
  });
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  return server;
}
