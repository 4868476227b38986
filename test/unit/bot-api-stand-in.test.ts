import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Markup, Telegraf, TelegramError } from 'telegraf';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BotApiStandIn, ok } from '../support/bot-api-stand-in.js';
import { callbackUpdate, textUpdate, userFor, withId } from '../support/updates.js';

const NOT_MODIFIED =
  'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

/** Resolves with the TelegramError a call rejects with. */
async function telegramError(call: Promise<unknown>): Promise<TelegramError> {
  const error: unknown = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(TelegramError);
  return error as TelegramError;
}

/** A throwaway HTTP server on loopback; `handler` answers each request given its headers and body. */
async function listen(handler: (headers: IncomingHttpHeaders, body: string) => { status: number; body: string }): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer = handler(req.headers, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server };
}

describe('BotApiStandIn', () => {
  let api: BotApiStandIn;
  let bot: Telegraf;

  beforeEach(async () => {
    api = await new BotApiStandIn().start();
    bot = new Telegraf(api.token, { telegram: { apiRoot: api.apiRoot } });
  });

  afterEach(async () => {
    await api.stop();
  });

  it('answers getMe with the default bot and records every call', async () => {
    const me = await bot.telegram.getMe();
    expect(me).toMatchObject({ id: 7000000001, is_bot: true, username: 'tesla_jd_bot', first_name: 'TeslaJD' });
    expect(api.calls).toHaveLength(1);
    expect(api.calls[0]).toMatchObject({ method: 'getMe', params: {}, response: { ok: true, result: me } });
    expect(api.calls[0]?.at).toBeGreaterThan(Date.now() - 5_000);
  });

  it('numbers messages per chat and answers with realistic messages', async () => {
    const first = await bot.telegram.sendMessage(42, 'hello', Markup.inlineKeyboard([Markup.button.callback('A', 'a')]));
    const second = await bot.telegram.sendMessage(42, 'again');
    const elsewhere = await bot.telegram.sendMessage(43, 'other chat');
    const inTopic = await bot.telegram.sendMessage(-100123, 'topic', { message_thread_id: 9 });

    expect([first.message_id, second.message_id, elsewhere.message_id]).toEqual([1, 2, 1]);
    expect(first).toMatchObject({
      chat: { id: 42, type: 'private' },
      from: { id: 7000000001, is_bot: true },
      text: 'hello',
      reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] },
    });
    expect(Math.abs(first.date - Date.now() / 1000)).toBeLessThan(5);
    expect(inTopic).toMatchObject({ chat: { id: -100123, type: 'supergroup' }, message_thread_id: 9 });

    expect(api.callsTo('sendMessage')).toHaveLength(4);
    expect(api.messagesTo('42').map((call) => call.params.text)).toEqual(['hello', 'again']);
    const recorded = await api.waitFor((call) => call.params.text === 'again');
    expect(recorded.response.result.message_id).toBe(2);
  });

  it('waits for calls still to come, from a given index', async () => {
    await bot.telegram.sendMessage(1, 'before');
    const since = api.calls.length;
    const waiting = api.waitFor('sendMessage', { since, count: 2 });
    await bot.telegram.sendMessage(1, 'one');
    await bot.telegram.sendMessage(1, 'two');
    expect((await waiting).map((call) => call.params.text)).toEqual(['one', 'two']);
  });

  it('lists the recorded methods when waitFor times out', async () => {
    await bot.telegram.sendMessage(1, 'hi');
    await expect(api.waitFor('sendInvoice', { timeoutMs: 30 })).rejects.toThrow(/Recorded calls: sendMessage/);
  });

  it('tells unchanged and unknown messages apart on editMessageText', async () => {
    const keyboard = Markup.inlineKeyboard([Markup.button.callback('Buy', 'buy')]);
    const sent = await bot.telegram.sendMessage(5, 'price: 10', keyboard);

    const unchanged = await telegramError(bot.telegram.editMessageText(5, sent.message_id, undefined, 'price: 10', keyboard));
    expect(unchanged.code).toBe(400);
    expect(unchanged.description).toBe(NOT_MODIFIED);

    // Dropping the keyboard is a change.
    const edited = await bot.telegram.editMessageText(5, sent.message_id, undefined, 'price: 10');
    expect(edited).toMatchObject({ message_id: sent.message_id, text: 'price: 10' });
    expect(edited).not.toHaveProperty('reply_markup');

    const missing = await telegramError(bot.telegram.editMessageText(5, 999, undefined, 'x'));
    expect(missing.description).toBe('Bad Request: message to edit not found');
    expect(api.callsTo('editMessageText').map((call) => call.response.ok)).toEqual([false, true, false]);
  });

  it('edits messages the test injected without knowing their content', async () => {
    const user = userFor(77);
    api.pushUpdate(callbackUpdate(user, 'buy', { messageId: 31 }));
    await expect(bot.telegram.editMessageReplyMarkup(77, 31, undefined, undefined)).resolves.toMatchObject({
      message_id: 31,
    });
    const copy = await bot.telegram.copyMessage(78, 77, 31);
    expect(copy.message_id).toBe(1);
  });

  it('serves scheduled failures, with retry_after for 429', async () => {
    api.failNext('sendMessage', { code: 429, description: 'Too Many Requests: retry after 7', retryAfter: 7 });
    const error = await telegramError(bot.telegram.sendMessage(1, 'x'));
    expect(error.code).toBe(429);
    expect(error.parameters?.retry_after).toBe(7);
    await expect(bot.telegram.sendMessage(1, 'x')).resolves.toMatchObject({ text: 'x' });
    expect(api.callsTo('sendMessage').map((call) => call.response.error_code)).toEqual([429, undefined]);
  });

  it('refuses sends to a blocked chat until it is unblocked', async () => {
    api.blockChat(500);
    const error = await telegramError(bot.telegram.sendMessage(500, 'promo'));
    expect(error.code).toBe(403);
    expect(error.description).toBe('Forbidden: bot was blocked by the user');
    await expect(bot.telegram.sendMessage(501, 'fine')).resolves.toBeDefined();

    api.unblockChat(500);
    await bot.telegram.sendMessage(500, 'back');
    expect(api.messagesTo(500)).toHaveLength(2);
    expect(api.messagesTo(500, { delivered: true }).map((call) => call.params.text)).toEqual(['back']);
  });

  it('rate-limits sends over a sliding second when asked', async () => {
    api.rateLimit({ perSecond: 3, retryAfter: 2 });
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => bot.telegram.sendMessage(n, 'blast')));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    const rejected = results[3] as PromiseRejectedResult;
    expect((rejected.reason as TelegramError).parameters?.retry_after).toBe(2);
    api.rateLimit(null);
    await expect(bot.telegram.sendMessage(5, 'after')).resolves.toBeDefined();
  });

  it('answers 404 for unknown methods and 401 for a foreign token', async () => {
    const unknown = await telegramError(bot.telegram.callApi('noSuchMethod' as 'getMe', {}));
    expect(unknown.code).toBe(404);
    expect(unknown.description).toBe('Not Found: method not found');

    const strict = await new BotApiStandIn({ token: '1:right' }).start();
    try {
      const intruder = new Telegraf('1:wrong', { telegram: { apiRoot: strict.apiRoot } });
      expect((await telegramError(intruder.telegram.getMe())).code).toBe(401);
    } finally {
      await strict.stop();
    }
  });

  it('parses multipart uploads', async () => {
    const photo = await bot.telegram.sendPhoto(
      9,
      { source: Buffer.from('not really a jpeg'), filename: 'car.jpg' },
      { caption: 'Model Y', ...Markup.inlineKeyboard([Markup.button.callback('More', 'more')]) },
    );
    expect(photo).toMatchObject({ caption: 'Model Y', chat: { id: 9 }, reply_markup: { inline_keyboard: [[{ text: 'More' }]] } });
    expect(photo.photo.length).toBeGreaterThan(0);
    const call = api.callsTo('sendPhoto')[0];
    expect(call?.params).toMatchObject({ chat_id: 9, caption: 'Model Y', photo: { upload: true, filename: 'car.jpg', size: 17 } });
    expect(call?.params).not.toHaveProperty('method');
  });

  it('accepts urlencoded forms like the real Bot API', async () => {
    const markup = JSON.stringify({ inline_keyboard: [[{ text: 'Go', callback_data: 'go' }]] });
    const res = await fetch(`${api.apiRoot}/bot${api.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ chat_id: '12', text: 'true', reply_markup: markup }).toString(),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, result: { chat: { id: 12 }, text: 'true' } });
    expect(api.calls[0]?.params).toEqual({ chat_id: 12, text: 'true', reply_markup: JSON.parse(markup) });
  });

  it('delays answers by latencyMs and lets tests override a method', async () => {
    api.latencyMs = 60;
    const started = Date.now();
    await bot.telegram.sendChatAction(1, 'typing');
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);

    api.latencyMs = 0;
    api.respond('getChatMember', (params) => ok({ status: 'kicked', until_date: 0, user: { id: params.user_id } }));
    await expect(bot.telegram.getChatMember(-1001, 5)).resolves.toMatchObject({ status: 'kicked' });
  });

  it('holds a long poll until its timeout when nothing is pending', async () => {
    const started = Date.now();
    await expect(bot.telegram.callApi('getUpdates', { timeout: 1 })).resolves.toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('delivers pushed updates to a polling bot and honours the offset', async () => {
    const user = userFor(1001, { languageCode: 'en' });
    bot.on('text', (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
    const running = bot.launch();

    // Wait until the bot holds a long poll, so the update wakes it up.
    await vi.waitFor(() => expect(api.heldPolls).toBe(1));
    const pushed = api.pushUpdate(textUpdate(user, '/start'));
    const reply = await api.waitFor('sendMessage');
    expect(reply.params).toMatchObject({ chat_id: 1001, text: 'echo: /start' });
    expect(pushed.update_id).toEqual(expect.any(Number));

    bot.stop('test');
    await running;
    // The bot confirmed the update on stop.
    expect(api.pendingUpdateCount).toBe(0);
    expect(api.callsTo('getUpdates').at(-1)?.params.offset).toBe(pushed.update_id + 1);
  });

  it('ends an older long poll with 409 when another one starts, as Telegram does', async () => {
    const first = bot.telegram.callApi('getUpdates', { timeout: 30 });
    await vi.waitFor(() => expect(api.heldPolls).toBe(1));
    const second = bot.telegram.callApi('getUpdates', { timeout: 30 });
    const conflict = await telegramError(first);
    expect(conflict.description).toMatch(/^Conflict: terminated by other getUpdates request/);
    api.pushUpdate(textUpdate(userFor(3), 'wake up'));
    await expect(second).resolves.toMatchObject([{ message: { text: 'wake up' } }]);
  });

  it('answers held long polls immediately on stop', async () => {
    const polling = bot.telegram.callApi('getUpdates', { timeout: 30 });
    await vi.waitFor(() => expect(api.heldPolls).toBe(1));
    const started = Date.now();
    await api.stop();
    await expect(polling).resolves.toEqual([]);
    expect(Date.now() - started).toBeLessThan(1_000);
    await api.start(); // for afterEach
  });

  it('refuses getUpdates with 409 while a webhook is set', async () => {
    await bot.telegram.setWebhook('https://example.invalid/hook', { secret_token: 'abc' });
    expect(api.webhook).toMatchObject({ url: 'https://example.invalid/hook', secret_token: 'abc' });
    await expect(bot.telegram.getWebhookInfo()).resolves.toMatchObject({ url: 'https://example.invalid/hook' });

    const conflict = await telegramError(bot.telegram.callApi('getUpdates', {}));
    expect(conflict.code).toBe(409);
    expect(conflict.description).toMatch(/^Conflict: can't use getUpdates method while webhook is active/);

    await bot.telegram.deleteWebhook();
    expect(api.webhook).toBeUndefined();
    await expect(bot.telegram.callApi('getUpdates', {})).resolves.toEqual([]);
  });

  it('delivers webhook updates with the secret token', async () => {
    const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
    const hook = await listen((headers, body) => {
      received.push({ headers, body });
      return { status: 200, body: '' };
    });
    try {
      await bot.telegram.setWebhook(hook.url, { secret_token: 's3cret' });
      const update = withId(textUpdate(userFor(5), 'hi'));
      await expect(api.deliverWebhook(update)).resolves.toEqual({ status: 200, body: '' });
      await api.deliverWebhook(textUpdate(userFor(5), 'no id yet'), { secretToken: null });

      expect(received[0]?.headers['x-telegram-bot-api-secret-token']).toBe('s3cret');
      expect(JSON.parse(received[0]?.body ?? '')).toEqual(update);
      expect(received[1]?.headers).not.toHaveProperty('x-telegram-bot-api-secret-token');
      expect(JSON.parse(received[1]?.body ?? '')).toMatchObject({ update_id: expect.any(Number), message: { text: 'no id yet' } });
    } finally {
      hook.server.close();
    }
  });

  it('executes a method returned in the webhook response, as Telegram does', async () => {
    bot.on('callback_query', (ctx) => ctx.answerCbQuery());
    const webhook = bot.webhookCallback('/hook');
    // A failed update drops the connection, so deliverWebhook (and the test) fails with it logged.
    const server = createServer((req, res) => {
      webhook(req, res).catch((err: unknown) => {
        console.error('webhook update failed:', err);
        res.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      await bot.telegram.setWebhook(url);
      const { status } = await api.deliverWebhook(callbackUpdate(userFor(8), 'buy', { messageId: 3, id: 'cb-1' }));
      expect(status).toBe(200);
      expect(api.callsTo('answerCallbackQuery')[0]?.params).toMatchObject({ callback_query_id: 'cb-1' });
    } finally {
      server.close();
    }
  });
});
