import type { Telegram } from 'telegraf';
import { classifyTelegramError } from '../shared/telegram-errors.js';
import type { Metrics } from './metrics.js';

/**
 * Counts every Bot API call this client makes, by method and outcome (telegram_api_calls_total;
 * a 429 is `rate_limited`). Put it on first, innermost, so each request Telegram actually gets is
 * counted once, retries included: src/deps.ts for the workers' client, src/bot/index.ts for the
 * bot's (and each update's). It only counts: retries, limits and budgets are other wrappers'.
 */
export function countTelegramCalls(telegram: Telegram, metrics: Metrics): void {
  const call = telegram.callApi.bind(telegram);
  telegram.callApi = (async (method: Parameters<typeof call>[0], payload: Parameters<typeof call>[1], opts?: Parameters<typeof call>[2]) => {
    try {
      const result = await call(method, payload, opts);
      metrics.telegramCall(method, 'ok');
      return result;
    } catch (err) {
      // An abandoned long poll (shutdown) is not a failure of Telegram's.
      if (!(method === 'getUpdates' && (err as { name?: string })?.name === 'AbortError')) metrics.telegramCall(method, classifyTelegramError(err).kind);
      throw err;
    }
  }) as typeof telegram.callApi;
}
