import type { Telegram } from 'telegraf';
import { classifyTelegramError } from '../shared/telegram-errors.js';

/**
 * Makes this Telegram client wait out a short 429 (retry_after ≤ `maxWaitS`) and try the call
 * once more, so a customer's screen still arrives when Telegram asks us to slow down. Longer
 * waits are not worth holding the chat for: the error goes to the boundary.
 */
export function retryShortRateLimits(telegram: Telegram, maxWaitS = 5): void {
  const call = telegram.callApi.bind(telegram);
  telegram.callApi = (async (method: Parameters<typeof call>[0], payload: Parameters<typeof call>[1], opts?: Parameters<typeof call>[2]) => {
    try {
      return await call(method, payload, opts);
    } catch (err) {
      const failure = classifyTelegramError(err);
      if (failure.kind !== 'rate_limited' || failure.retryAfterS > maxWaitS) throw err;
      await new Promise((resolve) => setTimeout(resolve, failure.retryAfterS * 1000));
      return call(method, payload, opts);
    }
  }) as typeof telegram.callApi;
}
