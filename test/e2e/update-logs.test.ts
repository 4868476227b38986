/**
 * What the log keeps of a customer's updates: one line per update with its id, type and chat,
 * never the update itself. A customer types a phone number and a delivery address; each time the
 * reply fails (Telegram refuses the chat), so the error paths log too. Neither the phone number
 * nor the address, nor the customer's name, appears anywhere in the output, at debug level.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { cb } from '../../src/telegram/callback-data.js';
import { TestChat } from '../support/chat.js';
import { startHarness, TEST_TOKEN, type Harness } from '../support/harness.js';
import { configureCar, latestOrder, makeReady } from '../support/orders.js';
import { textUpdate } from '../support/updates.js';

const MODEL_Y = { modelId: 'model-y', picks: ['my-lr', 'my-paint-red', 'my-wheels-20', 'my-int-white'] } as const;
const NAME = 'Zhuge Kongming';
const PHONE = '13912345678';
const ADDRESS = '88 Wolong Gang Road, Nanyang';
const REFUSED = { code: 400, description: 'Bad Request: chat is unavailable for a while' };

interface LogLine {
  level: number;
  msg: string;
  updateId?: number;
  type?: string;
  chatId?: number;
  [k: string]: unknown;
}

describe('logs: one line per update, never its content', () => {
  let h: Harness;
  const written: string[] = [];
  const lines = (): LogLine[] =>
    written
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogLine);

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        written.push(chunk.toString('utf8'));
        done();
      },
    });
    h = await startHarness({ logger: createLogger('debug', [TEST_TOKEN], sink) });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('a customer types a phone number and an address; replies fail; the log has ids, types and chats, and none of what they typed', async () => {
    const c = new TestChat(h, 740_001, { languageCode: 'en', firstName: NAME });
    await configureCar(c, MODEL_Y);
    await c.press(cb.orderStart.pack({}));
    await c.text(NAME);

    // The phone number, while Telegram refuses every call to this chat: the update fails and is logged.
    h.api.failChat(c.id, REFUSED);
    const phoneUpdate = await h.deliver(textUpdate(c.user, PHONE));
    h.api.failChat(c.id, null);
    await c.text(PHONE);
    await c.press(cb.city.pack({ city: 'shanghai' }));
    await c.press(cb.orderConfirm.pack({}));
    const order = await latestOrder(c);
    expect(order.phone).toContain('13912345678');
    expect((await c.pay()).approved).toBe(true);
    await makeReady(c, order.id);
    await c.press(cb.bookDelivery.pack({ orderId: order.id }));
    await c.press(cb.deliveryMethod.pack({ method: 'home' }));

    // The address, refused the same way, then again with Telegram answering.
    h.api.failChat(c.id, REFUSED);
    await c.text(ADDRESS);
    h.api.failChat(c.id, null);
    await c.text(ADDRESS);
    const [state] = await h.db.sql<Array<{ data: { address?: string } }>>`select data from conversation_states where chat_id = ${c.id}`;
    expect(state!.data.address).toBe(ADDRESS);

    const all = lines();
    const output = written.join('');
    // The failures were logged (so the error paths ran), with the Bot API method but not what was sent.
    const failures = all.filter((l) => l.msg === 'update failed' && l.chatId === c.id);
    expect(failures.length).toBeGreaterThanOrEqual(2);
    for (const f of failures) {
      expect(f).toMatchObject({ type: 'message', err: { type: 'TelegramError', on: { method: expect.stringMatching(/^(send|edit)/) } } });
      expect(f).not.toHaveProperty('update');
    }
    // One line per update of this chat: id, type, chat and time; no update body.
    const perUpdate = all.filter((l) => l.msg === 'update' && l.chatId === c.id);
    expect(perUpdate.length).toBeGreaterThanOrEqual(15);
    expect(new Set(perUpdate.map((l) => l.updateId)).size).toBe(perUpdate.length);
    for (const l of perUpdate) {
      expect(Object.keys(l).sort()).toEqual(expect.arrayContaining(['chatId', 'ms', 'type', 'updateId']));
      expect(['message', 'callback_query', 'pre_checkout_query']).toContain(l.type);
      expect(l).not.toHaveProperty('message');
      expect(l).not.toHaveProperty('callback_query');
    }
    expect(perUpdate.some((l) => l.updateId === phoneUpdate.update_id)).toBe(true);
    // What the customer typed or is called: nowhere, in any form.
    for (const secret of [PHONE, '139 1234 5678', '139-1234-5678', '+8613912345678', ADDRESS, 'Wolong', NAME, 'Zhuge', 'Kongming']) {
      expect(output).not.toContain(secret);
    }
  });
});
