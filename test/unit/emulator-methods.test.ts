/** Bot API methods of the emulator (src/sandbox/emulator/bot-api-model.ts, messages.ts) as a bot calls them. */
import { Input, Telegraf } from 'telegraf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BotApiStandIn } from '../support/bot-api-stand-in.js';
import { textUpdate, userFor } from '../support/updates.js';

interface Answer {
  ok: boolean;
  result?: unknown;
  description?: string;
  error_code?: number;
}

let api: BotApiStandIn;

beforeEach(async () => {
  api = await new BotApiStandIn().start();
});

afterEach(async () => {
  await api.stop();
});

async function call(method: string, params: Record<string, unknown> = {}, token = api.token): Promise<{ status: number; body: Answer }> {
  const res = await fetch(`${api.apiRoot}/bot${token}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
  return { status: res.status, body: (await res.json()) as Answer };
}

/** The result of a call that must succeed. */
async function result<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
  const { status, body } = await call(method, params);
  expect({ method, status, ok: body.ok, description: body.description }).toEqual({ method, status: 200, ok: true, description: undefined });
  return body.result as T;
}

const keyboard = (data: string) => ({ inline_keyboard: [[{ text: data, callback_data: data }]] });

describe('emulator: media and captions', () => {
  it('sends each kind of media with Telegram-shaped file objects and captions', async () => {
    const photo = await result('sendPhoto', {
      chat_id: 1,
      photo: 'https://example.com/a.jpg',
      caption: 'A car',
      caption_entities: [{ type: 'bold', offset: 0, length: 1 }],
      has_spoiler: true,
    });
    expect(photo).toMatchObject({ message_id: 1, caption: 'A car', has_spoiler: true, caption_entities: [{ type: 'bold' }] });
    const sizes = photo.photo as Array<{ file_id: string; width: number }>;
    expect(sizes.map((size) => size.width)).toEqual([90, 320, 1280]);
    expect(sizes[2]?.file_id).toMatch(/StandIn/);

    const echoed = await result('sendDocument', { chat_id: 1, document: 'BQACAgIAAxkBAAIexisting', caption: 'Invoice' });
    expect(echoed).toMatchObject({ caption: 'Invoice', document: { file_id: 'BQACAgIAAxkBAAIexisting' } });

    expect(await result('sendVideo', { chat_id: 1, video: 'v', caption: 'clip' })).toMatchObject({ video: { file_id: 'v', width: 1280, height: 720 }, caption: 'clip' });
    const animation = await result('sendAnimation', { chat_id: 1, animation: 'attach://file' });
    expect(animation.animation).toEqual(animation.document);
    expect((animation.animation as { file_id: string }).file_id).not.toBe('attach://file');
    expect(await result('sendAudio', { chat_id: 1, audio: 'a' })).toMatchObject({ audio: { file_id: 'a', duration: 30 } });
    expect(await result('sendVoice', { chat_id: 1, voice: 'o' })).toMatchObject({ voice: { file_id: 'o', duration: 5 } });
    expect(await result('sendSticker', { chat_id: 1, sticker: 's' })).toMatchObject({ sticker: { file_id: 's', type: 'regular', width: 512 } });
    expect(await result('sendLocation', { chat_id: 1, latitude: 59.3, longitude: 18.1 })).toMatchObject({ location: { latitude: 59.3, longitude: 18.1 } });
    expect(await result('sendContact', { chat_id: 1, phone_number: '+4670', first_name: 'Ann' })).toMatchObject({ contact: { phone_number: '+4670', first_name: 'Ann' } });
    const invoice = await result('sendInvoice', {
      chat_id: 1,
      title: 'Service',
      description: 'Tyres',
      currency: 'SEK',
      prices: [
        { label: 'a', amount: 1000 },
        { label: 'b', amount: 250 },
      ],
    });
    expect(invoice.invoice).toEqual({ title: 'Service', description: 'Tyres', start_parameter: '', currency: 'SEK', total_amount: 1250 });
    expect(api.messagesTo(1)).toHaveLength(10);
  });

  it('describes an uploaded document by its file name, size and type', async () => {
    const bot = new Telegraf(api.token, { telegram: { apiRoot: api.apiRoot } });
    const sent = await bot.telegram.sendDocument(2, Input.fromBuffer(Buffer.from('hello pdf'), 'report.pdf'), { caption: 'Report' });
    expect(sent).toMatchObject({ caption: 'Report', document: { file_name: 'report.pdf', file_size: 9 } });
    expect(sent.document.file_id).toMatch(/^BQACAgIAAxkBAAIStandIn\d+$/);
    const photo = await bot.telegram.sendPhoto(2, Input.fromBuffer(Buffer.alloc(2048), 'car.jpg'));
    expect(photo.photo.at(-1)?.file_size).toBe(2048);
  });

  it('sends a media group as one message per item sharing a media_group_id', async () => {
    const items = await result<Array<Record<string, unknown>>>('sendMediaGroup', {
      chat_id: 3,
      media: [{ type: 'photo', media: 'p1', caption: 'first' }, { type: 'document', media: 'd1' }, 'not an item'],
    });
    expect(items.map((item) => item.message_id)).toEqual([1, 2]);
    expect(items[0]).toMatchObject({ caption: 'first', photo: expect.any(Array) as unknown });
    expect(items[1]).toMatchObject({ document: { file_id: 'd1' } });
    expect(items[1]).not.toHaveProperty('caption');
    expect(items[0]?.media_group_id).toBe(items[1]?.media_group_id);
    expect(await result('sendMediaGroup', { chat_id: 3 })).toEqual([]);
  });
});

describe('emulator: edits', () => {
  it('edits a caption, tells an unchanged one apart, and removes it when left out', async () => {
    const sent = await result<{ message_id: number }>('sendPhoto', { chat_id: 4, photo: 'p', caption: 'old', reply_markup: keyboard('a') });
    const edited = await result('editMessageCaption', { chat_id: 4, message_id: sent.message_id, caption: 'new', reply_markup: keyboard('a') });
    expect(edited).toMatchObject({ caption: 'new', reply_markup: keyboard('a'), edit_date: expect.any(Number) as unknown });
    expect(api.message(4, sent.message_id)?.caption).toBe('new');

    const same = await call('editMessageCaption', { chat_id: 4, message_id: sent.message_id, caption: 'new', reply_markup: keyboard('a') });
    expect(same.status).toBe(400);
    expect(same.body.description).toMatch(/^Bad Request: message is not modified/);

    const cleared = await result('editMessageCaption', { chat_id: 4, message_id: sent.message_id });
    expect(cleared).not.toHaveProperty('caption');
    expect(cleared).not.toHaveProperty('reply_markup');
  });

  it('edits only the inline keyboard; a reply keyboard is not part of the message', async () => {
    const sent = await result<{ message_id: number }>('sendMessage', { chat_id: 5, text: 'menu', reply_markup: { keyboard: [[{ text: 'x' }]] } });
    expect(api.message(5, sent.message_id)).not.toHaveProperty('reply_markup');
    expect(await result('editMessageReplyMarkup', { chat_id: 5, message_id: sent.message_id, reply_markup: keyboard('b') })).toMatchObject({
      text: 'menu',
      reply_markup: keyboard('b'),
    });
    const again = await call('editMessageReplyMarkup', { chat_id: 5, message_id: sent.message_id, reply_markup: keyboard('b') });
    expect(again.status).toBe(400);
  });

  it('answers true for inline messages and errors for unknown or text-less messages', async () => {
    expect(await result('editMessageText', { inline_message_id: 'abc', text: 'x' })).toBe(true);
    const missing = await call('editMessageCaption', { chat_id: 6, message_id: 99, caption: 'x' });
    expect(missing).toMatchObject({ status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: message to edit not found' } });
    const photo = await result<{ message_id: number }>('sendPhoto', { chat_id: 6, photo: 'p' });
    const noText = await call('editMessageText', { chat_id: 6, message_id: photo.message_id, text: 'x' });
    expect(noText.body.description).toBe('Bad Request: there is no text in the message to edit');
  });

  it('swaps media and its caption on editMessageMedia, always counting it as a change', async () => {
    const sent = await result<{ message_id: number }>('sendPhoto', { chat_id: 7, photo: 'p', caption: 'photo' });
    const media = { type: 'video', media: 'v', caption: 'now a video', caption_entities: [{ type: 'italic', offset: 0, length: 3 }] };
    const edited = await result('editMessageMedia', { chat_id: 7, message_id: sent.message_id, media });
    expect(edited).toMatchObject({ video: { file_id: 'v' }, caption: 'now a video', caption_entities: [{ type: 'italic' }] });
    expect(edited).not.toHaveProperty('photo');
    expect(await result('editMessageMedia', { chat_id: 7, message_id: sent.message_id, media })).toMatchObject({ video: { file_id: 'v' } });
    const bare = await result('editMessageMedia', { chat_id: 7, message_id: sent.message_id });
    expect(bare).toMatchObject({ document: expect.any(Object) as unknown });
    expect(bare).not.toHaveProperty('caption');
  });
});

describe('emulator: copies, forwards and deletes', () => {
  it('copies content with a new caption and keyboard, answering only the new id', async () => {
    const source = await result<{ message_id: number }>('sendPhoto', { chat_id: 8, photo: 'p', caption: 'orig', reply_markup: keyboard('s') });
    const copy = await result('copyMessage', { chat_id: 9, from_chat_id: 8, message_id: source.message_id, caption: 'copied', caption_entities: [], reply_markup: keyboard('c') });
    expect(copy).toEqual({ message_id: 1 });
    expect(api.message(9, 1)).toMatchObject({ caption: 'copied', caption_entities: [], reply_markup: keyboard('c'), chat: { id: 9 }, photo: expect.any(Array) as unknown });
    expect(api.message(9, 1)).not.toHaveProperty('forward_origin');
    // A copy of a known message can be edited and compared like the bot's own.
    expect((await call('editMessageCaption', { chat_id: 9, message_id: 1, caption: 'copied', caption_entities: [], reply_markup: keyboard('c') })).status).toBe(400);
  });

  it('forwards with the origin of the sender, a user or a channel', async () => {
    const user = userFor(300);
    api.pushUpdate(textUpdate(user, 'hello bot'));
    const userMessage = (await result<Array<{ message: { message_id: number } }>>('getUpdates'))[0]!.message;
    const fromUser = await result('forwardMessage', { chat_id: 10, from_chat_id: 300, message_id: userMessage.message_id });
    expect(fromUser).toMatchObject({ chat: { id: 10 }, text: 'hello bot', forward_origin: { type: 'user', sender_user: { id: 300 } } });

    api.knowChat({ id: -1001, type: 'channel', title: 'News' });
    api.pushUpdate({ channel_post: { message_id: 5, date: 1, chat: { id: -1001, type: 'channel', title: 'News' }, text: 'post' } });
    const fromChannel = await result('forwardMessage', { chat_id: 10, from_chat_id: -1001, message_id: 5 });
    expect(fromChannel).toMatchObject({ text: 'post', forward_origin: { type: 'chat', sender_chat: { id: -1001, title: 'News' } } });

    // An unknown source is forwarded as an empty message without an origin.
    const unknown = await result('forwardMessage', { chat_id: 10, from_chat_id: 1, message_id: 77 });
    expect(unknown).not.toHaveProperty('forward_origin');
    expect(unknown).not.toHaveProperty('text');
  });

  it('deletes a message so that later edits find nothing, and keeps numbering after it', async () => {
    const sent = await result<{ message_id: number }>('sendMessage', { chat_id: 11, text: 'bye' });
    expect(await result('deleteMessage', { chat_id: 11, message_id: sent.message_id })).toBe(true);
    expect(api.message(11, sent.message_id)).toBeUndefined();
    expect((await call('editMessageText', { chat_id: 11, message_id: sent.message_id, text: 'x' })).body.description).toBe('Bad Request: message to edit not found');
    expect(await result('sendMessage', { chat_id: 11, text: 'next' })).toMatchObject({ message_id: sent.message_id + 1 });
  });

  it('replies to a known message by reply_parameters or reply_to_message_id', async () => {
    const first = await result<{ message_id: number }>('sendMessage', { chat_id: 12, text: 'q' });
    expect(await result('sendMessage', { chat_id: 12, text: 'a', reply_parameters: { message_id: first.message_id } })).toMatchObject({ reply_to_message: { text: 'q' } });
    expect(await result('sendMessage', { chat_id: 12, text: 'b', reply_to_message_id: first.message_id })).toMatchObject({ reply_to_message: { text: 'q' } });
    expect(await result('sendMessage', { chat_id: 12, text: 'c', reply_to_message_id: 999 })).not.toHaveProperty('reply_to_message');
  });
});

describe('emulator: chats, topics, commands and webhook', () => {
  it('creates forum topics whose thread id is a message id, and acknowledges topic changes', async () => {
    await result('sendMessage', { chat_id: -100200, text: 'before' });
    const topic = await result('createForumTopic', { chat_id: -100200, name: 'Support', icon_custom_emoji_id: '123' });
    expect(topic).toEqual({ message_thread_id: 2, name: 'Support', icon_color: 7322096, icon_custom_emoji_id: '123' });
    expect(await result('createForumTopic', { chat_id: -100200, name: 'Sales', icon_color: 16766590 })).toEqual({ message_thread_id: 3, name: 'Sales', icon_color: 16766590 });
    for (const method of ['editForumTopic', 'closeForumTopic', 'reopenForumTopic', 'deleteForumTopic']) {
      expect(await result(method, { chat_id: -100200, message_thread_id: 2, name: 'x' })).toBe(true);
    }
    expect(await result('sendMessage', { chat_id: -100200, message_thread_id: 3, text: 'in topic' })).toMatchObject({
      message_id: 4,
      message_thread_id: 3,
      is_topic_message: true,
    });
  });

  it('describes chats: learnt ones as seen, others made up from the id', async () => {
    expect(await result('getChat', { chat_id: 55 })).toMatchObject({ id: 55, type: 'private', first_name: 'User55', max_reaction_count: 11 });
    expect(await result('getChat', { chat_id: -100300 })).toMatchObject({ id: -100300, type: 'supergroup', title: 'Group -100300' });
    expect(await result('getChat', { chat_id: '@teslanews' })).toMatchObject({ type: 'channel', title: '@teslanews', username: 'teslanews' });
    api.knowChat({ id: -100400, type: 'supergroup', title: 'Forum', is_forum: true });
    expect(await result('getChat', { chat_id: -100400 })).toMatchObject({ title: 'Forum', is_forum: true });
    expect(await result('sendMessage', { chat_id: -100400, text: 'x' })).toMatchObject({ chat: { title: 'Forum', is_forum: true } });
  });

  it('answers getChatMember for the bot as admin of groups, and for users it has seen', async () => {
    const me = await result<{ id: number }>('getMe');
    expect(await result('getChatMember', { chat_id: -100500, user_id: me.id })).toMatchObject({ status: 'administrator', can_manage_topics: true, user: { id: me.id } });
    expect(await result('getChatMember', { chat_id: 1, user_id: String(me.id) })).toMatchObject({ status: 'member', user: { id: me.id, is_bot: true } });
    api.pushUpdate(textUpdate(userFor(321), 'hi'));
    expect(await result('getChatMember', { chat_id: -100500, user_id: 321 })).toMatchObject({ status: 'member', user: { id: 321, first_name: userFor(321).first_name } });
    expect(await result('getChatMember', { chat_id: -100500, user_id: 999 })).toMatchObject({ user: { id: 999, first_name: 'User999', is_bot: false } });
    expect(await result('getChatMember', { chat_id: -100500 })).toMatchObject({ user: { id: 0 } });
  });

  it('keeps command menus per scope and language', async () => {
    const en = [{ command: 'start', description: 'Start' }];
    const sv = [{ command: 'start', description: 'Börja' }];
    const admins = [{ command: 'stats', description: 'Stats' }];
    await result('setMyCommands', { commands: en });
    await result('setMyCommands', { commands: sv, language_code: 'sv' });
    await result('setMyCommands', { commands: admins, scope: { type: 'all_chat_administrators' } });
    expect(await result('getMyCommands')).toEqual(en);
    expect(await result('getMyCommands', { scope: { type: 'default' } })).toEqual(en);
    expect(await result('getMyCommands', { language_code: 'sv' })).toEqual(sv);
    expect(await result('getMyCommands', { scope: { type: 'all_chat_administrators' } })).toEqual(admins);
    expect(await result('getMyCommands', { scope: { type: 'all_private_chats' } })).toEqual([]);
    expect(await result('deleteMyCommands', { language_code: 'sv' })).toBe(true);
    expect(await result('getMyCommands', { language_code: 'sv' })).toEqual([]);
    expect(await result('getMyCommands')).toEqual(en);
    await result('setMyCommands', {});
    expect(await result('getMyCommands')).toEqual([]);
  });

  it('keeps menu buttons per chat and acknowledges the rest', async () => {
    expect(await result('getChatMenuButton', { chat_id: 1 })).toEqual({ type: 'default' });
    await result('setChatMenuButton', { chat_id: 1, menu_button: { type: 'commands' } });
    expect(await result('getChatMenuButton', { chat_id: 1 })).toEqual({ type: 'commands' });
    expect(await result('getChatMenuButton', { chat_id: 2 })).toEqual({ type: 'default' });
    for (const method of ['answerCallbackQuery', 'sendChatAction', 'answerPreCheckoutQuery', 'setMyName', 'setMyDescription'])
      expect(await result(method, { callback_query_id: '1' })).toBe(true);
  });

  it('describes files and serves their content', async () => {
    const file = await result<{ file_path: string }>('getFile', { file_id: 'doc 1' });
    expect(file).toMatchObject({ file_id: 'doc 1', file_size: 142_904, file_path: 'documents/doc%201.dat' });
    const res = await fetch(`${api.apiRoot}/file/bot${api.token}/${file.file_path}`);
    expect(await res.text()).toBe(`stand-in file ${file.file_path}`);
  });

  it('serves the bytes of a file a user sent (putFile), its size from getFile, each download recorded', async () => {
    const csv = 'variant,qty\nmc,10\n';
    const doc = api.putFile(csv, '到货.csv', 'text/csv');
    expect(doc).toMatchObject({ file_name: '到货.csv', mime_type: 'text/csv', file_size: Buffer.byteLength(csv) });
    const file = await result<{ file_path: string; file_size: number }>('getFile', { file_id: doc.file_id });
    expect(file).toMatchObject({ file_id: doc.file_id, file_unique_id: doc.file_unique_id, file_size: Buffer.byteLength(csv) });
    expect(file.file_path).toMatch(/^documents\/file_\d+\.csv$/);
    const res = await fetch(`${api.apiRoot}/file/bot${api.token}/${file.file_path}`);
    expect(res.headers.get('content-type')).toBe('text/csv');
    expect(await res.text()).toBe(csv);
    expect(api.callsTo('downloadFile').map((c) => c.params)).toEqual([{ file_path: file.file_path }]);
    // telegraf's own link to it is the same URL.
    const bot = new Telegraf(api.token, { telegram: { apiRoot: api.apiRoot } });
    expect(String(await bot.telegram.getFileLink(doc.file_id))).toBe(`${api.apiRoot}/file/bot${api.token}/${file.file_path}`);
  });

  it('sets, reports and deletes the webhook, blocking getUpdates meanwhile', async () => {
    api.pushUpdate(textUpdate(userFor(1), 'one'));
    expect(await result('getWebhookInfo')).toEqual({ url: '', has_custom_certificate: false, pending_update_count: 1 });
    await result('setWebhook', { url: 'https://bot.example.com/hook', secret_token: 's3cret', max_connections: 5, allowed_updates: ['message'] });
    expect(api.webhook).toMatchObject({ url: 'https://bot.example.com/hook', secret_token: 's3cret' });
    expect(await result('getWebhookInfo')).toEqual({
      url: 'https://bot.example.com/hook',
      has_custom_certificate: false,
      pending_update_count: 1,
      max_connections: 5,
      allowed_updates: ['message'],
    });
    const blocked = await call('getUpdates');
    expect(blocked).toMatchObject({ status: 409, body: { description: expect.stringContaining("can't use getUpdates method while webhook is active") as unknown } });

    await result('setWebhook', { url: '' });
    expect(api.webhook).toBeUndefined();
    await result('setWebhook', { url: 'https://bot.example.com/hook', drop_pending_updates: true });
    expect(api.pendingUpdateCount).toBe(0);

    api.pushUpdate(textUpdate(userFor(1), 'two'));
    expect(await result('deleteWebhook')).toBe(true);
    expect(api.pendingUpdateCount).toBe(1);
    await result('setWebhook', { url: 'https://bot.example.com/hook' });
    await result('deleteWebhook', { drop_pending_updates: true });
    expect(api.pendingUpdateCount).toBe(0);
    expect(await result('getUpdates')).toEqual([]);
  });

  it('clamps getUpdates limit and confirms by offset', async () => {
    for (const text of ['a', 'b', 'c']) api.pushUpdate(textUpdate(userFor(2), text));
    const firstTwo = await result<Array<{ update_id: number }>>('getUpdates', { limit: '2' });
    expect(firstTwo).toHaveLength(2);
    expect(await result('getUpdates', { limit: 0 })).toHaveLength(1);
    const rest = await result<unknown[]>('getUpdates', { offset: firstTwo[1]!.update_id + 1 });
    expect(rest).toHaveLength(1);
  });
});

describe('emulator: transport and errors', () => {
  it('looks methods up ignoring case, and answers 404 for unknown methods and routes', async () => {
    expect(await result('GETME')).toMatchObject({ is_bot: true });
    const unknown = await call('sendTelepathy', { chat_id: 1 });
    expect(unknown).toMatchObject({ status: 404, body: { ok: false, error_code: 404, description: 'Not Found: method not found' } });
    const route = await fetch(`${api.apiRoot}/nothing/here`);
    expect(route.status).toBe(404);
  });

  it('rejects a request body it cannot parse', async () => {
    const res = await fetch(`${api.apiRoot}/bot${api.token}/sendMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Answer).description).toMatch(/^Bad Request: can't parse request body/);
  });

  it('checks the token only when one was configured', async () => {
    expect((await call('getMe', {}, 'any:token')).status).toBe(200);
    const strict = await new BotApiStandIn({ token: '123:secret' }).start();
    try {
      const res = await fetch(`${strict.apiRoot}/botwrong/getMe`);
      expect(res.status).toBe(401);
      expect((await fetch(`${strict.apiRoot}/bot123:secret/getMe`)).status).toBe(200);
    } finally {
      await strict.stop();
    }
  });

  it('delivers slow sends after the delay and records them', async () => {
    api.slowSends(13, 200, 2);
    const started = Date.now();
    await result('sendMessage', { chat_id: 13, text: 'slow' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    await result('sendMessage', { chat_id: 13, text: 'slow again' });
    const quick = Date.now();
    await result('sendMessage', { chat_id: 13, text: 'fast' });
    expect(Date.now() - quick).toBeLessThan(190);
    expect(api.messagesTo(13, { delivered: true })).toHaveLength(3);
  });

  it('forgets messages on clearChats but keeps numbering, and everything on reset', async () => {
    await result('sendMessage', { chat_id: 14, text: 'a' });
    await result('setMyCommands', { commands: [{ command: 'a', description: 'a' }] });
    api.clearChats();
    expect(api.message(14, 1)).toBeUndefined();
    expect(await result('sendMessage', { chat_id: 14, text: 'b' })).toMatchObject({ message_id: 2 });
    expect(await result('getMyCommands')).toHaveLength(1);
    api.reset();
    expect(api.calls).toHaveLength(0);
    expect(await result('getMyCommands')).toEqual([]);
    expect(await result('sendMessage', { chat_id: 14, text: 'c' })).toMatchObject({ message_id: 1 });
  });
});
