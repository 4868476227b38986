import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * pino with secrets redacted: the bot token appears in Bot API URLs and error messages, and the
 * payment provider token in sendInvoice payloads, so both are scrubbed wherever they show up.
 */
export function createLogger(level: string, secrets: string[] = []): Logger {
  const needles = secrets.filter((s) => s.length >= 8);
  const scrub = (value: string) => needles.reduce((acc, s) => acc.split(s).join('[redacted]'), value);
  return pino({
    level,
    redact: {
      paths: ['*.provider_token', '*.*.provider_token', 'config.botToken', 'config.paymentProviderToken', 'config.webhook.secret'],
      censor: '[redacted]',
    },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) =>
            typeof a === 'string' ? scrub(a) : a instanceof Error ? scrubError(a, scrub) : a,
          ) as Parameters<typeof method>,
        );
      },
    },
    formatters: {
      log(obj) {
        return needles.length ? (JSON.parse(scrub(JSON.stringify(obj, errorReplacer))) as Record<string, unknown>) : obj;
      },
    },
  });
}

function errorReplacer(_key: string, value: unknown) {
  if (value instanceof Error) {
    return { type: value.name, message: value.message, stack: value.stack, ...(value as unknown as Record<string, unknown>) };
  }
  return value;
}

function scrubError(err: Error, scrub: (s: string) => string) {
  return { err: { type: err.name, message: scrub(err.message), stack: err.stack ? scrub(err.stack) : undefined } };
}
