import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * pino with secrets scrubbed from every finished line: the bot token appears in Bot API URLs
 * and network errors, the provider token in sendInvoice payloads. Scrubbing the serialized line
 * (pino's streamWrite hook) also covers child bindings and `%j` arguments, and keeps pino's own
 * error serializer (error class names, stacks) intact.
 */
export function createLogger(level: string, secrets: string[] = [], destination?: DestinationStream): Logger {
  const needles = secrets.filter((s) => s.length >= 8);
  const scrub = (line: string) => needles.reduce((acc, s) => (acc.includes(s) ? acc.split(s).join('[redacted]') : acc), line);
  const options: LoggerOptions = {
    level,
    redact: { paths: ['*.provider_token', '*.*.provider_token'], censor: '[redacted]' },
    hooks: needles.length ? { streamWrite: scrub } : {},
  };
  return destination ? pino(options, destination) : pino(options);
}
