/**
 * The catalog as issue 13 has it, end to end against the real app: a model ops paused (the seed
 * pauses Model S and Model X) is browsable and says "暂停接单" where the order button was; a button
 * from before the pause, and the confirmation's "同意并支付", are refused with a clear message and
 * write nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createI18n } from '../../src/i18n.js';
import { cb } from '../../src/telegram/callback-data.js';
import { setModelAvailable } from '../support/catalog.js';
import { chatFactory, toastsIn, type TestChat } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { configureCar, toConfirmStep, type CarChoice } from '../support/orders.js';

type Lng = 'en' | 'zh-CN';
const i18n = createI18n('zh-CN');
const t = (lng: Lng, key: string, vars: Record<string, unknown> = {}): string => String(i18n.t(lng)(key, vars));

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ mode: 'polling' });
});
afterAll(async () => {
  await h?.stop();
});

const newChat = chatFactory(() => h, 131_000);
const MODEL_X: CarChoice = { modelId: 'model-x', picks: ['mx-awd', 'mx-paint-black', 'mx-wheels-20', 'mx-int-black'] };

const ordersOf = async (c: TestChat) =>
  (await h.db.sql<Array<{ n: number }>>`select count(*)::int as n from orders o join customers cu on cu.id = o.customer_id where cu.telegram_id = ${c.id}`)[0]!.n;

describe('a paused model', () => {
  it('is listed and browsable; its card says 暂停接单 instead of the order button', async () => {
    const c = newChat('zh-CN');
    await c.text('/start');
    await c.press(cb.models.pack({}));
    const labels = c.buttonLabels();
    expect(labels).toContain(t('zh-CN', 'catalog.model_button_paused', { name: 'Model S' }));
    expect(labels).toContain('Model X · 暂停接单');
    expect(labels.find((l) => l.startsWith('Model Y ·'))).toMatch(/起$/);
    await c.tap('Model X');
    const card = c.screen()!;
    expect(card.text).toContain('<b>Model X</b>');
    expect(card.text).toContain('暂停接单');
    expect(card.text).toContain('400-910-0707');
    const buttons = card.buttons.flat().map((b) => b.text);
    expect(buttons).not.toContain(t('zh-CN', 'catalog.configure'));
    expect(buttons).toContain(t('zh-CN', 'nav.back'));
  });

  it('in English the card says "Not taking orders"', async () => {
    const c = newChat('en');
    await c.text('/start');
    await c.press(cb.models.pack({}));
    await c.tap('Model S');
    expect(c.screen()!.text).toContain('Not taking orders');
    expect(c.buttonLabels()).not.toContain(t('en', 'catalog.configure'));
  });

  it("a stale 'configure' button of a paused model is refused with the reason, and the card shown as it is now", async () => {
    const c = newChat('zh-CN');
    await c.text('/start');
    await c.press(cb.models.pack({}));
    await c.press(cb.model.pack({ modelId: 'model-x' }));
    const calls = await c.press(cb.configure.pack({ modelId: 'model-x' }));
    expect(toastsIn(calls)).toContain(t('zh-CN', 'catalog.paused', { name: 'Model X' }));
    expect(c.screen()!.text).toContain('暂停接单');
    expect(c.lastText()).not.toContain('第 1/4 步');
  });

  it("paused while on the summary: 'Order' is refused (checked in the database, not the catalog cache)", async () => {
    const c = newChat('en');
    await setModelAvailable(h, 'model-x', true);
    try {
      await configureCar(c, MODEL_X);
      expect(c.buttonLabels().some((l) => l.startsWith('Order'))).toBe(true);
      await setModelAvailable(h, 'model-x', false, { invalidate: false });
      const calls = await c.press(cb.orderStart.pack({}));
      expect(toastsIn(calls)).toContain(t('en', 'catalog.paused', { name: 'Model X' }));
      expect(c.screen()!.text).toContain('Not taking orders');
    } finally {
      await setModelAvailable(h, 'model-x', false);
    }
  });

  it('paused while on the confirmation screen: "agree and pay" is refused and no order is written', async () => {
    const c = newChat('zh-CN');
    await setModelAvailable(h, 'model-x', true);
    try {
      await toConfirmStep(c, MODEL_X, { city: 'shanghai' });
      expect(c.buttonLabels().some((l) => l.includes('同意并支付'))).toBe(true);
      await setModelAvailable(h, 'model-x', false, { invalidate: false });
      const calls = await c.press(cb.orderConfirm.pack({}));
      expect(toastsIn(calls)).toContain(t('zh-CN', 'catalog.paused', { name: 'Model X' }));
      expect(calls.some((x) => x.method === 'sendInvoice')).toBe(false);
      expect(await ordersOf(c)).toBe(0);
      expect(c.screen()!.text).toContain('暂停接单');
      // Reopened: the same customer can order it again from the card.
      await setModelAvailable(h, 'model-x', true);
      await c.press(cb.models.pack({}));
      await c.press(cb.model.pack({ modelId: 'model-x' }));
      expect(c.buttonLabels()).toContain(t('zh-CN', 'catalog.configure'));
    } finally {
      await setModelAvailable(h, 'model-x', false);
    }
  });
});
