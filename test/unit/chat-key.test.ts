import { describe, expect, it } from 'vitest';
import { chatKeyOf, updateKind } from '../../src/shared/chat-key.js';

const from = { id: 7, is_bot: false, first_name: 'Wei' };
const message = (chat: object, extra: object = {}) => ({ update_id: 1, message: { message_id: 3, date: 0, chat, from, text: 'hi', ...extra } });

describe('the chat key of an update (its unit of ordering in the inbox)', () => {
  it('is the chat for a private chat, the chat of the pressed message for a button, and the sender otherwise', () => {
    expect(chatKeyOf(message({ id: 7, type: 'private' }))).toBe('7');
    expect(chatKeyOf({ update_id: 2, callback_query: { id: 'q', from, chat_instance: 'x', message: { message_id: 1, date: 0, chat: { id: 7, type: 'private' } } } })).toBe('7');
    expect(chatKeyOf({ update_id: 3, my_chat_member: { chat: { id: 7, type: 'private' }, from } })).toBe('7');
    expect(chatKeyOf({ update_id: 4, shipping_query: { id: 's', from } })).toBe('7');
  });

  it('gives a pre-checkout query a lane of its own, so it never waits behind the chat', () => {
    expect(chatKeyOf({ update_id: 5, pre_checkout_query: { id: 'p', from, currency: 'CNY', total_amount: 1, invoice_payload: 'x' } })).toBe('7:pay');
    expect(updateKind({ update_id: 5, pre_checkout_query: {} })).toBe('pre_checkout_query');
  });

  it('is the topic in a forum supergroup, so agents in different topics do not wait for each other', () => {
    const desk = { id: -100123, type: 'supergroup', is_forum: true };
    expect(chatKeyOf(message(desk, { message_thread_id: 42, is_topic_message: true }))).toBe('-100123:42');
    expect(chatKeyOf(message(desk, { message_thread_id: 43, is_topic_message: true }))).toBe('-100123:43');
    // The General topic, and replies that only quote a thread, share one key.
    expect(chatKeyOf(message(desk))).toBe('-100123:0');
    expect(chatKeyOf(message(desk, { message_thread_id: 5 }))).toBe('-100123:0');
  });

  it('is the chat in a group that is not a forum; an update with no chat nor sender has a lane of its own', () => {
    expect(chatKeyOf(message({ id: -100124, type: 'supergroup' }, { message_thread_id: 9, is_topic_message: true }))).toBe('-100124');
    expect(chatKeyOf({ update_id: 99, poll: { id: 'x' } })).toBe('update:99');
  });
});
