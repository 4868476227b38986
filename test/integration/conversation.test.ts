import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { conversationStates, customers } from '../../src/db/schema/index.js';
import { createServices, type Services } from '../../src/deps.js';
import { CustomerService } from '../../src/domain/customers/service.js';
import { emptyState, type ChatState } from '../../src/domain/conversation/repository.js';
import type { TestDb } from '../support/db.js';
import { sleep } from '../support/wait.js';
import { configFor, freshTelegramId, withTestServices } from './helpers.js';

let t: TestDb;
let s: Services;

withTestServices((env) => {
  ({ t, s } = env);
});

const versionOf = async (chatId: number) =>
  (await t.db.select({ version: conversationStates.version }).from(conversationStates).where(eq(conversationStates.chatId, chatId)))[0]?.version;

describe('ConversationRepository state', () => {
  it('loads the empty state for an unknown chat', async () => {
    expect(await s.conversation.load(freshTelegramId())).toEqual(emptyState());
  });

  it('round-trips a saved state and bumps the version on every save', async () => {
    const chatId = freshTelegramId();
    const state: ChatState = {
      step: 'order.phone',
      data: { modelId: 'model-y', nested: { trimId: 'my-lr', list: [1, 2, 3] }, name: '张伟', flag: true, none: null },
      menuMessageId: 4242,
      menuPhoto: 'https://static.example.com/tesla-jd/model-y.jpg',
    };
    await s.conversation.save(chatId, state);
    expect(await s.conversation.load(chatId)).toEqual(state);
    const v0 = await versionOf(chatId);
    expect(v0).toBe(0);

    const next: ChatState = { step: 'menu', data: {}, menuMessageId: null, menuPhoto: null };
    await s.conversation.save(chatId, next);
    expect(await s.conversation.load(chatId)).toEqual(next);
    expect(await versionOf(chatId)).toBe(1);

    await s.conversation.save(chatId, { ...state, step: 'booking.day' });
    expect((await s.conversation.load(chatId)).step).toBe('booking.day');
    expect(await versionOf(chatId)).toBe(2);
  });

  it('survives a new repository instance (nothing lives in process memory)', async () => {
    const chatId = freshTelegramId();
    await s.conversation.save(chatId, { step: 'catalog.model', data: { modelId: 'model-3' }, menuMessageId: 7, menuPhoto: null });
    const other = createServices(t.db, configFor(t.url)).conversation;
    expect(await other.load(chatId)).toEqual({ step: 'catalog.model', data: { modelId: 'model-3' }, menuMessageId: 7, menuPhoto: null });
  });

  it('keeps chats apart, with large (supergroup-sized) chat ids', async () => {
    const a = -1_001_234_567_890;
    const b = 9_007_199_254; // larger than 32 bits
    await s.conversation.save(a, { step: 'a', data: { x: 1 }, menuMessageId: null, menuPhoto: null });
    await s.conversation.save(b, { step: 'b', data: { x: 2 }, menuMessageId: null, menuPhoto: null });
    expect((await s.conversation.load(a)).step).toBe('a');
    expect((await s.conversation.load(b)).data).toEqual({ x: 2 });
  });

  it('concurrent saves of one chat all count (no lost version bump)', async () => {
    const chatId = freshTelegramId();
    await Promise.all(Array.from({ length: 10 }, (_, i) => s.conversation.save(chatId, { step: `s${i}`, data: { i }, menuMessageId: i, menuPhoto: null })));
    expect(await versionOf(chatId)).toBe(9);
    const loaded = await s.conversation.load(chatId);
    expect(loaded.step).toBe(`s${loaded.data.i as number}`);
  });
});

describe('CustomerService', () => {
  it('touch creates the customer, then updates it; the language is set only at creation', async () => {
    const id = freshTelegramId();
    const created = await s.customers.touch({ id, first_name: 'Wei', last_name: 'Zhang', username: 'zw', language_code: 'en-US' });
    expect(created).toMatchObject({ telegramId: id, firstName: 'Wei', lastName: 'Zhang', username: 'zw', language: 'en', blocked: false });
    expect(created.source).toBeNull();

    await s.customers.markBlocked(id);
    const blocked = (await t.db.select().from(customers).where(eq(customers.telegramId, id)))[0]!;
    expect(blocked.blocked).toBe(true);

    await sleep(5); // time must pass for lastActiveAt to move on (asserted below)
    const again = await s.customers.touch({ id, first_name: '伟', language_code: 'zh-hans' });
    expect(again.id).toBe(created.id);
    expect(again).toMatchObject({ firstName: '伟', lastName: null, username: null, language: 'en', blocked: false });
    expect(again.lastActiveAt.getTime()).toBeGreaterThan(created.lastActiveAt.getTime());
    expect(again.createdAt.getTime()).toBe(created.createdAt.getTime());
    expect(await t.db.select().from(customers).where(eq(customers.telegramId, id))).toHaveLength(1);
  });

  it('picks the language from Telegram, falling back to the configured default', async () => {
    expect((await s.customers.touch({ id: freshTelegramId(), first_name: 'A', language_code: 'zh-TW' })).language).toBe('zh-CN');
    expect((await s.customers.touch({ id: freshTelegramId(), first_name: 'B', language_code: 'de' })).language).toBe('zh-CN');
    expect((await s.customers.touch({ id: freshTelegramId(), first_name: 'C' })).language).toBe('zh-CN');
    const english = new CustomerService({ db: t.db, defaultLocale: 'en' });
    expect((await english.touch({ id: freshTelegramId(), first_name: 'D', language_code: 'fr' })).language).toBe('en');
  });

  it('languageOf: the stored language of a Telegram id, the default for one never seen', async () => {
    const id = freshTelegramId();
    await s.customers.touch({ id, first_name: 'E', language_code: 'en-GB' });
    expect(await s.customers.languageOf(id)).toBe('en');
    expect(await s.customers.languageOf(freshTelegramId())).toBe('zh-CN');
  });

  it('concurrent first contacts create one customer', async () => {
    const id = freshTelegramId();
    const rows = await Promise.all(Array.from({ length: 10 }, () => s.customers.touch({ id, first_name: 'Wei', language_code: 'en' })));
    expect(new Set(rows.map((r) => r.id)).size).toBe(1);
    expect(await t.db.select().from(customers).where(eq(customers.telegramId, id))).toHaveLength(1);
  });

  it('recordSource keeps the first source and updates the last one', async () => {
    const c = await s.customers.touch({ id: freshTelegramId(), first_name: 'Wei' });
    await s.customers.recordSource(c.id, 'src_jd_app');
    await s.customers.recordSource(c.id, 'src_campaign42');
    await s.customers.recordSource(c.id, 'src_weibo');
    const row = (await t.db.select().from(customers).where(eq(customers.id, c.id)))[0]!;
    expect(row.source).toBe('src_jd_app');
    expect(row.lastSource).toBe('src_weibo');
  });

  it('markBlocked sets and clears the flag by Telegram id, touching no one else', async () => {
    const a = await s.customers.touch({ id: freshTelegramId(), first_name: 'A' });
    const b = await s.customers.touch({ id: freshTelegramId(), first_name: 'B' });
    await s.customers.markBlocked(a.telegramId);
    const read = async (id: number) => (await t.db.select().from(customers).where(eq(customers.id, id)))[0]!.blocked;
    expect(await read(a.id)).toBe(true);
    expect(await read(b.id)).toBe(false);
    await s.customers.markBlocked(a.telegramId, false);
    expect(await read(a.id)).toBe(false);
    // Unknown ids are a no-op.
    await s.customers.markBlocked(1);
  });
});
