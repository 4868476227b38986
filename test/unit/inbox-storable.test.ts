/** What the inbox stores of an update (src/domain/inbox/repository.ts storableJson): JSON that jsonb accepts. */
import { describe, expect, it } from 'vitest';
import { storableJson, type RawUpdate } from '../../src/domain/inbox/repository.js';

describe('storableJson', () => {
  it('keeps an ordinary update as sent', () => {
    const u: RawUpdate = { update_id: 1, message: { text: '你好 😀', chat: { id: 5 } } };
    expect(storableJson(u)).toBe(JSON.stringify(u));
  });

  it('replaces a NUL or a lone surrogate in values with U+FFFD', () => {
    const stored = JSON.parse(storableJson({ update_id: 2, message: { text: 'a\u0000b\uD800c', entities: [{ type: '\uDFFF' }] } })) as RawUpdate;
    expect(stored.message).toEqual({ text: 'a\uFFFDb\uFFFDc', entities: [{ type: '\uFFFD' }] });
  });

  it('replaces them in keys too (an unknown update kind can be named anything), at any depth', () => {
    const text = storableJson({ update_id: 3, [' e\uDC7AY\u0000']: { ['k\uD800']: { junk: true } } });
    expect(text).not.toMatch(/\\u0000|\\ud[89a-f]/i);
    expect(JSON.parse(text)).toEqual({ update_id: 3, [' e\uFFFDY\uFFFD']: { ['k\uFFFD']: { junk: true } } });
  });
});
