import { describe, expect, it } from 'vitest';
import { ConfigError, forceExitDelayMs, HOW_TO_SET, loadConfig, loadDbConfig, loadOpsConfig } from '../../src/config.js';

const TOKEN = '123456789:AAHfakeTokenForUnitTests_abcdefXYZ';
const base = { BOT_TOKEN: TOKEN };
/** 64 hex characters, what `openssl rand -hex 32` prints. */
const SECRET = 'abc_DEF-123'.padEnd(64, '0');

/** Runs loadConfig expecting a ConfigError and returns it. */
function configError(env: Record<string, string | undefined>): ConfigError {
  let caught: unknown;
  try {
    loadConfig(env);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  return caught as ConfigError;
}

/** The problems that mention `variable`. */
const about = (err: ConfigError, variable: string) => err.problems.filter((p) => p.startsWith(`${variable} `));

describe('the admin server settings', () => {
  it('reads ADMIN_PORT, ADMIN_HOST, ADMIN_PASSWORD, ADMIN_TOKEN and POLL_TIMEOUT_S', () => {
    const c = loadConfig({ ...base, ADMIN_PORT: '9464', ADMIN_HOST: '0.0.0.0', ADMIN_PASSWORD: 'a-long-password', ADMIN_TOKEN: 't'.repeat(32), POLL_TIMEOUT_S: '10' });
    expect(c.admin).toEqual({ port: 9464, host: '0.0.0.0', password: 'a-long-password', token: 't'.repeat(32) });
    expect(c.pollTimeoutS).toBe(10);
  });

  it('refuses a short dashboard password or token, a bad port and a polling timeout Telegram would not take', () => {
    const err = configError({ ...base, ADMIN_PORT: '70000', ADMIN_PASSWORD: 'short', ADMIN_TOKEN: 'short-token', POLL_TIMEOUT_S: '51' });
    for (const v of ['ADMIN_PORT', 'ADMIN_PASSWORD', 'ADMIN_TOKEN', 'POLL_TIMEOUT_S']) expect(about(err, v)).toHaveLength(1);
    expect(about(err, 'ADMIN_PASSWORD')[0]).toContain('12 characters');
  });
});

describe('loadConfig defaults', () => {
  it('needs only BOT_TOKEN and fills in the documented defaults', () => {
    expect(loadConfig(base)).toEqual({
      botToken: TOKEN,
      telegramApiRoot: 'https://api.telegram.org',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
      database: { poolMax: 12, prepare: true },
      redisUrl: 'redis://127.0.0.1:6379',
      redis: { mode: 'single', url: 'redis://127.0.0.1:6379' },
      role: 'all',
      webhook: null,
      port: 3000,
      admin: { port: null, host: '127.0.0.1', password: null, token: null },
      pollTimeoutS: 25,
      paymentProviderToken: '',
      supportChatId: null,
      supportHours: { start: 540, end: 1260 },
      supportSlaMinutes: 5,
      adminIds: [],
      timeZone: 'Asia/Shanghai',
      defaultLocale: 'zh-CN',
      logLevel: 'info',
      handlerTimeoutMs: 30_000,
      inbox: { maxAttempts: 5, concurrency: 128, leaseMs: 15_000, retryMs: 1000 },
      queuePrefix: 'tjd',
      seedOnStart: false,
      campaignRate: 30,
      sendBudget: { perSecond: 30, groupPerMinute: 20, chatBurst: 3 },
      campaignPaidBroadcast: false,
      refundPolicy: 'until_vin',
      retentionDays: 365,
    });
  });

  it('reads every variable it is given', () => {
    const cfg = loadConfig({
      BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: 'http://127.0.0.1:8081/',
      DATABASE_URL: 'postgresql://app:pw@db:5432/tesla',
      REDIS_URL: 'rediss://cache:6380',
      APP_ROLE: 'worker',
      WEBHOOK_URL: 'https://bot.example.com/telegram/webhook',
      WEBHOOK_SECRET: SECRET,
      PORT: '8080',
      PAYMENT_PROVIDER_TOKEN: '284685063:TEST:provider-token',
      SUPPORT_CHAT_ID: '-1001234567890',
      ADMIN_IDS: '11,22',
      TZ_BUSINESS: 'Asia/Hong_Kong',
      DEFAULT_LOCALE: 'en',
      LOG_LEVEL: 'debug',
      HANDLER_TIMEOUT_MS: '20000',
      QUEUE_PREFIX: 'test-1',
      SEED_ON_START: 'true',
    });
    expect(cfg).toMatchObject({
      telegramApiRoot: 'http://127.0.0.1:8081',
      databaseUrl: 'postgresql://app:pw@db:5432/tesla',
      redisUrl: 'rediss://cache:6380',
      role: 'worker',
      webhook: { url: 'https://bot.example.com/telegram/webhook', secret: SECRET },
      port: 8080,
      paymentProviderToken: '284685063:TEST:provider-token',
      supportChatId: -1001234567890,
      adminIds: [11, 22],
      timeZone: 'Asia/Hong_Kong',
      defaultLocale: 'en',
      logLevel: 'debug',
      handlerTimeoutMs: 20_000,
      queuePrefix: 'test-1',
      seedOnStart: true,
    });
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ ...base, PATH: '/usr/bin', HOME: '/root' }).botToken).toBe(TOKEN);
  });
});

describe('every problem at once', () => {
  it('missing BOT_TOKEN, malformed DATABASE_URL and WEBHOOK_URL without WEBHOOK_SECRET → one ConfigError listing all three', () => {
    const err = configError({ DATABASE_URL: 'mysql://x', WEBHOOK_URL: 'https://bot.example.com/hook' });
    expect(err.name).toBe('ConfigError');
    expect(err).toBeInstanceOf(Error);
    expect(about(err, 'BOT_TOKEN')).toHaveLength(1);
    expect(about(err, 'DATABASE_URL')).toHaveLength(1);
    expect(about(err, 'WEBHOOK_SECRET')).toHaveLength(1);
    expect(err.problems).toHaveLength(3);
    for (const variable of ['BOT_TOKEN', 'DATABASE_URL', 'WEBHOOK_SECRET']) expect(err.message).toContain(variable);
    expect(about(err, 'WEBHOOK_SECRET')[0]).toContain('WEBHOOK_URL');
    expect(about(err, 'BOT_TOKEN')[0]).toMatch(/required/);
  });

  it.each(['mysql://x', 'not a url', 'postgres://', 'http://db:5432/app'])('DATABASE_URL %j is refused', (url) => {
    const err = configError({ ...base, DATABASE_URL: url });
    expect(about(err, 'DATABASE_URL')).toHaveLength(1);
    expect(err.problems).toHaveLength(1);
  });

  it('with a malformed token and every other field wrong, each is named', () => {
    const err = configError({
      BOT_TOKEN: 'not-a-token',
      REDIS_URL: 'http://cache',
      APP_ROLE: 'web',
      PORT: '70000',
      TZ_BUSINESS: 'Mars/Olympus',
      DEFAULT_LOCALE: 'de',
      LOG_LEVEL: 'loud',
      HANDLER_TIMEOUT_MS: '100',
      QUEUE_PREFIX: 'a:b',
      SEED_ON_START: 'yes',
    });
    for (const variable of ['BOT_TOKEN', 'REDIS_URL', 'APP_ROLE', 'PORT', 'TZ_BUSINESS', 'DEFAULT_LOCALE', 'LOG_LEVEL', 'HANDLER_TIMEOUT_MS', 'QUEUE_PREFIX', 'SEED_ON_START']) {
      expect(about(err, variable), variable).toHaveLength(1);
      expect(err.message).toContain(variable);
    }
  });

  it('the problems never echo the bot token', () => {
    const err = configError({ BOT_TOKEN: TOKEN, DATABASE_URL: 'mysql://x' });
    expect(err.message).not.toContain(TOKEN);
  });
});

describe('webhook', () => {
  it('needs a secret, and the secret has a restricted alphabet', () => {
    expect(about(configError({ ...base, WEBHOOK_URL: 'https://x.example.com/h' }), 'WEBHOOK_SECRET')).toHaveLength(1);
    expect(about(configError({ ...base, WEBHOOK_URL: 'https://x.example.com/h', WEBHOOK_SECRET: `${SECRET} has space` }), 'WEBHOOK_SECRET')).toHaveLength(1);
    expect(about(configError({ ...base, WEBHOOK_URL: 'ftp://x.example.com/h', WEBHOOK_SECRET: 's' }), 'WEBHOOK_URL')).toHaveLength(1);
  });

  it('a secret alone (no URL) means long polling', () => {
    expect(loadConfig({ ...base, WEBHOOK_SECRET: SECRET }).webhook).toBeNull();
  });

  it('a secret shorter than 32 characters is refused, and the problem says how to make one', () => {
    const url = 'https://x.example.com/h';
    for (const short of ['s', 'abc', 'a'.repeat(31)]) {
      const problems = about(configError({ ...base, WEBHOOK_URL: url, WEBHOOK_SECRET: short }), 'WEBHOOK_SECRET');
      expect(problems, short).toHaveLength(1);
      expect(problems[0]).toMatch(/at least 32 characters/);
      expect(problems[0]).toContain('openssl rand -hex 32');
    }
    expect(loadConfig({ ...base, WEBHOOK_URL: url, WEBHOOK_SECRET: 'a'.repeat(32) }).webhook?.secret).toBe('a'.repeat(32));
    expect(about(configError({ ...base, WEBHOOK_URL: url, WEBHOOK_SECRET: 'a'.repeat(257) }), 'WEBHOOK_SECRET')).toHaveLength(1);
  });
});

describe('ADMIN_IDS', () => {
  it.each([
    ['1, 2,3', [1, 2, 3]],
    ['42', [42]],
    [' 7 ,, 8 ,', [7, 8]],
    ['', []],
  ])('%j → %j', (value, ids) => {
    expect(loadConfig({ ...base, ADMIN_IDS: value }).adminIds).toEqual(ids);
  });

  it.each(['abc', '1,abc', '-5', '1.5', '12 34'])('%j is a problem naming ADMIN_IDS', (value) => {
    const err = configError({ ...base, ADMIN_IDS: value });
    expect(about(err, 'ADMIN_IDS').length).toBeGreaterThanOrEqual(1);
    expect(err.message).toContain('ADMIN_IDS');
  });
});

describe('SUPPORT_CHAT_ID', () => {
  it('takes a negative supergroup id', () => {
    expect(loadConfig({ ...base, SUPPORT_CHAT_ID: '-1001234567890' }).supportChatId).toBe(-1001234567890);
  });

  it.each(['1001234567890', '0', 'support', '-', '-100abc'])('%j is refused', (value) => {
    expect(about(configError({ ...base, SUPPORT_CHAT_ID: value }), 'SUPPORT_CHAT_ID')).toHaveLength(1);
  });
});

describe('SUPPORT_HOURS and SUPPORT_SLA_MINUTES', () => {
  it('reads hours as minutes after local midnight, overnight and 24:00 included', () => {
    expect(loadConfig({ ...base, SUPPORT_HOURS: '08:30-22:00' }).supportHours).toEqual({ start: 510, end: 1320 });
    expect(loadConfig({ ...base, SUPPORT_HOURS: '00:00-24:00' }).supportHours).toEqual({ start: 0, end: 1440 });
    expect(loadConfig({ ...base, SUPPORT_HOURS: '22:00-06:00' }).supportHours).toEqual({ start: 1320, end: 360 });
  });

  it.each(['9-21', '09:00', '25:00-26:00', '09:00-09:00', '09:60-10:00', 'always'])('hours %j are refused', (value) => {
    expect(about(configError({ ...base, SUPPORT_HOURS: value }), 'SUPPORT_HOURS')).toHaveLength(1);
  });

  it('takes a positive number of minutes (fractions allowed, for tests)', () => {
    expect(loadConfig({ ...base, SUPPORT_SLA_MINUTES: '10' }).supportSlaMinutes).toBe(10);
    expect(loadConfig({ ...base, SUPPORT_SLA_MINUTES: '0.5' }).supportSlaMinutes).toBe(0.5);
    for (const bad of ['0', '-1', 'soon']) expect(about(configError({ ...base, SUPPORT_SLA_MINUTES: bad }), 'SUPPORT_SLA_MINUTES')).toHaveLength(1);
  });
});

describe('CAMPAIGN_RATE and CAMPAIGN_PAID_BROADCAST', () => {
  it('takes up to 30 messages/s without paid broadcasts', () => {
    expect(loadConfig({ ...base, CAMPAIGN_RATE: '30' }).campaignRate).toBe(30);
    expect(about(configError({ ...base, CAMPAIGN_RATE: '31' }), 'CAMPAIGN_RATE')).toHaveLength(1);
  });

  it('takes up to 1000 messages/s with paid broadcasts, never more, never less than 1', () => {
    const c = loadConfig({ ...base, CAMPAIGN_RATE: '1000', CAMPAIGN_PAID_BROADCAST: 'true' });
    expect([c.campaignRate, c.campaignPaidBroadcast]).toEqual([1000, true]);
    for (const bad of ['1001', '0', 'fast']) {
      expect(about(configError({ ...base, CAMPAIGN_RATE: bad, CAMPAIGN_PAID_BROADCAST: 'true' }), 'CAMPAIGN_RATE')).toHaveLength(1);
    }
  });
});

describe('SEND_BUDGET_*', () => {
  it('campaigns may use the whole budget unless CAMPAIGN_RATE says less; more only as paid broadcasts', () => {
    const c = loadConfig({ ...base, SEND_BUDGET_PER_SECOND: '20', SEND_BUDGET_GROUP_PER_MINUTE: '10', SEND_BUDGET_CHAT_BURST: '1' });
    expect([c.campaignRate, c.sendBudget]).toEqual([20, { perSecond: 20, groupPerMinute: 10, chatBurst: 1 }]);
    expect(about(configError({ ...base, SEND_BUDGET_PER_SECOND: '20', CAMPAIGN_RATE: '25' }), 'CAMPAIGN_RATE')).toHaveLength(1);
    expect(loadConfig({ ...base, SEND_BUDGET_PER_SECOND: '20', CAMPAIGN_RATE: '25', CAMPAIGN_PAID_BROADCAST: 'true' }).campaignRate).toBe(25);
    for (const bad of ['0', '1001', 'x']) expect(about(configError({ ...base, SEND_BUDGET_PER_SECOND: bad }), 'SEND_BUDGET_PER_SECOND')).toHaveLength(1);
  });
});

describe('empty strings count as unset', () => {
  it('an empty BOT_TOKEN is "required", not "malformed"', () => {
    const err = configError({ BOT_TOKEN: '' });
    expect(about(err, 'BOT_TOKEN')).toHaveLength(1);
    expect(about(err, 'BOT_TOKEN')[0]).toMatch(/required/);
  });

  it('empty optional variables take their defaults', () => {
    const cfg = loadConfig({
      ...base,
      DATABASE_URL: '',
      REDIS_URL: '',
      APP_ROLE: '',
      WEBHOOK_URL: '',
      WEBHOOK_SECRET: '',
      PORT: '',
      SUPPORT_CHAT_ID: '',
      SUPPORT_HOURS: '',
      SUPPORT_SLA_MINUTES: '',
      ADMIN_IDS: '',
      TZ_BUSINESS: '',
      DEFAULT_LOCALE: '',
      LOG_LEVEL: '',
      SEED_ON_START: '',
      PAYMENT_PROVIDER_TOKEN: '',
    });
    expect(cfg).toEqual(loadConfig(base));
  });

  it('undefined values are ignored too', () => {
    expect(loadConfig({ ...base, DATABASE_URL: undefined })).toEqual(loadConfig(base));
  });
});

describe('shutdown', () => {
  it('the force-exit after SIGTERM waits longer than the handler timeout and the chat lock built on it', () => {
    for (const timeout of [undefined, '1000', '20000', '55000']) {
      const cfg = loadConfig({ ...base, HANDLER_TIMEOUT_MS: timeout });
      // The chat lock's TTL is the handler timeout + 5 s (src/bot/index.ts); a few seconds more to close.
      expect(forceExitDelayMs(cfg), String(timeout)).toBeGreaterThanOrEqual(cfg.handlerTimeoutMs + 10_000);
    }
    expect(forceExitDelayMs(loadConfig(base))).toBe(45_000);
  });
});

describe('each entry point asks only for what it uses', () => {
  it('the bot without BOT_TOKEN: the message names it, says where to get one and how to set it', () => {
    const err = configError({});
    expect(err.problems).toEqual(['BOT_TOKEN is required (get one from @BotFather)']);
    expect(err.message.split('\n').at(-1)).toBe(HOW_TO_SET);
    expect(HOW_TO_SET).toContain('cp .env.example .env');
  });

  it('the ops CLI needs no BOT_TOKEN (it never calls Telegram) and ignores the bot-only settings, even wrong ones', () => {
    const env = { DATABASE_URL: 'postgres://ops@db:5432/shop', WEBHOOK_URL: 'https://bot.example.com', PORT: 'not a port', CAMPAIGN_RATE: '500' };
    expect(loadOpsConfig(env)).toEqual({
      databaseUrl: 'postgres://ops@db:5432/shop',
      database: { poolMax: 2, prepare: true },
      redisUrl: 'redis://127.0.0.1:6379',
      redis: { mode: 'single', url: 'redis://127.0.0.1:6379' },
      queuePrefix: 'tjd',
      defaultLocale: 'zh-CN',
      timeZone: 'Asia/Shanghai',
      supportHours: { start: 540, end: 1260 },
      supportSlaMinutes: 5,
      inbox: { maxAttempts: 5, concurrency: 128, leaseMs: 15_000, retryMs: 1_000 },
      refundPolicy: 'until_vin',
    });
    expect(() => loadConfig(env)).toThrow(ConfigError);
  });

  it('the ops CLI still refuses a wrong setting it uses, named, with how to set it', () => {
    let caught: unknown;
    try {
      loadOpsConfig({ DATABASE_URL: 'mysql://x', QUEUE_PREFIX: 'a:b' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const err = caught as ConfigError;
    expect(err.problems.map((p) => p.split(' ')[0])).toEqual(['DATABASE_URL', 'QUEUE_PREFIX']);
    expect(err.message).toContain(HOW_TO_SET);
    expect(err.message).not.toContain('BOT_TOKEN');
  });

  it('db:migrate and db:seed read the database and the time zone only', () => {
    expect(loadDbConfig({ BOT_TOKEN: 'junk', REDIS_URL: 'http://nope' })).toEqual({
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
      database: { poolMax: 1, prepare: true },
      timeZone: 'Asia/Shanghai',
    });
    expect(loadDbConfig({ DATABASE_URL: 'postgresql://app:pw@db/app', DATABASE_PREPARE: 'false', TZ_BUSINESS: 'Europe/Berlin' })).toEqual({
      databaseUrl: 'postgresql://app:pw@db/app',
      database: { poolMax: 1, prepare: false },
      timeZone: 'Europe/Berlin',
    });
    expect(() => loadDbConfig({ TZ_BUSINESS: 'Mars/Olympus' })).toThrow(/TZ_BUSINESS is not an IANA time zone/);
  });
});

describe('DEPOSIT_REFUNDABLE_UNTIL', () => {
  it('vin (the default) or delivery; anything else is refused', () => {
    const base = { BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ' };
    expect(loadConfig({ ...base, DEPOSIT_REFUNDABLE_UNTIL: 'delivery' }).refundPolicy).toBe('until_delivery');
    expect(loadConfig({ ...base, DEPOSIT_REFUNDABLE_UNTIL: 'vin' }).refundPolicy).toBe('until_vin');
    expect(() => loadConfig({ ...base, DEPOSIT_REFUNDABLE_UNTIL: 'never' })).toThrow(/DEPOSIT_REFUNDABLE_UNTIL/);
  });
});
