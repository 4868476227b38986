/**
 * Request parsing and answering for the Bot API stand-in.
 *
 * telegraf 4.16 (lib/core/network/client.js, via node-fetch) sends
 *  - JSON: a string body with `content-type: application/json` and a content-length;
 *  - multipart/form-data: a chunked stream, used whenever a payload contains an
 *    upload (`{ source }` / `{ url }`); it then also adds a `method` field and
 *    JSON-encodes object fields such as `reply_markup`.
 * The real Bot API also takes urlencoded forms and query strings; all four end
 * up in one flat params object here.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type Params = Record<string, unknown>;

/** A file part of a multipart upload. */
export interface UploadedFile {
  upload: true;
  field: string;
  filename: string;
  contentType: string | undefined;
  size: number;
  /** The file's bytes (the sandbox page shows uploaded pictures; the rules check they are images). */
  bytes: Buffer;
}

export function isUploadedFile(value: unknown): value is UploadedFile {
  return typeof value === 'object' && value !== null && (value as { upload?: unknown }).upload === true;
}

/** Form fields holding JSON-serialized objects (see the Bot API's "InputFile"/"JSON-serialized" notes). */
const JSON_FIELDS = new Set([
  'reply_markup',
  'reply_parameters',
  'link_preview_options',
  'entities',
  'caption_entities',
  'media',
  'prices',
  'suggested_tip_amounts',
  'shipping_options',
  'allowed_updates',
  'commands',
  'scope',
  'menu_button',
  'results',
  'options',
  'reaction',
]);

/** Form fields holding integers (chat ids may also be `@channelusername`, which stays a string). */
const INTEGER_FIELDS = new Set([
  'chat_id',
  'from_chat_id',
  'message_id',
  'message_thread_id',
  'reply_to_message_id',
  'user_id',
  'offset',
  'limit',
  'timeout',
  'icon_color',
  'max_connections',
  'cache_time',
  'duration',
  'width',
  'height',
]);

/** Free-text fields never coerced to booleans, whatever they contain. */
const TEXT_FIELDS = new Set(['text', 'caption', 'title', 'description', 'payload', 'name', 'data', 'question']);

/** Gives form values (always strings) the types a JSON body would have had. */
function coerceFormValue(key: string, value: string): unknown {
  if (JSON_FIELDS.has(key) && /^\s*[[{]/.test(value)) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  if (INTEGER_FIELDS.has(key) && /^-?\d+$/.test(value)) return Number(value);
  if (!TEXT_FIELDS.has(key) && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Splits a multipart body. Works on latin1 strings so binary file parts survive the split. */
function parseMultipart(body: Buffer, boundary: string): Params {
  const params: Params = {};
  const raw = body.toString('latin1');
  for (const chunk of raw.split(`--${boundary}`)) {
    // Skip the preamble and the closing `--` marker.
    const headerEnd = chunk.indexOf('\r\n\r\n');
    if (headerEnd < 0) continue;
    const headers = chunk.slice(0, headerEnd);
    // Drop the CRLF that precedes the next boundary.
    const content = chunk.slice(headerEnd + 4).replace(/\r\n$/, '');
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined) continue;
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
    if (filename === undefined) {
      params[name] = coerceFormValue(name, Buffer.from(content, 'latin1').toString('utf8'));
    } else {
      const file: UploadedFile = {
        upload: true,
        field: name,
        // Headers were split as latin1 with the body; a file name is UTF-8 (a Chinese name survives).
        filename: Buffer.from(filename, 'latin1').toString('utf8'),
        contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1],
        size: Buffer.byteLength(content, 'latin1'),
        bytes: Buffer.from(content, 'latin1'),
      };
      params[name] = file;
    }
  }
  return params;
}

/** Query string plus body, whatever its encoding. Throws on a malformed JSON body. */
export async function readParams(req: IncomingMessage, url: URL): Promise<Params> {
  const params: Params = {};
  for (const [key, value] of url.searchParams) params[key] = coerceFormValue(key, value);

  const body = await readBody(req);
  if (body.length === 0) return params;
  const contentType = req.headers['content-type'] ?? '';

  if (contentType.includes('application/json')) {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) Object.assign(params, parsed);
    return params;
  }
  if (contentType.includes('application/x-www-form-urlencoded')) {
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) {
      params[key] = coerceFormValue(key, value);
    }
    return params;
  }
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (contentType.includes('multipart/form-data') && boundary) {
    Object.assign(params, parseMultipart(body, boundary[1] ?? boundary[2] ?? ''));
  }
  return params;
}

/** Writes a JSON answer. While the server shuts down, asks the client to drop the connection. */
export function sendJson(res: ServerResponse, status: number, payload: unknown, closing = false): void {
  if (res.writableEnded || res.destroyed) return;
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(closing ? { connection: 'close' } : {}),
  });
  res.end(body);
}

export const sleep = (ms: number): Promise<void> => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

/** POSTs a JSON body the way Telegram delivers webhooks (fresh connection, self-signed certificates accepted). */
export function postJson(target: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const url = new URL(target);
  const options = {
    method: 'POST',
    agent: false as const,
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
  };
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage): void => {
      readBody(res).then((answer) => resolve({ status: res.statusCode ?? 0, body: answer.toString('utf8') }), reject);
    };
    const req = url.protocol === 'https:' ? httpsRequest(url, { ...options, rejectUnauthorized: false }, onResponse) : httpRequest(url, options, onResponse);
    req.on('error', reject);
    req.end(body);
  });
}
