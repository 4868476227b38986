import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { Update } from 'telegraf/types';
import type { WebhookReplySink } from '../bot/webhook-reply.js';
import type { Logger } from '../logger.js';
import { Metrics } from './metrics.js';

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
    /** Resolves, when the handler has ended, false when handling failed (answered 500, so Telegram retries). */
    handle(update: Update, sink: WebhookReplySink): Promise<boolean>;
  };
}

/** The path Telegram posts to: derived from the secret, so it is not guessable either. */
export const webhookPath = (secret: string): string => `/telegram/${createHash('sha256').update(secret).digest('hex').slice(0, 24)}`;

const MAX_BODY = 1_000_000;

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * One small HTTP server for the webhook, /healthz and /metrics. The webhook answers 401 without
 * the right secret token, and 200 (500 when handling failed) once the handler has really ended:
 * never earlier, so the answer tells the truth. HANDLER_TIMEOUT_MS (at most 55 s, under Telegram's
 * 60 s wait) is the budget handlers are written for; one that overruns it is logged, and should
 * Telegram deliver the update again meanwhile, the copy waits for the chat lock and is dropped as
 * a repeat (beginUpdate in src/bot/middlewares/index.ts).
 */
export function createHttpServer(opts: HttpServerOptions): http.Server {
  const { logger, metrics } = opts;
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    try {
      if (req.method === 'GET' && url === '/healthz') {
        const results = await Promise.all(
          opts.health.map(async (h) => {
            try {
              await h.check();
              return [h.name, 'ok'] as const;
            } catch (err) {
              return [h.name, `down: ${err instanceof Error ? err.message : String(err)}`] as const;
            }
          }),
        );
        const ok = results.every(([, s]) => s === 'ok');
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: ok ? 'ok' : 'degraded', checks: Object.fromEntries(results) }));
        return;
      }
      if (req.method === 'GET' && url === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(metrics.render());
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
        const sink: WebhookReplySink = { open: true };
        // Answered when the handler has really ended (a slow one is logged by the bot at the
        // handler timeout), so a 200 means the update was handled and a 500 that it failed.
        const ok = await hook.handle(update, sink);
        sink.open = false;
        if (!ok) {
          metrics.inc('updates_failed_total');
          return void res.writeHead(500).end();
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(sink.reply ? JSON.stringify(sink.reply) : '{}');
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
