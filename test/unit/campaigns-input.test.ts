import { describe, expect, it } from 'vitest';
import { parseButtons, parseWhen } from '../../src/bot/features/campaigns/input.js';

const MODELS = ['model-3', 'model-y'];

describe('campaign composer: button lines', () => {
  it('reads link and model buttons, one per line', () => {
    expect(parseButtons('Book a drive | https://tesla.cn/drive\n  See it|model-y  ', MODELS)).toEqual({
      buttons: [
        { kind: 'url', label: 'Book a drive', url: 'https://tesla.cn/drive' },
        { kind: 'model', label: 'See it', modelId: 'model-y' },
      ],
    });
  });

  it.each([
    ['no separator', 'Just a label'],
    ['not a URL or a known model', 'Label | model-z'],
    ['another scheme', 'Label | javascript:alert(1)'],
    ['a space in the target', 'Label | https://x y'],
    ['empty', '  '],
  ])('refuses %s', (_what, text) => {
    expect(parseButtons(text, MODELS)).toHaveProperty('badLine');
  });

  it('names the line at fault and refuses more than five buttons', () => {
    expect(parseButtons('A | model-y\nB | nope', MODELS)).toEqual({ badLine: 2 });
    expect(parseButtons(Array.from({ length: 6 }, (_, i) => `B${i} | model-3`).join('\n'), MODELS)).toEqual({ badLine: 6 });
  });
});

describe('campaign composer: schedule time (Beijing)', () => {
  const now = new Date('2026-11-27T12:00:00Z'); // 20:00 in Shanghai
  it('reads YYYY-MM-DD HH:mm as Shanghai time', () => {
    expect(parseWhen('2026-11-28 09:30', 'Asia/Shanghai', now)?.toISOString()).toBe('2026-11-28T01:30:00.000Z');
  });
  it.each(['2026-11-27 19:59', '2026-02-30 10:00', '2026-11-28 24:00', '28/11/2026 10:00', '2027-06-01 10:00'])('refuses %s', (text) => {
    expect(parseWhen(text, 'Asia/Shanghai', now)).toBeNull();
  });
});
