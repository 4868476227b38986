/**
 * Resilience, end to end (issue 2, "Reliability built in from the start"): a customer who blocked
 * the bot is marked and nothing stalls; my_chat_member marks and unmarks; Bot API failures (500,
 * 429) and a Postgres failure inside a handler are logged, the customer gets the localized apology,
 * and the bot keeps serving this and every other chat.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cb } from '../../src/telegram/callback-data.js';
import { createI18n } from '../../src/i18n.js';
import type { Logger } from '../../src/logger.js';
import type { RecordedCall } from '../support/bot-api-stand-in.js';
import { chatFactory, toastsIn, type TestChat } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { toCityStep } from '../support/orders.js';
import { myChatMemberUpdate, preCheckoutUpdate, userFor } from '../support/updates.js';

type Lng = 'en' | 'zh-CN';
const i18n = createI18n('zh-CN');
const t = (lng: Lng, key: string, vars: Record<string, unknown> = {}): string => String(i18n.t(lng)(key, vars));

/** The app's pino logger, whatever its level type parameters. */
type AnyLogger = Pick<Logger, 'error' | 'warn' | 'info' | 'child'>;

interface LogLine {
  level: 'error' | 'warn' | 'info';
  obj: unknown;
  msg: unknown;
}
const logs: LogLine[] = [];

/**
 * Records what the app logs at info and above (the harness logger is silent): every per-update
 * logger is a child of the app's logger, so `child` is wrapped to record its calls too.
 */
function captureLogs(logger: AnyLogger): void {
  const wrap = (target: AnyLogger) => {
    for (const level of ['error', 'warn', 'info'] as const) {
      const original = target[level].bind<(...args: unknown[]) => void>(target);
      (target as unknown as Record<string, unknown>)[level] = (obj: unknown, msg?: unknown, ...rest: unknown[]) => {
        logs.push({ level, obj, msg });
        original(obj, msg, ...rest);
      };
    }
  };
  const child = logger.child.bind(logger);
  (logger as unknown as { child: unknown }).child = (...args: Parameters<AnyLogger['child']>) => {
    const c = child(...args);
    wrap(c);
    return c;
  };
  wrap(logger);
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  captureLogs(h.app.deps.logger);
});
afterAll(async () => {
  await h?.stop();
});
beforeEach(() => {
  logs.length = 0;
});

const USERS = 73_000;
const newChat = chatFactory(() => h, USERS);

// ---- helpers (this file's own; shared ones are in test/support) -----------------------------

const blockedFlag = async (telegramId: number): Promise<boolean | undefined> =>
  (await h.db.sql<Array<{ blocked: boolean }>>`select blocked from customers where telegram_id = ${telegramId}`)[0]?.blocked;

const sentTexts = (calls: RecordedCall[]) => calls.filter((x) => x.method === 'sendMessage' && x.response.ok).map((x) => String(x.params.text));

/** The Model Y a customer orders here (up to the city question: toCityStep). */
const MODEL_Y = { modelId: 'model-y', picks: ['my-rwd', 'my-paint-white', 'my-wheels-19', 'my-int-black'] };

/** The main menu is what /start shows; proves a chat is served normally. */
async function expectServed(c: TestChat, lng: Lng) {
  await c.text('/start');
  expect(c.buttonLabels()).toContain(t(lng, 'menu.browse'));
}

// ---- blocked customers ------------------------------------------------------------------------

describe('a customer who blocked the bot', () => {
  it('a 403 on the reply marks them blocked; no retry, no crash; other chats are served', async () => {
    const a = newChat('en');
    const b = newChat('zh-CN');
    await a.text('/start');
    expect(await blockedFlag(a.id)).toBe(false);

    h.api.blockChat(a.id);
    const calls = await a.text('hello?');
    const attempts = calls.filter((x) => x.method === 'sendMessage' || x.method.startsWith('edit') || x.method === 'sendPhoto');
    expect(attempts.length).toBeGreaterThanOrEqual(1);
    expect(attempts.every((x) => !x.response.ok && x.response.error_code === 403)).toBe(true);
    expect(attempts.length).toBeLessThanOrEqual(2); // no apology storm into a blocked chat
    expect(await blockedFlag(a.id)).toBe(true);
    expect(logs.filter((l) => l.level === 'error')).toHaveLength(0); // a block is not an error

    // A button press (an edit) while blocked: marked again, nothing breaks.
    await h.db.sql`update customers set blocked = false where telegram_id = ${a.id}`;
    await a.press(cb.help.pack({}));
    expect(await blockedFlag(a.id)).toBe(true);

    await expectServed(b, 'zh-CN');

    // They unblock and write again: reachable again.
    h.api.unblockChat(a.id);
    await expectServed(a, 'en');
    expect(await blockedFlag(a.id)).toBe(false);
  });

  it("my_chat_member 'kicked' marks them blocked and 'member' unmarks them, without messaging them", async () => {
    const a = newChat('en');
    await a.text('/start');
    const before = h.api.messagesTo(a.id).length;

    await h.deliver(myChatMemberUpdate(a.user, 'kicked'));
    expect(await blockedFlag(a.id)).toBe(true);
    await h.deliver(myChatMemberUpdate(a.user, 'member'));
    expect(await blockedFlag(a.id)).toBe(false);
    expect(h.api.messagesTo(a.id).length).toBe(before);

    // Someone the bot never saw: nothing to mark, nothing breaks.
    await h.deliver(myChatMemberUpdate(userFor(USERS + 500, { languageCode: 'en' }), 'kicked'));
    expect(logs.filter((l) => l.level === 'error')).toHaveLength(0);
    await expectServed(a, 'en');
  });
});

// ---- Bot API failures -------------------------------------------------------------------------

describe('Bot API failures', () => {
  it('a 500 on sendMessage is logged with the update, the customer is told it is being tried again, and the next message works', async () => {
    const a = newChat('zh-CN');
    await a.text('/start');
    h.api.failNext('sendMessage', { code: 500, description: 'Internal Server Error' });

    const calls = await a.text('/help');
    const errors = logs.filter((l) => l.level === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(errors[0]!.obj)).toContain('/help'); // the update is in the log line
    // The inbox tries the update again by itself: the customer is not asked to send it again.
    expect(sentTexts(calls)).toContain(t('zh-CN', 'errors.retrying'));

    await a.text('/help');
    expect(a.lastText()).toContain('/start');
    await expectServed(a, 'zh-CN');
  });

  it('a 429 on editMessageText does not crash the bot; the same chat and others keep working', async () => {
    const a = newChat('en');
    const b = newChat('en');
    await a.text('/start');
    h.api.failNext('editMessageText', { code: 429, description: 'Too Many Requests: retry after 1', retryAfter: 1 });

    const calls = await a.press(cb.models.pack({}));
    expect(calls.some((x) => x.method === 'editMessageText' && x.response.error_code === 429)).toBe(true);
    expect(toastsIn(calls)).toHaveLength(1); // the button press is still answered

    await expectServed(b, 'en');
    await a.press(cb.models.pack({}));
    expect(a.screen()!.text).toBe(t('en', 'catalog.choose_model'));
  });

  it('a 429 on editMessageText: after retry_after the customer still gets the screen they asked for', async () => {
    const a = newChat('en');
    await a.text('/start');
    h.api.failNext('editMessageText', { code: 429, description: 'Too Many Requests: retry after 1', retryAfter: 1 });

    const calls = await a.press(cb.models.pack({}));
    // GAP (no 429 handling anywhere in src/, where every sender should pause for retry_after): the press
    // ends in the generic apology and the customer has to press again.
    expect(toastsIn(calls)).not.toContain(t('en', 'errors.generic'));
    expect(a.screen()!.text).toBe(t('en', 'catalog.choose_model'));
  });
});

// ---- Postgres trouble -------------------------------------------------------------------------

describe('Postgres trouble inside a handler', () => {
  it('the customer gets the localized apology; the bot survives and works once the table is back', async () => {
    const a = newChat('en');
    const b = newChat('zh-CN');
    await toCityStep(a, MODEL_Y);
    await a.press(cb.city.pack({ city: 'shanghai' }));
    await b.text('/start');
    const confirmScreen = a.screen()!;

    await h.db.sql`alter table orders rename to orders_x`;
    let calls: RecordedCall[];
    try {
      // A button press: the apology comes as an alert toast.
      calls = await a.press(cb.orderConfirm.pack({}), confirmScreen);
      expect(toastsIn(calls)).toEqual([t('en', 'errors.retrying')]);
      // A command: the apology comes as a message, in the customer's language.
      calls = await b.text('/orders');
      expect(sentTexts(calls)).toEqual([t('zh-CN', 'errors.retrying')]);
      expect(logs.filter((l) => l.level === 'error').length).toBeGreaterThanOrEqual(2);
      // Chats that do not touch orders are unaffected meanwhile.
      await expectServed(newChat('en'), 'en');
    } finally {
      await h.db.sql`alter table orders_x rename to orders`;
    }

    // Nothing was lost: the customer is still at the confirmation and can finish the order.
    const [state] = await h.db.sql`select step, data from conversation_states where chat_id = ${a.id}`;
    expect(state!.step).toBe('order.confirm');
    expect(state!.data).toMatchObject({ contactName: 'Zhang Wei', phone: '+8613800138000', city: 'shanghai' });
    await a.press(cb.orderConfirm.pack({}), confirmScreen);
    const orders = await h.db.sql`
      select o.state from orders o join customers cu on cu.id = o.customer_id where cu.telegram_id = ${a.id}`;
    expect(orders.map((o) => o.state)).toEqual(['awaiting_deposit']);
    expect(h.api.callsTo('sendInvoice').filter((x) => String(x.params.chat_id) === String(a.id))).toHaveLength(1);

    await b.text('/orders');
    expect(b.lastText()).toBe(t('zh-CN', 'orders.none'));
  });

  it('a pre-checkout query that cannot be checked is still answered (refused, in the payer’s language)', async () => {
    const a = newChat('zh-CN');
    await a.text('/start');
    await h.db.sql`alter table orders rename to orders_x`;
    let calls: RecordedCall[];
    try {
      const from = h.api.calls.length;
      await h.deliver(preCheckoutUpdate(a.user, { payload: 'deposit:1', currency: 'CNY', totalAmount: 100_000, id: `pcq-db-${a.id}` }));
      calls = h.api.calls.slice(from);
    } finally {
      await h.db.sql`alter table orders_x rename to orders`;
    }
    const answers = calls.filter((x) => x.method === 'answerPreCheckoutQuery');
    expect(answers).toHaveLength(1); // Telegram waits 10 s for it; it must come
    expect(answers[0]!.params).toMatchObject({ ok: false, error_message: t('zh-CN', 'errors.generic') });
    await expectServed(a, 'zh-CN');
  });
});
