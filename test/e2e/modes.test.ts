/**
 * How the app receives updates, and what survives a restart: webhook mode (secret token,
 * allowed updates, /healthz, /metrics), a restart in the middle of a configuration in polling
 * mode, and one-at-a-time handling of a chat's updates when they arrive concurrently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { webhookPath } from '../../src/server/http.js';
import type { RecordedCall } from '../support/bot-api-stand-in.js';
import { TestChat } from '../support/chat.js';
import { startHarness, TEST_WEBHOOK_SECRET, type Harness } from '../support/harness.js';
import { stickerUpdate, textUpdate, userFor, withId, callbackUpdate } from '../support/updates.js';
import { waitFor } from '../support/wait.js';

const ALLOWED = ['message', 'callback_query', 'pre_checkout_query'];

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

async function storedUpdate(h: Harness, updateId: number): Promise<boolean> {
  const rows = await h.db.sql`select 1 from inbox_updates where update_id = ${updateId}`;
  return rows.length > 0;
}

/** Sends and edits the bot made in one chat, in the order the stand-in answered them. */
const repliesTo = (h: Harness, chatId: number, from = 0): RecordedCall[] =>
  h.api.calls.slice(from).filter((c) => String(c.params.chat_id) === String(chatId) && /^(send|edit)/.test(c.method));

describe('webhook mode', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook' });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('registers the webhook with the secret token and the update types it handles, and never polls', () => {
    const calls = h.api.callsTo('setWebhook');
    expect(calls).toHaveLength(1);
    const params = calls[0]!.params;
    expect(params.secret_token).toBe(TEST_WEBHOOK_SECRET);
    const allowed = (typeof params.allowed_updates === 'string' ? JSON.parse(params.allowed_updates) : params.allowed_updates) as string[];
    expect(allowed).toEqual(expect.arrayContaining(ALLOWED));
    // The path is not the secret itself.
    expect(String(params.url)).not.toContain(TEST_WEBHOOK_SECRET);
    expect(new URL(String(params.url)).pathname).not.toBe('/');
    expect(h.api.callsTo('getUpdates')).toHaveLength(0);
  });

  it('plays the start of the journey through the webhook, which answers as soon as the update is stored', async () => {
    const c = new TestChat(h, 720_001, { languageCode: 'en' });
    await c.text('/start');
    expect(c.lastText()).toContain('Welcome to the Tesla official flagship store');
    await c.tap('Browse models');
    await c.tap('Model 3');
    expect(c.screen()!.photo).toBe(true);
    await c.tap('Configure');
    await c.tap('Long Range AWD');
    expect(c.lastText()).toContain('Vehicle price: <b>¥271,900</b>');
    await c.tap('Stealth Grey');
    expect(c.lastText()).toContain('Vehicle price: <b>¥279,900</b>');
    const [state] = await h.db.sql<Array<{ step: string; data: { cfg?: Record<string, string> } }>>`
      select step, data from conversation_states where chat_id = ${c.id}`;
    expect(state!.step).toBe('config.wheels');
    expect(state!.data.cfg).toMatchObject({ modelId: 'model-3', trimId: 'm3-lr', paintId: 'm3-paint-grey' });

    // The answer carries nothing: the update is handled after it, by the inbox consumer.
    const help = withId(textUpdate(c.user, '/help'));
    const res = await h.api.deliverWebhook(help);
    expect(res.status).toBe(200);
    expect(res.body).toBe('{}');
    expect(await storedUpdate(h, help.update_id)).toBe(true);
    await waitFor('the /help update to be done', async () => (await h.db.sql`select 1 from inbox_updates where update_id = ${help.update_id} and state = 'done'`).length > 0);

    // A button press is answered over the API, once.
    const press = withId(callbackUpdate(c.user, 'zzz-unknown', { messageId: c.screen()!.messageId }));
    await h.deliver(press);
    const answers = h.api.callsTo('answerCallbackQuery').filter((k) => k.params.callback_query_id === press.callback_query.id);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.params.show_alert).toBe(true);
  });

  it.each([
    ['without the secret token header', null],
    ['with a wrong secret token', 'wrong'],
  ])('a POST %s is refused with 401 and nothing is handled', async (_what, secretToken) => {
    const user = userFor(720_002, { languageCode: 'en' });
    const handled = h.app.deps.metrics.updatesHandled;
    const callsBefore = h.api.calls.length;
    const update = { ...textUpdate(user, '/start'), update_id: 900_000_000 + (secretToken ? 1 : 2) };
    const res = await h.api.deliverWebhook(update, { secretToken });
    expect(res.status).toBe(401);
    expect(h.app.deps.metrics.updatesHandled).toBe(handled);
    expect(h.api.calls.slice(callsBefore)).toEqual([]);
    expect(await storedUpdate(h, update.update_id)).toBe(false);
    const [customer] = await h.db.sql`select id from customers where telegram_id = ${user.id}`;
    expect(customer).toBeUndefined();
  });

  it('GET /healthz answers 200 with Postgres and Redis ok', async () => {
    const res = await get(h.app.port!, '/healthz');
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { status: string; checks: Record<string, string> };
    expect(body.status).toBe('ok');
    expect(body.checks).toMatchObject({ postgres: 'ok', redis: 'ok' });
  });

  it('/metrics (admin port only) counts the updates handled, and the webhook rejections', async () => {
    expect((await get(h.app.port!, '/metrics')).status).toBe(404);
    const res = await get(h.app.adminPort!, '/metrics');
    expect(res.status).toBe(200);
    const count = (name: string) => Number(new RegExp(`^${name} (\\d+(?:\\.\\d+)?)$`, 'm').exec(res.body)?.[1]);
    expect(count('updates_total')).toBe(h.app.deps.metrics.updatesHandled);
    expect(count('updates_total')).toBeGreaterThanOrEqual(7);
    expect(count('webhook_rejected_total')).toBe(2);
    expect(count('update_duration_seconds_count')).toBe(count('updates_total'));
  });

  it('updates of one chat arriving concurrently are handled one at a time', async () => {
    const c = new TestChat(h, 720_003, { languageCode: 'en' });
    await c.text('/start');
    // Slow answers from "Telegram" widen every window in which two handlers could overlap.
    h.api.latencyMs = 25;
    const from = h.api.calls.length;
    try {
      await Promise.all(Array.from({ length: 5 }, () => h.deliver(stickerUpdate(c.user))));
    } finally {
      h.api.latencyMs = 0;
    }
    // Each sticker gets a notice and then the menu again: 5 intact pairs, never two notices in a row.
    const replies = repliesTo(h, c.id, from);
    const kinds = replies.map((r) => (r.params.reply_markup && JSON.stringify(r.params.reply_markup).includes('inline_keyboard') ? 'menu' : 'notice'));
    expect(kinds).toEqual(Array.from({ length: 5 }, () => ['notice', 'menu']).flat());
    // Every call waited for the answer to the one before (25 ms): no two handlers talked at once.
    const gaps = replies.slice(1).map((r, i) => r.at - replies[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(20);
    // The state names the last menu sent as the live one (a late save from an overlapping handler would not).
    const lastMenu = replies.at(-1)!.response.result as { message_id: number };
    const [state] = await h.db.sql<Array<{ step: string; menu_message_id: number }>>`
      select step, menu_message_id from conversation_states where chat_id = ${c.id}`;
    expect(state).toMatchObject({ step: 'menu', menu_message_id: lastMenu.message_id });
  });

  it('…also when they arrive at two bot processes sharing the database and Redis', async () => {
    const firstUrl = h.api.webhook!.url;
    const second = await startApp(h.config, { logger: createLogger('silent') });
    // The second process registered the webhook again (at the configured public URL); the stand-in
    // keeps posting to the first, and the test posts to each process directly.
    h.api.webhook!.url = firstUrl;
    try {
      const c = new TestChat(h, 720_005, { languageCode: 'en' });
      await c.text('/start');
      const path = webhookPath(h.config.webhook!.secret);
      const post = (port: number) =>
        fetch(`http://127.0.0.1:${port}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': h.config.webhook!.secret },
          body: JSON.stringify(withId(stickerUpdate(c.user))),
        }).then((r) => expect(r.status).toBe(200));
      h.api.latencyMs = 25;
      const from = h.api.calls.length;
      let replies: RecordedCall[];
      try {
        await Promise.all([0, 1, 2, 3, 4, 5].map((i) => post(i % 2 ? second.port! : h.app.port!)));
        // Both processes consume the one inbox; the chat's updates still go one at a time.
        replies = await waitFor('12 replies', () => repliesTo(h, c.id, from).length >= 12 && repliesTo(h, c.id, from));
      } finally {
        h.api.latencyMs = 0;
      }
      expect(replies).toHaveLength(12);
      const kinds = replies.map((r) => (r.params.reply_markup && JSON.stringify(r.params.reply_markup).includes('inline_keyboard') ? 'menu' : 'notice'));
      expect(kinds).toEqual(Array.from({ length: 6 }, () => ['notice', 'menu']).flat());
      const gaps = replies.slice(1).map((r, i) => r.at - replies[i]!.at);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(20);
    } finally {
      await second.stop();
      h.api.webhook!.url = firstUrl;
    }
  });

  it('a repeated update_id is handled once', async () => {
    const c = new TestChat(h, 720_004, { languageCode: 'zh-hans' });
    const update = { ...textUpdate(c.user, '/start'), update_id: 910_000_001 };
    const from = h.api.calls.length;
    await h.deliver(update);
    // The first /start gets the menu (and, on first contact, the news-consent question before it).
    const once = repliesTo(h, c.id, from).length;
    expect(once).toBeGreaterThan(0);
    await h.deliver(update);
    expect(repliesTo(h, c.id, from)).toHaveLength(once);
  });
});

describe('polling mode: restart in the middle of a configuration', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'polling' });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('keeps the configuration: the next button on the same message works after the restart', async () => {
    const c = new TestChat(h, 720_101, { languageCode: 'en' });
    await c.text('/start');
    await c.tap('Browse models');
    await c.tap('Model 3');
    await c.tap('Configure');
    await c.tap('Performance AWD');
    await c.tap('Ultra Red');
    const screen = c.screen()!;
    expect(screen.text).toContain('Step 3 of 4: choose wheels');
    expect(screen.text).toContain('Vehicle price: <b>¥347,900</b>');
    const oldApp = h.app;

    await h.restart();
    expect(h.app).not.toBe(oldApp);
    expect(h.api.callsTo('getMe').length).toBeGreaterThanOrEqual(2);

    // The wheels button of the message shown before the restart.
    const calls = await c.tap('20" Warp wheels', { on: screen });
    expect(calls.some((call) => call.method === 'answerCallbackQuery')).toBe(true);
    expect(c.lastText()).toContain('Step 4 of 4: choose an interior');
    expect(c.lastText()).toContain('• Performance AWD');
    expect(c.lastText()).toContain('• Ultra Red');
    expect(c.lastText()).toContain('Vehicle price: <b>¥347,900</b>');
    // Edited in place: still the same message.
    expect(c.screen()!.messageId).toBe(screen.messageId);

    await c.tap('Black and white premium interior');
    expect(c.lastText()).toContain('Vehicle price: <b>¥355,900</b>');
    expect(c.lastText()).toContain('A deposit of <b>¥1,000</b> places the order');
    // Nothing was lost or apologized for.
    expect(h.api.calls.filter((call) => /something went wrong/.test(String(call.params.text ?? '')))).toEqual([]);
  });

  it('an order can be placed and paid after a second restart', async () => {
    const c = new TestChat(h, 720_101, { languageCode: 'en' });
    await c.tap('Order');
    await c.text('Wang Fang');
    await h.restart();
    await c.text('13912345678');
    await c.tap('Chengdu');
    await c.tap(/^Agree and pay/);
    const paid = await c.pay();
    expect(paid.approved).toBe(true);
    const [order] = await h.db.sql<Array<{ state: string; contact_name: string; city: string }>>`
      select o.state, o.contact_name, o.city from orders o join customers c on c.id = o.customer_id where c.telegram_id = ${c.id}`;
    expect(order).toEqual({ state: 'deposit_paid', contact_name: 'Wang Fang', city: 'chengdu' });
  });
});
