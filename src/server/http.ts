import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { Update } from 'telegraf/types';
import type { Logger } from '../logger.js';
import type { Metrics } from './metrics.js';

export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

export interface HttpServerOptions {
  port: number;
  logger: Logger;
  health: HealthCheck[];
  metrics: Metrics;
  /** Present in webhook mode. */
  webhook?: {
    path: string;
    secret: string;
    /** Stores the update durably (src/domain/inbox); rejects when it could not (answered 500, so Telegram retries). */
    ingest(update: Update): Promise<void>;
    /** False once shutdown began: updates are refused with 503 (Telegram delivers them again later). */
    accepting(): boolean;
  };
}

/** The path Telegram posts to: derived from the secret, so it is not guessable either. */
export const webhookPath = (secret: string): string => `/telegram/${createHash('sha256').update(secret).digest('hex').slice(0, 24)}`;

const MAX_BODY = 1_000_000;
/** A check that has not answered by then (a blackholed database) counts as down. */
const HEALTH_TIMEOUT_MS = 3000;

function within(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms)))]).finally(() => clearTimeout(timer));
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * The public HTTP server: the webhook and /healthz only (metrics, readiness details and the queue
 * dashboard are on the admin port, src/server/admin.ts). The webhook answers 401 without
 * the right secret token; otherwise 200 once the update is stored in the inbox (committed), 500
 * when it could not be stored (Telegram delivers it again), 503 while shutting down. It never
 * waits for the handler: the inbox consumer (src/bot/inbox-consumer.ts) handles the update, in
 * its chat's order, with retries; a redelivery of a stored update is a no-op.
 */
export function createHttpServer(opts: HttpServerOptions): http.Server {
  const { logger, metrics } = opts;
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    try {
      if (req.method === 'GET' && url === '/healthz') {
        // Says ok or not, and which dependency is down, never why: driver errors name hosts,
        // users and databases, and this port faces the internet. /readyz on the admin port has the details.
        const results = await Promise.all(
          opts.health.map(
            async (h) =>
              [
                h.name,
                await within(h.check(), HEALTH_TIMEOUT_MS).then(
                  () => 'ok' as const,
                  () => 'down' as const,
                ),
              ] as const,
          ),
        );
        const ok = results.every(([, s]) => s === 'ok');
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify({ status: ok ? 'ok' : 'down', checks: Object.fromEntries(results) }));
        return;
      }
      const hook = opts.webhook;
      if (hook && url === hook.path) {
        if (req.method !== 'POST') return void res.writeHead(405).end();
        const token = req.headers['x-telegram-bot-api-secret-token'];
        if (typeof token !== 'string' || !safeEqual(token, hook.secret)) {
          metrics.inc('webhook_rejected_total');
          logger.warn({ ip: req.socket.remoteAddress }, 'webhook call without the right secret token');
          return void res.writeHead(401).end();
        }
        const body = await readBody(req);
        let update: Update;
        try {
          update = JSON.parse(body) as Update;
        } catch {
          return void res.writeHead(400).end();
        }
        if (!hook.accepting()) return void res.writeHead(503).end();
        if (typeof update?.update_id !== 'number') return void res.writeHead(400).end();
        try {
          await hook.ingest(update);
        } catch (err) {
          metrics.inc('inbox_ingest_failed_total');
          logger.error({ err, updateId: update.update_id }, 'webhook: could not store the update; answering 500 so Telegram delivers it again');
          return void res.writeHead(500).end();
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
        return;
      }
      res.writeHead(404).end();
    } catch (err) {
      logger.error({ err }, 'http request failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  };
  // handle answers its own failures; should that answer fail too, log it and drop the connection
  // rather than leave an unhandled rejection.
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ err }, 'http request failed, and so did its error answer');
      res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
