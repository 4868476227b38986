import { z } from 'zod';
import { keyPrefix, parseHostList, parseSentinelUrl, redisTarget, type RedisTarget } from './shared/redis.js';

/**
 * The only reader of `process.env`. Every problem is collected and reported in one message, so a
 * misconfigured deployment is fixed in one go rather than one restart per variable. Each entry
 * point reads only the variables it uses: the bot and worker all of them (loadConfig), the ops CLI
 * no Telegram settings (loadOpsConfig: it never calls Telegram, the worker sends its notices), the
 * db:migrate and db:seed scripts only the database (loadDbConfig).
 */

const urlWithProtocols = (protocols: string[], what: string) =>
  z.string().refine(
    (value) => {
      try {
        const url = new URL(value);
        return protocols.includes(url.protocol) && url.hostname.length > 0;
      } catch {
        return false;
      }
    },
    `must be a ${what} URL (${protocols.map((p) => `${p}//`).join(' or ')}…)`,
  );

const idList = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const ids: number[] = [];
    for (const part of value
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      if (!/^\d+$/.test(part)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${part}" is not a Telegram user id` });
        continue;
      }
      ids.push(Number(part));
    }
    return ids;
  });

/** 'HH:MM-HH:MM' → minutes after midnight; null when malformed or empty. */
function parseHours(value: string): { start: number; end: number } | null {
  const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(value.trim());
  if (!m) return null;
  const [h1, m1, h2, m2] = m.slice(1).map(Number) as [number, number, number, number];
  const start = h1 * 60 + m1;
  const end = h2 * 60 + m2;
  if (h1 > 23 || m1 > 59 || m2 > 59 || end > 24 * 60 || start === end) return null;
  return { start, end };
}

const boolFlag = z
  .enum(['true', 'false', '1', '0', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1');

const fields = {
  BOT_TOKEN: z.string({ required_error: 'is required (get one from @BotFather)' }).regex(/^\d+:[\w-]{20,}$/, 'does not look like a bot token (123456:ABC…)'),
  TELEGRAM_API_ROOT: urlWithProtocols(['http:', 'https:'], 'http(s)').default('https://api.telegram.org'),
  DATABASE_URL: urlWithProtocols(['postgres:', 'postgresql:'], 'postgres').default('postgres://postgres@127.0.0.1:5432/postgres'),
  REDIS_URL: z
    .string()
    .default('redis://127.0.0.1:6379')
    .superRefine((value, ctx) => {
      if (/^rediss?\+sentinel:/i.test(value)) {
        try {
          parseSentinelUrl(value);
        } catch (err) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${(err as Error).message} (e.g. redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster)` });
        }
        return;
      }
      const plain = urlWithProtocols(['redis:', 'rediss:'], 'redis').safeParse(value);
      if (!plain.success)
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a redis URL (redis://… or rediss://…, or redis+sentinel://host:port,host:port/mastername)' });
    }),
  /** Seed nodes of a Redis Cluster; REDIS_URL then lends only its password and TLS. */
  REDIS_CLUSTER_NODES: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      try {
        parseHostList(value, 6379);
      } catch (err) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be host:port,host:port (${(err as Error).message})` });
      }
    }),
  /** Connections of this process's main Postgres pool (the relaxed one gets half); default by APP_ROLE. */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).optional(),
  /** false behind PgBouncer in transaction mode (or any pooler that cannot keep prepared statements). */
  DATABASE_PREPARE: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  APP_ROLE: z.enum(['bot', 'worker', 'all']).default('all'),
  WEBHOOK_URL: urlWithProtocols(['https:', 'http:'], 'https').optional(),
  // Telegram accepts 1–256 characters; anything shorter than 32 is guessable, so it is refused here.
  WEBHOOK_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters (make one with `openssl rand -hex 32`)')
    .max(256, 'must be at most 256 characters (make one with `openssl rand -hex 32`)')
    .regex(/^[A-Za-z0-9_-]*$/, 'may only contain A-Z, a-z, 0-9, _ and - (make one with `openssl rand -hex 32`)')
    .optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  // The admin server (/metrics, /readyz, the queue dashboard): off unless a port is given, so
  // several processes on one host never fight over a default.
  ADMIN_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters (make one with `openssl rand -base64 18`)').optional(),
  ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters (make one with `openssl rand -hex 32`)').optional(),
  POLL_TIMEOUT_S: z.coerce.number().int().min(1).max(50).default(25),
  PAYMENT_PROVIDER_TOKEN: z.string().default(''),
  SUPPORT_CHAT_ID: z
    .string()
    .regex(/^-\d+$/, 'must be a supergroup id such as -1001234567890')
    .transform(Number)
    .optional(),
  SUPPORT_HOURS: z
    .string()
    .default('09:00-21:00')
    .transform((value, ctx) => {
      const hours = parseHours(value);
      if (!hours) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be HH:MM-HH:MM, e.g. 09:00-21:00 (24:00 allowed as an end)' });
      return hours ?? { start: 0, end: 0 };
    }),
  SUPPORT_SLA_MINUTES: z.coerce.number().positive().max(1440).default(5),
  ADMIN_IDS: idList,
  TZ_BUSINESS: z
    .string()
    .default('Asia/Shanghai')
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'is not an IANA time zone'),
  DEFAULT_LOCALE: z.enum(['zh-CN', 'en']).default('zh-CN'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HANDLER_TIMEOUT_MS: z.coerce.number().int().min(1000).max(55_000).default(30_000),
  INBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  INBOX_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(128),
  INBOX_LEASE_MS: z.coerce.number().int().min(500).max(600_000).default(15_000),
  INBOX_RETRY_MS: z.coerce.number().int().min(10).max(300_000).default(1000),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[\w-]*(\{[\w-]+\})?[\w-]*$/, 'may only contain A-Z, a-z, 0-9, _ and -, and one {hash tag}')
    .refine((v) => v.length > 0, 'must not be empty')
    .default('tjd'),
  SEED_ON_START: boolFlag,
  /** Unset: campaigns may use the whole send budget (SEND_BUDGET_PER_SECOND). */
  CAMPAIGN_RATE: z.coerce.number().int().min(1).max(1000).optional(),
  SEND_BUDGET_PER_SECOND: z.coerce.number().int().min(1).max(1000).default(30),
  SEND_BUDGET_GROUP_PER_MINUTE: z.coerce.number().int().min(1).max(600).default(20),
  SEND_BUDGET_CHAT_BURST: z.coerce.number().int().min(1).max(10).default(3),
  CAMPAIGN_PAID_BROADCAST: boolFlag,
  /** Until when a car deposit is refunded in full on cancel: until a VIN is allocated (default), or until delivery. */
  DEPOSIT_REFUNDABLE_UNTIL: z.enum(['vin', 'delivery']).default('vin'),
  /** Days support transcripts, conversation states and saved addresses are kept (src/domain/privacy/retention.ts). */
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
};
type Variable = keyof typeof fields;

export type RawConfig = z.infer<z.ZodObject<typeof fields>>;

export interface Config {
  botToken: string;
  telegramApiRoot: string;
  databaseUrl: string;
  /** Postgres pool size and whether statements are prepared (not behind PgBouncer in transaction mode). */
  database: DatabaseSettings;
  /** REDIS_URL as given (for messages: src/shared/redis.ts describeRedis redacts it). */
  redisUrl: string;
  /** Where Redis is: one server, a primary behind Sentinel, or a cluster (src/shared/redis.ts). */
  redis: RedisTarget;
  role: 'bot' | 'worker' | 'all';
  webhook: { url: string; secret: string } | null;
  port: number;
  /**
   * The admin server: `port` null means off. The queue dashboard needs `password` (basic auth,
   * any user name) or `token` (Authorization: Bearer); /metrics and /readyz are open on it.
   */
  admin: { port: number | null; host: string; password: string | null; token: string | null };
  /** Long polling's wait per getUpdates, seconds; /readyz fails after twice this without a success. */
  pollTimeoutS: number;
  paymentProviderToken: string;
  supportChatId: number | null;
  /** Business hours of the support team, minutes after local midnight (end may be before start: overnight). */
  supportHours: { start: number; end: number };
  /** Minutes a customer may wait for an agent before the topic gets a reminder (and again at 3×). */
  supportSlaMinutes: number;
  adminIds: number[];
  timeZone: string;
  defaultLocale: 'zh-CN' | 'en';
  logLevel: RawConfig['LOG_LEVEL'];
  handlerTimeoutMs: number;
  /** The inbox (src/domain/inbox): tries before an update is parked, chats handled at once per process, claim lease, first retry delay. */
  inbox: { maxAttempts: number; concurrency: number; leaseMs: number; retryMs: number };
  /** The key prefix of every Redis key of the app, hash-tagged on a cluster (keyPrefix in src/shared/redis.ts). */
  queuePrefix: string;
  seedOnStart: boolean;
  /** Campaign messages per second across all workers; above 30 only with paid broadcasts. */
  campaignRate: number;
  /**
   * The one send budget every process shares (src/telegram/send-budget.ts): messages per second
   * in all (paid broadcasts above it up to campaignRate), per group per minute, and how many
   * replies a private chat may get at once before its 1/s applies.
   */
  sendBudget: { perSecond: number; groupPerMinute: number; chatBurst: number };
  /** Sets allow_paid_broadcast on campaign messages (Telegram charges Stars above 30/s). */
  campaignPaidBroadcast: boolean;
  /** The refund policy new car orders are placed under (src/domain/orders/refund-policy.ts). */
  refundPolicy: 'until_vin' | 'until_delivery';
  /** The daily retention job deletes or anonymises personal data older than this many days. */
  retentionDays: number;
}

export interface DatabaseSettings {
  /** Connections of the main pool; the relaxed pool for per-update bookkeeping gets half (src/db/client.ts). */
  poolMax: number;
  /** Named prepared statements (postgres.js's default); off behind a transaction-mode pooler. */
  prepare: boolean;
}

/**
 * Pool sizes when DATABASE_POOL_MAX is unset: the bot's handlers (INBOX_CONCURRENCY at once) are
 * short transactions; the workers' sends wait on Telegram's rate, not on Postgres.
 */
export const DEFAULT_POOL_MAX = { bot: 10, worker: 8, all: 12, ops: 2, script: 1 } as const;

/**
 * How long past the handler timeout a SIGTERM waits before forcing the exit: a margin
 * over the handler timeout (src/bot/index.ts) plus time to close the workers, Redis and Postgres.
 */
export const SHUTDOWN_MARGIN_MS = 15_000;

/**
 * The force-exit delay after SIGTERM/SIGINT (src/main.ts): always longer than the handler timeout,
 * so a graceful stop is never cut short while a handler within its time may still write.
 */
export const forceExitDelayMs = (config: Pick<Config, 'handlerTimeoutMs'>): number => config.handlerTimeoutMs + SHUTDOWN_MARGIN_MS;

/** The last line of every configuration error. */
export const HOW_TO_SET = 'Set variables in .env (start from .env.example: cp .env.example .env) or in the environment; README.md, "Configuration", lists them all.';

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\n${HOW_TO_SET}`);
  }
}

/**
 * Checks the variables `keys` of an environment, empty strings counting as unset (as in most .env
 * tooling); variables outside `keys` are not looked at, so a setting one entry point does not use
 * never stops it.
 */
function parse<K extends Variable>(env: Record<string, string | undefined>, keys: readonly K[]) {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([k, v]) => keys.includes(k as K) && v !== undefined && v !== ''));
  const picked = z.object(Object.fromEntries(keys.map((k) => [k, fields[k]])) as Pick<typeof fields, K>);
  const result = picked.safeParse(cleaned);
  const problems = result.success ? [] : result.error.issues.map((i) => `${i.path.join('.') || 'config'} ${i.message}`);
  return { cleaned, data: result.success ? (result.data as Pick<RawConfig, K>) : null, problems };
}

/** Parses an environment (normally `process.env`) for the bot and worker; throws one ConfigError naming every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const { cleaned, data, problems } = parse(env, Object.keys(fields) as Variable[]);
  // Cross-field rules are checked here, not in zod, so they are reported even when a field is missing.
  if (cleaned.WEBHOOK_URL && !cleaned.WEBHOOK_SECRET) {
    problems.push('WEBHOOK_SECRET is required when WEBHOOK_URL is set (Telegram sends it back in X-Telegram-Bot-Api-Secret-Token)');
  }
  // Telegram allows a bot about 30 messages/s; more only as paid broadcasts (up to 1,000/s).
  if (data && data.CAMPAIGN_RATE !== undefined && data.CAMPAIGN_RATE > data.SEND_BUDGET_PER_SECOND && !data.CAMPAIGN_PAID_BROADCAST) {
    problems.push(`CAMPAIGN_RATE above SEND_BUDGET_PER_SECOND (${data.SEND_BUDGET_PER_SECOND}) needs CAMPAIGN_PAID_BROADCAST=true (Telegram allows about 30 messages/s otherwise)`);
  }
  if (!data || problems.length > 0) throw new ConfigError(problems);
  const c = data;
  const redis = redisTarget(c.REDIS_URL, c.REDIS_CLUSTER_NODES);
  return {
    botToken: c.BOT_TOKEN,
    telegramApiRoot: c.TELEGRAM_API_ROOT.replace(/\/+$/, ''),
    databaseUrl: c.DATABASE_URL,
    database: { poolMax: c.DATABASE_POOL_MAX ?? DEFAULT_POOL_MAX[c.APP_ROLE], prepare: c.DATABASE_PREPARE },
    redisUrl: c.REDIS_URL,
    redis,
    role: c.APP_ROLE,
    webhook: c.WEBHOOK_URL && c.WEBHOOK_SECRET ? { url: c.WEBHOOK_URL, secret: c.WEBHOOK_SECRET } : null,
    port: c.PORT,
    admin: { port: c.ADMIN_PORT ?? null, host: c.ADMIN_HOST, password: c.ADMIN_PASSWORD ?? null, token: c.ADMIN_TOKEN ?? null },
    pollTimeoutS: c.POLL_TIMEOUT_S,
    paymentProviderToken: c.PAYMENT_PROVIDER_TOKEN,
    supportChatId: c.SUPPORT_CHAT_ID ?? null,
    supportHours: c.SUPPORT_HOURS,
    supportSlaMinutes: c.SUPPORT_SLA_MINUTES,
    adminIds: c.ADMIN_IDS,
    timeZone: c.TZ_BUSINESS,
    defaultLocale: c.DEFAULT_LOCALE,
    logLevel: c.LOG_LEVEL,
    handlerTimeoutMs: c.HANDLER_TIMEOUT_MS,
    inbox: { maxAttempts: c.INBOX_MAX_ATTEMPTS, concurrency: c.INBOX_CONCURRENCY, leaseMs: c.INBOX_LEASE_MS, retryMs: c.INBOX_RETRY_MS },
    queuePrefix: keyPrefix(c.QUEUE_PREFIX, redis),
    seedOnStart: c.SEED_ON_START,
    campaignRate: c.CAMPAIGN_RATE ?? c.SEND_BUDGET_PER_SECOND,
    sendBudget: { perSecond: c.SEND_BUDGET_PER_SECOND, groupPerMinute: c.SEND_BUDGET_GROUP_PER_MINUTE, chatBurst: c.SEND_BUDGET_CHAT_BURST },
    campaignPaidBroadcast: c.CAMPAIGN_PAID_BROADCAST,
    refundPolicy: c.DEPOSIT_REFUNDABLE_UNTIL === 'vin' ? 'until_vin' : 'until_delivery',
    retentionDays: c.RETENTION_DAYS,
  };
}

/** What the domain services read (createServices in src/deps.ts). */
export type ServicesConfig = Pick<Config, 'defaultLocale' | 'timeZone' | 'supportHours' | 'supportSlaMinutes' | 'inbox' | 'refundPolicy'>;

/** The ops CLI's settings: the database, the queues its steps put the customers' notices on, and the services'. */
export type OpsConfig = ServicesConfig & Pick<Config, 'databaseUrl' | 'database' | 'redisUrl' | 'redis' | 'queuePrefix'>;

/** The settings of `npm run ops`: no BOT_TOKEN, it never calls Telegram (the worker sends what its steps queue). */
export function loadOpsConfig(env: Record<string, string | undefined> = process.env): OpsConfig {
  const { data: c, problems } = parse(env, [
    'DATABASE_URL',
    'DATABASE_POOL_MAX',
    'DATABASE_PREPARE',
    'REDIS_URL',
    'REDIS_CLUSTER_NODES',
    'QUEUE_PREFIX',
    'DEFAULT_LOCALE',
    'TZ_BUSINESS',
    'SUPPORT_HOURS',
    'SUPPORT_SLA_MINUTES',
    'INBOX_MAX_ATTEMPTS',
    'INBOX_CONCURRENCY',
    'INBOX_LEASE_MS',
    'INBOX_RETRY_MS',
    'DEPOSIT_REFUNDABLE_UNTIL',
  ]);
  if (!c || problems.length > 0) throw new ConfigError(problems);
  const redis = redisTarget(c.REDIS_URL, c.REDIS_CLUSTER_NODES);
  return {
    databaseUrl: c.DATABASE_URL,
    database: { poolMax: c.DATABASE_POOL_MAX ?? DEFAULT_POOL_MAX.ops, prepare: c.DATABASE_PREPARE },
    redisUrl: c.REDIS_URL,
    redis,
    queuePrefix: keyPrefix(c.QUEUE_PREFIX, redis),
    defaultLocale: c.DEFAULT_LOCALE,
    timeZone: c.TZ_BUSINESS,
    supportHours: c.SUPPORT_HOURS,
    supportSlaMinutes: c.SUPPORT_SLA_MINUTES,
    inbox: { maxAttempts: c.INBOX_MAX_ATTEMPTS, concurrency: c.INBOX_CONCURRENCY, leaseMs: c.INBOX_LEASE_MS, retryMs: c.INBOX_RETRY_MS },
    refundPolicy: c.DEPOSIT_REFUNDABLE_UNTIL === 'vin' ? 'until_vin' : 'until_delivery',
  };
}

export type DbConfig = Pick<Config, 'databaseUrl' | 'database' | 'timeZone'>;

/** The settings of `npm run db:migrate` and `npm run db:seed`: the database, and the time zone slots are made in. */
export function loadDbConfig(env: Record<string, string | undefined> = process.env): DbConfig {
  const { data: c, problems } = parse(env, ['DATABASE_URL', 'DATABASE_PREPARE', 'TZ_BUSINESS']);
  if (!c || problems.length > 0) throw new ConfigError(problems);
  return { databaseUrl: c.DATABASE_URL, database: { poolMax: DEFAULT_POOL_MAX.script, prepare: c.DATABASE_PREPARE }, timeZone: c.TZ_BUSINESS };
}
