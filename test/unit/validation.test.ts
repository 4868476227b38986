import { describe, expect, it } from 'vitest';
import { localeFromTelegram } from '../../src/domain/customers/service.js';
import { normalizeAddress, normalizeName, normalizePhone } from '../../src/domain/customers/validation.js';

describe('normalizePhone: Chinese mobiles', () => {
  it.each([
    ['13800138000', '+8613800138000'],
    ['138 0013 8000', '+8613800138000'],
    ['138-0013-8000', '+8613800138000'],
    ['(138) 0013.8000', '+8613800138000'],
    ['  13800138000  ', '+8613800138000'],
    ['+8613800138000', '+8613800138000'],
    ['+86 138 0013 8000', '+8613800138000'],
    ['+86-138-0013-8000', '+8613800138000'],
    ['+86 (138) 0013-8000', '+8613800138000'],
    ['8613800138000', '+8613800138000'],
    ['86 138 0013 8000', '+8613800138000'],
    ['008613800138000', '+8613800138000'],
    ['0086 138 0013 8000', '+8613800138000'],
    ['19912345678', '+8619912345678'],
    ['15012345678', '+8615012345678'],
    ['138\t0013\t8000', '+8613800138000'],
  ])('%j → %s', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });
});

describe('normalizePhone: E.164 numbers abroad', () => {
  it.each([
    ['+44 20 7946 0958', '+442079460958'],
    ['+1 (212) 555-0100', '+12125550100'],
    ['001 212 555 0100', '+12125550100'],
    ['+852 9123 4567', '+85291234567'],
    ['+49 30 901820', '+4930901820'],
    ['+65 6123 4567', '+6561234567'],
  ])('%j → %s', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });
});

describe('normalizePhone: malformed', () => {
  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['too short', '1380013'],
    ['too short with +86', '+86 138 0013'],
    ['too short E.164', '+44 123'],
    ['one digit short mobile', '1380013800'],
    ['12 digits', '138001380001'],
    ['12 digits with +86', '+86 138 0013 80001'],
    ['letters', 'abcdefghijk'],
    ['a letter O for a zero', '138 0013 8OOO'],
    ['letters mixed in', 'tel: 13800138000'],
    ['+86 landline-like (Beijing)', '+86 10 6552 9988'],
    ['+86 landline-like (Shanghai)', '+86 21 5055 1234'],
    ['0086 landline-like', '0086 21 5055 1234'],
    ['domestic landline', '010 6552 9988'],
    ['mobile prefix 12', '12800138000'],
    ['leading zero country code', '+0 123 456 789'],
    ['too long E.164', '+1 2345 6789 0123 4567'],
    ['two plus signs', '++8613800138000'],
    ['plus in the middle', '138+00138000'],
    ['just a plus', '+'],
    ['only punctuation', '---'],
  ])('%s (%j) → null', (_what, input) => {
    expect(normalizePhone(input)).toBeNull();
  });
});

describe('normalizeName', () => {
  it.each([
    ['张三', '张三'],
    ['  张  三 ', '张 三'],
    ['Li Wei', 'Li Wei'],
    ['  Li\t\tWei  ', 'Li Wei'],
    ["Seán O'Brien", "Seán O'Brien"],
    ['Jean-Luc Picard', 'Jean-Luc Picard'],
    ['J. R. R. Tolkien', 'J. R. R. Tolkien'],
    ['艾力·买买提', '艾力·买买提'],
    ['Zoë', 'Zoë'],
    ['a'.repeat(40), 'a'.repeat(40)],
  ])('%j → %j', (input, expected) => {
    expect(normalizeName(input)).toBe(expected);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['too long', 'a'.repeat(41)],
    ['a command', '/start'],
    ['digits', '12345'],
    ['letters and digits', 'Wei2'],
    ['starts with a dot', '.Wei'],
    ['starts with a hyphen', '-Wei'],
    ['emoji', 'Wei 😀'],
    ['HTML', '<b>Wei</b>'],
    ['an e-mail address', 'wei@example.com'],
  ])('%s (%j) → null', (_what, input) => {
    expect(normalizeName(input)).toBeNull();
  });

  it('measures the length after collapsing spaces', () => {
    expect(normalizeName(`${'a'.repeat(20)}     ${'b'.repeat(19)}`)).toBe(`${'a'.repeat(20)} ${'b'.repeat(19)}`);
  });
});

describe('normalizeAddress', () => {
  it.each([
    ['北京市朝阳区建国路 88 号', '北京市朝阳区建国路 88 号'],
    ['  Room 1201,   88 Jianguo Rd  ', 'Room 1201, 88 Jianguo Rd'],
    ['上海市浦东新区\n世纪大道 100 号', '上海市浦东新区 世纪大道 100 号'],
    ['123456', '123456'],
    ['x'.repeat(200), 'x'.repeat(200)],
  ])('%j → %j', (input, expected) => {
    expect(normalizeAddress(input)).toBe(expected);
  });

  it.each([
    ['empty', ''],
    ['too short', '88号'],
    ['five characters after trimming', '  12345  '],
    ['too long', 'x'.repeat(201)],
    ['a command', '/cancel booking'],
    ['no letter or digit', '...... ------'],
  ])('%s (%j) → null', (_what, input) => {
    expect(normalizeAddress(input)).toBeNull();
  });
});

describe('localeFromTelegram', () => {
  it.each([
    ['zh', 'en', 'zh-CN'],
    ['zh-hans', 'en', 'zh-CN'],
    ['zh-Hans', 'en', 'zh-CN'],
    ['zh-TW', 'en', 'zh-CN'],
    ['zh-hk', 'en', 'zh-CN'],
    ['en', 'zh-CN', 'en'],
    ['en-GB', 'zh-CN', 'en'],
    ['EN-us', 'zh-CN', 'en'],
    ['de', 'zh-CN', 'zh-CN'],
    ['de', 'en', 'en'],
    ['ru', 'en', 'en'],
    ['', 'en', 'en'],
    [undefined, 'zh-CN', 'zh-CN'],
    [undefined, 'en', 'en'],
  ] as const)('%j with fallback %s → %s', (code, fallback, expected) => {
    expect(localeFromTelegram(code, fallback)).toBe(expected);
  });
});
