import { describe, expect, it } from 'vitest';
import type { BotContext } from '../../src/bot/context.js';
import { lockKeyOf } from '../../src/bot/middlewares/index.js';

type Ctx = Pick<BotContext, 'chat' | 'from' | 'msg'>;
const from = { id: 7, is_bot: false, first_name: 'Wei' };
const ctx = (chat: object | undefined, msg?: object): Ctx => ({ chat, from, msg }) as unknown as Ctx;

describe('the per-update lock key', () => {
  it('is the chat for a private chat, and the sender when there is no chat (pre-checkout)', () => {
    expect(lockKeyOf(ctx({ id: 7, type: 'private' }))).toBe('7');
    expect(lockKeyOf(ctx(undefined))).toBe('7');
  });

  it('is the topic in a forum supergroup, so agents in different topics do not wait for each other', () => {
    const desk = { id: -100123, type: 'supergroup', is_forum: true };
    expect(lockKeyOf(ctx(desk, { message_thread_id: 42, is_topic_message: true }))).toBe('-100123:42');
    expect(lockKeyOf(ctx(desk, { message_thread_id: 43, is_topic_message: true }))).toBe('-100123:43');
    // The General topic, and replies that only quote a thread, share one key.
    expect(lockKeyOf(ctx(desk, {}))).toBe('-100123:0');
    expect(lockKeyOf(ctx(desk, { message_thread_id: 5 }))).toBe('-100123:0');
  });

  it('is the chat in a group that is not a forum', () => {
    expect(lockKeyOf(ctx({ id: -100124, type: 'supergroup' }, { message_thread_id: 9, is_topic_message: true }))).toBe('-100124');
  });
});
