import { pino, stdSerializers, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * pino with secrets scrubbed from every finished line: the bot token appears in Bot API URLs
 * and network errors, the provider token in sendInvoice payloads. Scrubbing the serialized line
 * (pino's streamWrite hook) also covers child bindings and `%j` arguments, and keeps pino's own
 * error serializer (error class names, stacks) intact.
 */
export function createLogger(level: string, secrets: string[] = [], destination: DestinationStream | undefined = defaultDestination): Logger {
  const needles = secrets.filter((s) => s.length >= 8);
  const scrub = (line: string) => needles.reduce((acc, s) => (acc.includes(s) ? acc.split(s).join('[redacted]') : acc), line);
  const options: LoggerOptions = {
    level,
    redact: { paths: ['*.provider_token', '*.*.provider_token'], censor: '[redacted]' },
    serializers: { err: serializeError },
    hooks: needles.length ? { streamWrite: scrub } : {},
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * pino's error serializer, minus what would copy a customer's words into the log: a failed Bot API
 * call's TelegramError carries the request (`on.payload`: the text sent, which may repeat a phone
 * number or an address), and a Postgres error's `detail` quotes the row's values. The method and
 * the error itself stay.
 */
function serializeError(err: unknown): unknown {
  const out = stdSerializers.err(err as Error) as unknown as Record<string, unknown> | undefined;
  if (!out || typeof out !== 'object') return out;
  const on = out.on as { method?: unknown } | undefined;
  if (on && typeof on === 'object') out.on = { method: on.method };
  if ('detail' in out) out.detail = '[omitted]';
  if ('parameters' in out) out.parameters = '[omitted]';
  return out;
}

let defaultDestination: DestinationStream | undefined;

/**
 * `npm run dev`: every logger made from now on writes through pino-pretty (readable, coloured)
 * instead of JSON lines. pino-pretty is a dev dependency, so it is loaded only here.
 */
export async function usePrettyLogs(): Promise<void> {
  const { default: pretty } = await import('pino-pretty');
  defaultDestination = pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
}
