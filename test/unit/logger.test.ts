/**
 * createLogger has no destination parameter: pino writes to stdout. pino uses process.stdout
 * itself (instead of its own fd-1 writer) once process.stdout.write has been replaced, so the
 * test replaces it before creating the logger and reads back the JSON lines.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, type Logger } from '../../src/logger.js';

const BOT_TOKEN = '123456789:AAHfakeBotTokenSecretValue_xyz';
const PROVIDER_TOKEN = '284685063:TEST:ProviderSecretToken123';
const WEBHOOK_SECRET = 'webhook_secret_value_42';
const secrets = [BOT_TOKEN, PROVIDER_TOKEN, WEBHOOK_SECRET];
const apiUrl = (method: string) => `https://api.telegram.org/bot${BOT_TOKEN}/${method}`;

let restore: (() => void) | null = null;
afterEach(() => {
  restore?.();
  restore = null;
});

/** A logger whose output lands in `lines` (one string per write). */
function capture(level = 'info', withSecrets: string[] = secrets): { log: Logger; lines: string[]; output: () => string } {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  restore = () => spy.mockRestore();
  const log = createLogger(level, withSecrets);
  return { log, lines, output: () => lines.join('') };
}

/** Asserts no secret is in the output and that something was written at all. */
function expectClean(output: string, expectedLines: number) {
  expect(output.trim().split('\n')).toHaveLength(expectedLines);
  for (const secret of secrets) expect(output).not.toContain(secret);
  // The secret part of the bot token alone must not survive either.
  expect(output).not.toContain(BOT_TOKEN.split(':')[1]);
}

describe('createLogger keeps secrets out of the output', () => {
  it('writes JSON lines to stdout (the capture works)', () => {
    const { log, lines } = capture();
    log.info({ orderId: 42 }, 'hello');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, orderId: 42, msg: 'hello' });
  });

  it('scrubs the bot token from a message string', () => {
    const { log, output } = capture();
    log.info(`GET ${apiUrl('getMe')}`);
    expectClean(output(), 1);
    expect(output()).toContain('[redacted]');
  });

  it('scrubs printf-style string arguments', () => {
    const { log, output } = capture();
    log.info('calling %s with %s', apiUrl('sendMessage'), PROVIDER_TOKEN);
    expectClean(output(), 1);
  });

  it('scrubs values anywhere in the merged object, arrays included', () => {
    const { log, output } = capture();
    log.info({ url: apiUrl('getUpdates') }, 'call');
    log.info({ deep: { a: { b: { c: { d: BOT_TOKEN } } } } }, 'deep');
    log.info({ list: [BOT_TOKEN, { x: PROVIDER_TOKEN }] }, 'list');
    log.info({ headers: { 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET } }, 'webhook');
    expectClean(output(), 4);
  });

  it('redacts provider_token in a sendInvoice payload and the config object', () => {
    const { log, output } = capture();
    log.warn({ payload: { provider_token: PROVIDER_TOKEN, currency: 'CNY' } }, 'invoice');
    log.info({ config: { botToken: BOT_TOKEN, paymentProviderToken: PROVIDER_TOKEN, webhook: { url: 'https://x', secret: WEBHOOK_SECRET } } }, 'config');
    expectClean(output(), 2);
    expect(JSON.parse(output().split('\n')[0]!).payload).toEqual({ provider_token: '[redacted]', currency: 'CNY' });
  });

  it('scrubs an Error logged directly (message and stack)', () => {
    const { log, output } = capture();
    log.error(new Error(`request to ${apiUrl('sendInvoice')} failed`));
    expectClean(output(), 1);
    expect(JSON.parse(output()).err.stack).toContain('[redacted]');
  });

  it('scrubs an Error under err, with a TelegramError-like payload', () => {
    const { log, output } = capture();
    const err = Object.assign(new Error(`400: Bad Request (${apiUrl('sendInvoice')})`), {
      code: 400,
      on: { method: 'sendInvoice', payload: { provider_token: PROVIDER_TOKEN, title: 'Model Y' } },
    });
    log.error({ err, update: { update_id: 1 } }, 'update failed');
    log.error(err);
    expectClean(output(), 2);
  });

  it('scrubs the message even when an object is given too', () => {
    const { log, output } = capture();
    log.error({ orderId: 1 }, `failed: ${BOT_TOKEN}`);
    expectClean(output(), 1);
  });

  it('scrubs in child loggers (the per-update logger)', () => {
    const { log, output } = capture();
    const child = log.child({ updateId: 7, chatId: 1 });
    child.error({ err: new Error(`boom ${BOT_TOKEN}`) }, 'update failed');
    child.info(`url ${apiUrl('getMe')}`);
    expectClean(output(), 2);
  });

  it('scrubs child logger bindings', () => {
    const { log, output } = capture();
    log.child({ api: apiUrl('getMe') }).info('bound');
    expectClean(output(), 1);
  });

  it('scrubs objects interpolated into the message with %j / %o', () => {
    const { log, output } = capture();
    log.info('invoice %j', { provider_token: PROVIDER_TOKEN });
    log.info('request %o', { url: apiUrl('getMe') });
    expectClean(output(), 2);
  });

  it('writes nothing at level silent', () => {
    const { log, lines } = capture('silent');
    log.error(`x ${BOT_TOKEN}`);
    expect(lines).toEqual([]);
  });

  it('ignores secrets shorter than 8 characters (an empty PAYMENT_PROVIDER_TOKEN does not blank every line)', () => {
    const { log, output } = capture('info', ['', 'abc', BOT_TOKEN]);
    log.info('abc and more');
    expect(JSON.parse(output()).msg).toBe('abc and more');
  });
});

describe('errors stay useful after scrubbing', () => {
  it('keeps the error class name in err.type', () => {
    class PaymentError extends Error {
      override name = 'PaymentError';
    }
    const { log, output } = capture();
    log.error({ err: new PaymentError('declined') }, 'payment failed');
    log.error(new PaymentError('declined'));
    const [a, b] = output()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { err: { type: string; message: string } });
    expect(a!.err.message).toBe('declined');
    expect(b!.err.message).toBe('declined');
    expect(a!.err.type).toBe('PaymentError');
    expect(b!.err.type).toBe('PaymentError');
  });
});
