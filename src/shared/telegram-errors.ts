import { TelegramError } from 'telegraf';

export type TelegramFailure =
  | { kind: 'blocked' }
  | { kind: 'rate_limited'; retryAfterS: number }
  | { kind: 'chat_not_found' }
  | { kind: 'not_modified' }
  | { kind: 'bad_request'; description: string }
  | { kind: 'server'; code: number }
  | { kind: 'network' }
  | { kind: 'other' };

/** Sorts a failed Bot API call into what the caller should do about it. */
export function classifyTelegramError(err: unknown): TelegramFailure {
  if (err instanceof TelegramError) {
    const code = err.code;
    const description = err.description ?? '';
    if (code === 403) return { kind: 'blocked' };
    if (code === 429) return { kind: 'rate_limited', retryAfterS: err.parameters?.retry_after ?? 1 };
    if (code === 400 && /message is not modified/i.test(description)) return { kind: 'not_modified' };
    if (code === 400 && /chat not found|user is deactivated|chat_id is empty/i.test(description)) return { kind: 'chat_not_found' };
    if (code === 400) return { kind: 'bad_request', description };
    if (code >= 500) return { kind: 'server', code };
    return { kind: 'other' };
  }
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') {
    return { kind: 'network' };
  }
  if (err instanceof Error && /fetch|socket|ECONN|ETIMEDOUT|network/i.test(err.message)) return { kind: 'network' };
  return { kind: 'other' };
}

export const isNotModified = (err: unknown): boolean => classifyTelegramError(err).kind === 'not_modified';
