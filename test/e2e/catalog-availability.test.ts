/**
 * The catalog as issue 13 has it, end to end against the real app: a model ops paused (the seed
 * pauses Model S and Model X) is browsable and says "暂停接单" where the order button was; a button
 * from before the pause, and the confirmation's "同意并支付", are refused with a clear message and
 * write nothing. Model Y L (six seats) is in the catalog. Model cards and store cards show a picture
 * from data/photos/: uploaded the first time, then sent by the file_id Telegram gave back.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUploadedFile, type UploadedFile } from '../../src/sandbox/emulator/http.js';
import { rootPath } from '../../src/shared/paths.js';
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

describe('Model Y L', () => {
  it('is listed after Model Y with its starting price; its card and configurator show six seats, one version and the price', async () => {
    const c = newChat('zh-CN');
    await c.text('/start');
    await c.press(cb.models.pack({}));
    const labels = c.buttonLabels();
    expect(labels.indexOf('Model Y L · ¥339,000 起')).toBe(labels.findIndex((l) => l.startsWith('Model Y ·')) + 1);
    await c.press(cb.model.pack({ modelId: 'model-y-l' }));
    expect(c.screen()!.text).toContain('六座');
    expect(c.screen()!.text).toContain('共 1 个版本');
    expect(c.screen()!.text).toContain('751 公里');
    await c.press(cb.configure.pack({ modelId: 'model-y-l' }));
    expect(c.buttonLabels()).toContain('长续航全轮驱动版（六座） · ¥339,000');
  });

  it('in English the card counts "1 version" (a plural form, not "1 versions")', async () => {
    const c = newChat('en');
    await c.text('/start');
    await c.press(cb.models.pack({}));
    await c.press(cb.model.pack({ modelId: 'model-y-l' }));
    expect(c.screen()!.text).toContain('From <b>¥339,000</b> · 1 version\n');
    await c.press(cb.back.pack({ to: 'models' }));
    await c.press(cb.model.pack({ modelId: 'model-3' }));
    expect(c.screen()!.text).toContain('· 3 versions\n');
  });
});

describe('pictures', () => {
  const sentPhotos = (c: TestChat) => h.api.callsTo('sendPhoto').filter((x) => String(x.params.chat_id) === String(c.id) && x.response.ok);
  const largest = (call: { response: { result?: unknown } }) => (call.response.result as { photo: Array<{ file_id: string }> }).photo.at(-1)!.file_id;

  it("a model card's picture is data/photos/models/<model>.png, uploaded once; later cards send Telegram's file_id", async () => {
    const uploadsOf = (name: string) => h.api.callsTo('sendPhoto').filter((x) => x.response.ok && isUploadedFile(x.params.photo) && x.params.photo.filename === name);
    for (const c of [newChat('en'), newChat('zh-CN')]) {
      await c.text('/start');
      await c.press(cb.models.pack({}));
      await c.press(cb.model.pack({ modelId: 'model-y' }));
      expect(c.screen()!.photo).toBe(true);
    }
    const uploads = uploadsOf('model-y.png');
    expect(uploads).toHaveLength(1);
    const file = uploads[0]!.params.photo as UploadedFile;
    expect(file.bytes.equals(readFileSync(rootPath('data', 'photos', 'models', 'model-y.png')))).toBe(true);
    // Every other send of the Model Y card names the file_id the upload got back.
    const byId = h.api.callsTo('sendPhoto').filter((x) => x.params.photo === largest(uploads[0]!));
    expect(byId.length).toBeGreaterThanOrEqual(1);
  });

  it('a store product card shows its picture (data/photos/store/<product>.png)', async () => {
    const c = newChat('zh-CN');
    await c.text('/start p-wall-connector');
    const [card] = sentPhotos(c);
    expect(card).toBeDefined();
    const photo = card!.params.photo;
    // Uploaded here, or by the file_id of an earlier upload of the same picture.
    const uploaded = isUploadedFile(photo) ? photo : (h.api.callsTo('sendPhoto').find((x) => x.response.ok && largest(x) === photo)?.params.photo as UploadedFile);
    expect(uploaded.filename).toBe('wall-connector.png');
    expect(c.screen()!.photo).toBe(true);
  });
});
