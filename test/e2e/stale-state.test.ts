/**
 * A stale conversation state, end to end: the chat's saved step no longer exists (a deploy
 * renamed it) or its data does not fit the step's schema (changed, or corrupted). The state is
 * checked when the update loads it (src/bot/middlewares/index.ts beginUpdate): the customer gets a
 * short note in their language and the main menu, and the row is back on the menu. A command is
 * still answered as usual (from the menu). Same style as bad-input.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cb } from '../../src/telegram/callback-data.js';
import { createI18n } from '../../src/i18n.js';
import type { RecordedCall } from '../support/bot-api-stand-in.js';
import { chatFactory, conversationState, textsIn, type TestChat } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { configureCar } from '../support/orders.js';

type Lng = 'en' | 'zh-CN';
const i18n = createI18n('zh-CN');
/** The text the bot should send, straight from locales/ (same i18next options as the app). */
const t = (lng: Lng, key: string, vars: Record<string, unknown> = {}): string => String(i18n.t(lng)(key, vars));

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const chat = chatFactory(() => h, 73_000);
const newChat = (lng: Lng) => chat(lng === 'en' ? 'en' : 'zh-hans', 'Wei');

// ---- helpers (this file's own; shared ones are in test/support) -----------------------------

const stateOf = (chatId: number) => conversationState(h, chatId);

/** What an older deploy (or a corrupted row) left: the step and data, the live menu message kept. */
async function writeState(chatId: number, step: string, data: unknown) {
  await h.db.sql`update conversation_states set step = ${step}, data = ${JSON.stringify(data)}::text::jsonb where chat_id = ${chatId}`;
}

const MODEL_Y = { modelId: 'model-y', picks: ['my-lr', 'my-paint-red', 'my-wheels-20', 'my-int-white'] } as const;

/** /start → models → Model Y → configure, then the first `steps` choices. */
const configure = (c: TestChat, steps: number) => configureCar(c, MODEL_Y, steps);

function expectMainMenu(c: TestChat, calls: RecordedCall[], lng: Lng) {
  expect(textsIn(calls)).toEqual([t(lng, 'stale.state'), t(lng, 'menu.text', { name: 'Wei' })]);
  expect(c.buttonLabels()).toContain(t(lng, 'menu.browse'));
}

// ---- tests -------------------------------------------------------------------------------------

describe('a stale conversation state', () => {
  for (const lng of ['en', 'zh-CN'] as const) {
    it(`a step that no longer exists: typing there gets the note and the main menu (${lng})`, async () => {
      const c = newChat(lng);
      await c.text('/start');
      await writeState(c.id, 'checkout.legacy', { basket: 3 });

      const calls = await c.text('13800138000');

      expectMainMenu(c, calls, lng);
      const state = await stateOf(c.id);
      expect(state.step).toBe('menu');
      expect(state.data).toEqual({});
    });
  }

  it("data that fails the step's schema: the typed answer is not taken, the main menu is shown (zh-CN)", async () => {
    const c = newChat('zh-CN');
    await configure(c, 4);
    await c.press(cb.orderStart.pack({}));
    await c.text('张伟');
    expect((await stateOf(c.id)).step).toBe('order.phone');
    // The configuration lost its trim and the model id is no longer a string.
    await writeState(c.id, 'order.phone', { cfg: { modelId: 42, paintId: 'my-paint-red' }, contactName: '张伟' });

    const calls = await c.text('13800138000');

    expectMainMenu(c, calls, 'zh-CN');
    expect((await stateOf(c.id)).step).toBe('menu');
    // The phone step did not run: nothing saved, no order.
    const [customer] = await h.db.sql<Array<{ phone: string | null }>>`select phone from customers where telegram_id = ${c.id}`;
    expect(customer!.phone).toBeNull();
    expect(await h.db.sql`select o.id from orders o join customers cu on cu.id = o.customer_id where cu.telegram_id = ${c.id}`).toHaveLength(0);
  });

  it("a button of the stale step's screen gets the note and the main menu (en)", async () => {
    const c = newChat('en');
    await configure(c, 1);
    const paintStep = c.screen()!;
    expect((await stateOf(c.id)).menu_message_id).toBe(paintStep.messageId);
    // As if a deploy renamed the step.
    await writeState(c.id, 'config.colour', { cfg: { modelId: MODEL_Y.modelId, trimId: 'my-lr' } });

    const calls = await c.press(cb.choose.pack({ step: 'paint', optionId: 'my-paint-red' }), paintStep);

    expect(calls.some((x) => x.method === 'answerCallbackQuery')).toBe(true);
    expectMainMenu(c, calls, 'en');
    expect((await stateOf(c.id)).step).toBe('menu');
  });

  it('a command is answered as usual, from the main menu (en)', async () => {
    const c = newChat('en');
    await c.text('/start');
    await writeState(c.id, 'booking.day', { kind: 'delivery' }); // no order to book for

    const calls = await c.text('/orders');

    expect(textsIn(calls)).toEqual([t('en', 'orders.none')]);
    expect((await stateOf(c.id)).step).toBe('orders');
  });
});
