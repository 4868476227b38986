/** The Telegram rules of the Bot API emulator (src/sandbox/emulator/rules.ts), each switched on alone. */
import { afterEach, describe, expect, it } from 'vitest';
import { BotApiStandIn } from '../support/bot-api-stand-in.js';
import { readFileSync } from 'node:fs';
import { visibleLength } from '../../src/sandbox/emulator/rules.js';
import { rootPath } from '../../src/shared/paths.js';

let api: BotApiStandIn | undefined;
afterEach(async () => {
  await api?.stop();
  api = undefined;
});

async function call(method: string, params: Record<string, unknown>) {
  const res = await fetch(`${api!.apiRoot}/bot${api!.token}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
  return { status: res.status, body: (await res.json()) as { ok: boolean; description?: string; parameters?: { retry_after?: number } } };
}

describe('emulator rules', () => {
  it('limits: 4096 characters of text counted after HTML, 1024 of caption, 64 bytes of callback data', async () => {
    api = await new BotApiStandIn({ rules: { limits: true } }).start();
    const bold = `<b>${'x'.repeat(4096)}</b>`;
    expect((await call('sendMessage', { chat_id: 1, text: bold, parse_mode: 'HTML' })).status).toBe(200);
    expect(await call('sendMessage', { chat_id: 1, text: 'x'.repeat(4097) })).toMatchObject({ status: 400, body: { description: 'Bad Request: message is too long' } });
    expect(await call('sendMessage', { chat_id: 1, text: '' })).toMatchObject({ status: 400, body: { description: 'Bad Request: message text is empty' } });
    expect(await call('sendPhoto', { chat_id: 1, photo: 'x', caption: 'y'.repeat(1025) })).toMatchObject({
      status: 400,
      body: { description: 'Bad Request: message caption is too long' },
    });
    const keyboard = (data: string) => ({ inline_keyboard: [[{ text: 'a', callback_data: data }]] });
    expect((await call('sendMessage', { chat_id: 1, text: 'a', reply_markup: keyboard('é'.repeat(32)) })).status).toBe(200);
    expect(await call('sendMessage', { chat_id: 1, text: 'a', reply_markup: keyboard('é'.repeat(33)) })).toMatchObject({
      status: 400,
      body: { description: 'Bad Request: BUTTON_DATA_INVALID' },
    });
    expect(visibleLength('a &lt;b&gt; <i>c</i>', 'HTML')).toBe('a <b> c'.length);
  });

  it('are off unless switched on', async () => {
    api = await new BotApiStandIn().start();
    expect((await call('sendMessage', { chat_id: 1, text: 'x'.repeat(5000) })).status).toBe(200);
    api.rules = { limits: true };
    expect((await call('sendMessage', { chat_id: 1, text: 'x'.repeat(5000) })).status).toBe(400);
  });

  it('chatRate: 1 message a second in a private chat, 20 a minute in a group, then 429 with retry_after', async () => {
    api = await new BotApiStandIn({ rules: { chatRate: true } }).start();
    expect((await call('sendMessage', { chat_id: 5, text: 'a' })).status).toBe(200);
    expect(await call('sendMessage', { chat_id: 5, text: 'b' })).toMatchObject({ status: 429, body: { parameters: { retry_after: 1 } } });
    expect((await call('sendMessage', { chat_id: 6, text: 'other chat' })).status).toBe(200);
    for (let i = 0; i < 20; i += 1) expect((await call('sendMessage', { chat_id: -100, text: `g${i}` })).status).toBe(200);
    const limited = await call('sendMessage', { chat_id: -100, text: 'one too many' });
    expect(limited.status).toBe(429);
    expect(limited.body.parameters?.retry_after).toBeGreaterThan(50);
  });

  it('topics: a deleted topic takes no messages and no changes', async () => {
    api = await new BotApiStandIn({ rules: { topics: true } }).start();
    const topic = await call('createForumTopic', { chat_id: -100, name: 'Alice' });
    const thread = (topic.body as unknown as { result: { message_thread_id: number } }).result.message_thread_id;
    expect((await call('sendMessage', { chat_id: -100, message_thread_id: thread, text: 'hi' })).status).toBe(200);
    expect((await call('deleteForumTopic', { chat_id: -100, message_thread_id: thread })).status).toBe(200);
    expect(await call('sendMessage', { chat_id: -100, message_thread_id: thread, text: 'hi' })).toMatchObject({
      status: 400,
      body: { description: 'Bad Request: message thread not found' },
    });
    expect(await call('closeForumTopic', { chat_id: -100, message_thread_id: thread })).toMatchObject({ status: 400, body: { description: 'Bad Request: TOPIC_ID_INVALID' } });
  });

  it('limits: an uploaded photo must be a picture (IMAGE_PROCESS_FAILED otherwise), also through attach:// in editMessageMedia', async () => {
    api = await new BotApiStandIn({ rules: { limits: true } }).start();
    const upload = async (method: string, file: Buffer, fields: Record<string, string>) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      form.append(method === 'sendPhoto' ? 'photo' : 'pic', new Blob([file]), 'model.png');
      const res = await fetch(`${api!.apiRoot}/bot${api!.token}/${method}`, { method: 'POST', body: form });
      return { status: res.status, body: (await res.json()) as { ok: boolean; description?: string; result?: { message_id: number } } };
    };
    const png = readFileSync(rootPath('data', 'photos', 'models', 'model-3.png'));
    const sent = await upload('sendPhoto', png, { chat_id: '1' });
    expect(sent.status).toBe(200);
    expect(await upload('sendPhoto', Buffer.from('not a picture at all'), { chat_id: '1' })).toMatchObject({
      status: 400,
      body: { description: 'Bad Request: IMAGE_PROCESS_FAILED' },
    });
    const media = (name: string) => JSON.stringify({ type: 'photo', media: `attach://${name}` });
    const messageId = String(sent.body.result!.message_id);
    expect(await upload('editMessageMedia', Buffer.from('<svg/>'), { chat_id: '1', message_id: messageId, media: media('pic') })).toMatchObject({
      status: 400,
      body: { description: 'Bad Request: IMAGE_PROCESS_FAILED' },
    });
    expect((await upload('editMessageMedia', png, { chat_id: '1', message_id: messageId, media: media('pic') })).status).toBe(200);
  });
});
