import { AsyncLocalStorage } from 'node:async_hooks';
import { TelegramError, type Telegram } from 'telegraf';
import { classifyTelegramError } from '../shared/telegram-errors.js';
import { BudgetWaitExceeded, type SendBudget, type SendClass } from './send-budget.js';

/** Methods that put a message into a chat: they count globally and against the chat's own limit. */
export const MESSAGE_METHODS = new Set([
  'sendMessage',
  'sendPhoto',
  'sendVideo',
  'sendDocument',
  'sendAnimation',
  'sendAudio',
  'sendVoice',
  'sendVideoNote',
  'sendSticker',
  'sendLocation',
  'sendVenue',
  'sendContact',
  'sendPoll',
  'sendDice',
  'sendInvoice',
  'sendMediaGroup',
  'copyMessage',
  'copyMessages',
  'forwardMessage',
  'forwardMessages',
]);
/** Edits count against the global budget only (Telegram's per-chat 1/s is about new messages). */
export const EDIT_METHODS = new Set(['editMessageText', 'editMessageCaption', 'editMessageMedia', 'editMessageReplyMarkup']);

/** Methods the budget meters; everything else (answers to callbacks and pre-checkouts, getters, topics) goes straight out. */
export const isBudgeted = (method: string): boolean => MESSAGE_METHODS.has(method) || EDIT_METHODS.has(method);

interface SendScope {
  cls: SendClass;
  maxWaitMs?: number;
  /** The caller took the slot itself (SendBudget.take): only the 429 handling applies. */
  admitted?: boolean;
}
const scope = new AsyncLocalStorage<SendScope>();

/**
 * Runs `fn` with its Bot API calls counted as `cls` (a campaign worker's sends through the shared
 * client), giving up after `maxWaitMs` with BudgetWaitExceeded.
 */
export function sendingAs<T>(cls: SendClass, fn: () => Promise<T>, opts: { maxWaitMs?: number; admitted?: boolean } = {}): Promise<T> {
  return scope.run({ cls, maxWaitMs: opts.maxWaitMs, admitted: opts.admitted }, fn);
}

const WRAPPED = Symbol('send-budget');

/**
 * The one place outgoing messages meet the budget: every message and edit this client sends waits
 * for a slot of the shared budget, as `cls` unless the caller runs inside `sendingAs`. A 429
 * stays what it was (the caller's retry or queue handling sees it), and it holds back every
 * sender in every process for its retry_after (not for a group's 429: that group's own 20/min,
 * left to the caller, e.g. the support relay queue). A chat whose own limit asks for longer than the caller can wait
 * gets a 429 of the same shape, so existing 429 handling applies. Wrapping twice does nothing.
 */
export function withSendBudget(telegram: Telegram, budget: SendBudget, cls: SendClass): Telegram {
  const marked = telegram as Telegram & { [WRAPPED]?: SendClass };
  if (marked[WRAPPED]) return telegram;
  marked[WRAPPED] = cls;
  const call = telegram.callApi.bind(telegram);
  telegram.callApi = (async (method: Parameters<typeof call>[0], payload: Parameters<typeof call>[1], opts?: Parameters<typeof call>[2]) => {
    if (!isBudgeted(method)) return call(method, payload, opts);
    const p = (payload ?? {}) as Record<string, unknown>;
    const chatId = typeof p.chat_id === 'number' || (typeof p.chat_id === 'string' && /^-?\d+$/.test(p.chat_id)) ? Number(p.chat_id) : undefined;
    const current = scope.getStore();
    if (!current?.admitted) await admit(budget, method, current, cls, chatId, p);
    try {
      return await call(method, payload, opts);
    } catch (err) {
      const failure = classifyTelegramError(err);
      // A group's 429 is that group's 20/min (its own log already paces it): the caller's handling
      // (the support relay queue) deals with it, and nobody else waits.
      if (failure.kind === 'rate_limited' && !(chatId !== undefined && chatId < 0)) {
        await budget.pause(failure.retryAfterS * 1000).catch(() => undefined);
      }
      throw err;
    }
  }) as typeof telegram.callApi;
  return telegram;
}

async function admit(budget: SendBudget, method: string, current: SendScope | undefined, cls: SendClass, chatId: number | undefined, p: Record<string, unknown>) {
  try {
    await budget.take(current?.cls ?? cls, {
      chatId: MESSAGE_METHODS.has(method) ? chatId : undefined,
      paid: p.allow_paid_broadcast === true,
      maxWaitMs: current?.maxWaitMs,
    });
  } catch (err) {
    if (err instanceof BudgetWaitExceeded && err.reason === 'chat' && current?.maxWaitMs === undefined) {
      const retryAfter = Math.max(1, Math.ceil(err.retryInMs / 1000));
      throw new TelegramError({ error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } }, { method, payload: p });
    }
    throw err;
  }
}
