import type { Update } from 'telegraf/types';

/**
 * Webhook mode: Telegram accepts one Bot API call in the body of the webhook's HTTP answer. The
 * bot uses that for answerCallbackQuery only, whose result nobody reads (every other call keeps
 * going over the API, so its errors are seen; that is why telegraf's webhookReply stays off).
 * It saves one HTTP request per button press. The HTTP server opens a sink per update and
 * closes it when it answers; a toast after that (handler timeout) goes over the API as usual.
 */
export interface WebhookReplySink {
  open: boolean;
  reply?: { method: 'answerCallbackQuery'; callback_query_id: string; text?: string; show_alert?: boolean };
}

export const webhookReplySinks = new WeakMap<Update, WebhookReplySink>();
