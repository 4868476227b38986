import type { BotContext } from './context.js';

/** How long a download from Telegram's file server may take before it is given up. */
const DOWNLOAD_TIMEOUT_MS = 20_000;

/**
 * The bytes of a file a user sent: getFile for its path, then `<TELEGRAM_API_ROOT>/file/bot<token>/<path>`
 * (the Bot API's download URL). 'too_large' as soon as more than `maxBytes` arrive (or getFile says
 * so), without reading the rest. Throws when Telegram answers an error or the download fails; the URL
 * holds the token, so it is never put in an error or a log line.
 */
export async function downloadFile(ctx: BotContext, fileId: string, maxBytes: number): Promise<Buffer | 'too_large'> {
  const file = await ctx.telegram.getFile(fileId);
  if (file.file_size !== undefined && file.file_size > maxBytes) return 'too_large';
  if (!file.file_path) throw new Error('getFile answered no file_path');
  const { telegramApiRoot, botToken } = ctx.deps.config;
  const res = await fetch(`${telegramApiRoot}/file/bot${botToken}/${file.file_path}`, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new Error(`file download answered HTTP ${res.status}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await res.body.cancel().catch(() => undefined);
      return 'too_large';
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
