/**
 * User-facing text comes only from locales/ (docs/architecture.md); a test fails when a key is missing in
 * any language or unused. Sources are read with the TypeScript parser (comments are not code, and
 * regex literals with quotes in them do not confuse it). Every detector is also run on small
 * in-test samples, so each check is shown to be able to fail.
 */
import { loadResources } from '../../src/i18n.js';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const rel = (file: string) => relative(root, file).split(sep).join('/');

// ---------------------------------------------------------------------------------------------
// Locale files
// ---------------------------------------------------------------------------------------------

type Flat = Map<string, unknown>;

/** Nested keys joined with dots; leaves kept as they are (strings, or anything wrong). */
function flatten(obj: Record<string, unknown>, prefix = '', out: Flat = new Map()): Flat {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out);
    else out.set(key, v);
  }
  return out;
}

/** Interpolation names in a message: {{name}}, {{- name}}, {{ name, format }} → name. */
function placeholders(message: string): string[] {
  return [...new Set([...message.matchAll(/\{\{\s*-?\s*([^\s,}]+)[^}]*\}\}/g)].map((m) => m[1]!))].sort();
}

const PLURAL = /_(zero|one|two|few|many|other)$/;
/** A plural key's base (items_one → items); other keys unchanged. */
const pluralBase = (key: string): string => key.replace(PLURAL, '');

/**
 * The plural forms a language needs, learnt from the platform (as i18next does): en one/other,
 * zh other only. `name` is a locale name; anything else (a detector sample) needs only 'other'.
 */
function pluralForms(name: string): string[] {
  try {
    return new Intl.PluralRules(name).resolvedOptions().pluralCategories.slice().sort();
  } catch {
    return ['other'];
  }
}

/**
 * Plural groups collapsed to their base key (its _other message stands for it), and each group
 * checked for every form the language needs and for forms it does not have.
 */
function collapsePlurals(name: string, flat: Flat): { flat: Flat; problems: string[] } {
  const out: Flat = new Map();
  const groups = new Map<string, string[]>();
  for (const [key, value] of flat) {
    const m = PLURAL.exec(key);
    if (!m) {
      out.set(key, value);
      continue;
    }
    groups.set(pluralBase(key), [...(groups.get(pluralBase(key)) ?? []), m[1]!]);
  }
  const problems: string[] = [];
  const needed = pluralForms(name);
  for (const [base, forms] of groups) {
    for (const form of needed) if (!forms.includes(form)) problems.push(`${name}: ${base} has no _${form} form`);
    for (const form of forms) if (!needed.includes(form)) problems.push(`${name}: ${base}_${form} is not a plural form of ${name}`);
    out.set(base, flat.get(`${base}_other`) ?? flat.get(`${base}_${forms[0]}`));
  }
  return { flat: out, problems };
}

/** Every difference between two flattened locales, and every empty or non-string message. */
function compareLocales(rawA: { name: string; flat: Flat }, rawB: { name: string; flat: Flat }): string[] {
  const problems: string[] = [];
  for (const { name, flat } of [rawA, rawB]) {
    for (const [key, value] of flat) {
      if (typeof value !== 'string') problems.push(`${name}: ${key} is not a string`);
      else if (value.trim() === '') problems.push(`${name}: ${key} is empty`);
    }
  }
  const ca = collapsePlurals(rawA.name, rawA.flat);
  const cb = collapsePlurals(rawB.name, rawB.flat);
  problems.push(...ca.problems, ...cb.problems);
  const a = { name: rawA.name, flat: ca.flat };
  const b = { name: rawB.name, flat: cb.flat };
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    for (const key of x.flat.keys()) if (!y.flat.has(key)) problems.push(`${key} is in ${x.name} but not in ${y.name}`);
  }
  for (const [key, value] of a.flat) {
    const other = b.flat.get(key);
    if (typeof value !== 'string' || typeof other !== 'string') continue;
    const pa = placeholders(value).join(',');
    const pb = placeholders(other).join(',');
    if (pa !== pb) problems.push(`${key}: ${a.name} has {{${pa}}}, ${b.name} has {{${pb}}}`);
  }
  return problems;
}

const localesDir = join(root, 'locales');
const localeNames = readdirSync(localesDir).filter((d) => statSync(join(localesDir, d)).isDirectory());
/** All of a language's files, merged the way src/i18n.ts loadResources merges them. */
const loadLocale = (name: string) => ({
  name,
  flat: flatten(loadResources(localesDir)[name]!.translation),
});
const en = loadLocale('en');
const zh = loadLocale('zh-CN');
const allKeys = [...en.flat.keys()];

// ---------------------------------------------------------------------------------------------
// Source scanning
// ---------------------------------------------------------------------------------------------

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const parse = (file: string, code: string) => ts.createSourceFile(file, code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);

function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  node.forEachChild((child) => walk(child, visit));
}

const isPlainString = (n: ts.Node): n is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral => ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n);

interface KeyUse {
  file: string;
  line: number;
  /** A literal key, or null for a template literal. */
  key: string | null;
  /** For template literals: the source text and the regex every filled-in key must match. */
  template?: string;
  regex?: RegExp;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `errors.${err.code}` → /^errors\.[A-Za-z0-9_-]+$/: a substitution fills one key segment. */
function templateRegex(tpl: ts.TemplateExpression): RegExp {
  const parts = [escapeRe(tpl.head.text), ...tpl.templateSpans.map((s) => `[A-Za-z0-9_-]+${escapeRe(s.literal.text)}`)];
  return new RegExp(`^${parts.join('')}$`);
}

/** The keys an expression can evaluate to, looking through parentheses, ?:, ?? and ||. */
function keyExpressions(expr: ts.Expression): Array<ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression> {
  if (isPlainString(expr) || ts.isTemplateExpression(expr)) return [expr];
  if (ts.isParenthesizedExpression(expr)) return keyExpressions(expr.expression);
  if (ts.isConditionalExpression(expr)) return [...keyExpressions(expr.whenTrue), ...keyExpressions(expr.whenFalse)];
  if (ts.isBinaryExpression(expr) && [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(expr.operatorToken.kind)) {
    return [...keyExpressions(expr.left), ...keyExpressions(expr.right)];
  }
  return [];
}

/**
 * Translation calls: `t(…)`, `ctx.t(…)`, `f.t(…)`, `this.t(…)` — any callee named `t` except
 * `i18n.t(locale)`, which picks a language rather than a key.
 */
function findKeyUses(file: string, code: string): KeyUse[] {
  const sf = parse(file, code);
  const uses: KeyUse[] = [];
  walk(sf, (n) => {
    if (!ts.isCallExpression(n) || n.arguments.length === 0) return;
    const callee = n.expression;
    const isT =
      (ts.isIdentifier(callee) && callee.text === 't') || (ts.isPropertyAccessExpression(callee) && callee.name.text === 't' && !/i18n$/i.test(callee.expression.getText(sf)));
    if (!isT) return;
    for (const e of keyExpressions(n.arguments[0]!)) {
      const line = sf.getLineAndCharacterOfPosition(e.getStart(sf)).line + 1;
      if (ts.isTemplateExpression(e)) uses.push({ file, line, key: null, template: e.getText(sf), regex: templateRegex(e) });
      else uses.push({ file, line, key: e.text });
    }
  });
  return uses;
}

/** Literal pieces of an expression as written (no descent into calls: `f.t('x.y')` is not text). */
function literalPieces(expr: ts.Expression): string[] {
  if (isPlainString(expr)) return [expr.text];
  if (ts.isTemplateExpression(expr)) return [expr.head.text, ...expr.templateSpans.map((s) => s.literal.text)];
  if (ts.isParenthesizedExpression(expr)) return literalPieces(expr.expression);
  if (ts.isConditionalExpression(expr)) return [...literalPieces(expr.whenTrue), ...literalPieces(expr.whenFalse)];
  if (ts.isBinaryExpression(expr) && [ts.SyntaxKind.PlusToken, ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(expr.operatorToken.kind)) {
    return [...literalPieces(expr.left), ...literalPieces(expr.right)];
  }
  return [];
}

const CJK = /[\u4e00-\u9fff]/;

/** String and template literals (not comments, not regexes) that contain a CJK character. */
function findCjkLiterals(file: string, code: string): Array<{ file: string; line: number; text: string }> {
  const sf = parse(file, code);
  const found: Array<{ file: string; line: number; text: string }> = [];
  walk(sf, (n) => {
    let text: string | null = null;
    if (isPlainString(n)) text = n.text;
    else if (ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n)) text = n.text;
    if (text !== null && CJK.test(text)) {
      found.push({ file, line: sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1, text });
    }
  });
  return found;
}

/** Calls whose (0-based) argument is message text or a button label. */
const textArgs: Record<string, number[]> = {
  reply: [0],
  replyWithHTML: [0],
  replyWithMarkdown: [0],
  replyWithMarkdownV2: [0],
  sendMessage: [1],
  editMessageText: [0, 3],
  editMessageCaption: [0, 3],
  answerCbQuery: [0],
  answerPreCheckoutQuery: [1],
  answerShippingQuery: [2],
  toast: [0],
  notice: [1],
  show: [1],
  button: [0],
  callback: [0],
  url: [0],
  text: [0],
  contactRequest: [0],
};
/** Object properties that carry text a customer reads. */
const textProps = new Set(['text', 'caption', 'title', 'description', 'label', 'input_field_placeholder']);
const LETTER = /\p{L}/u;

interface Literal {
  file: string;
  line: number;
  text: string;
  where: string;
}

/**
 * Literal text where a customer would read it: a text argument of reply/toast/button/… with any
 * letter in it, or a `text:`/`caption:`/… property whose literal has a letter and a space.
 */
function findUiLiterals(file: string, code: string): Literal[] {
  const sf = parse(file, code);
  const found: Literal[] = [];
  const add = (node: ts.Node, text: string, where: string) => found.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, text, where });
  walk(sf, (n) => {
    if (ts.isCallExpression(n)) {
      const callee = n.expression;
      const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : null;
      const positions = name !== null && Object.hasOwn(textArgs, name) ? textArgs[name]! : [];
      for (const i of positions) {
        const arg = n.arguments[i];
        if (!arg) continue;
        for (const piece of literalPieces(arg)) if (LETTER.test(piece)) add(arg, piece, `${name}() argument ${i + 1}`);
      }
    } else if (ts.isPropertyAssignment(n)) {
      const key = ts.isIdentifier(n.name) || ts.isStringLiteral(n.name) ? n.name.text : null;
      if (key === null || !textProps.has(key)) return;
      for (const piece of literalPieces(n.initializer)) if (LETTER.test(piece) && /\s/.test(piece)) add(n.initializer, piece, `${key}:`);
    }
  });
  return found;
}

/** The language picker names each language in itself; nothing else may bypass locales/. */
const allowedLiterals = new Set(['src/telegram/screens/common.ts|简体中文', 'src/telegram/screens/common.ts|English']);
/** Not for people: the send budget's refusal mimics Telegram's own 429 error, which the retry code reads. */
const protocolLiterals = new Set(['src/telegram/budgeted-client.ts|Too Many Requests: retry after ']);
const isAllowed = (l: { file: string; text: string }) => allowedLiterals.has(`${l.file}|${l.text}`);
const isProtocol = (l: { file: string; text: string }) => protocolLiterals.has(`${l.file}|${l.text}`);

const srcFiles = tsFiles(join(root, 'src')).map((path) => ({ file: rel(path), code: readFileSync(path, 'utf8') }));
const botFiles = srcFiles.filter((f) => f.file.startsWith('src/bot/') || f.file.startsWith('src/telegram/'));
const keyUses = srcFiles.flatMap((f) => findKeyUses(f.file, f.code));
const templateUses = keyUses.filter((u) => u.regex);

/** Keys of `keys` that no literal use names and no template use can produce. */
function unusedKeys(keys: string[], uses: KeyUse[]): string[] {
  const literal = new Set(uses.map((u) => u.key).filter((k): k is string => k !== null));
  const regexes = uses.flatMap((u) => (u.regex ? [u.regex] : []));
  // A plural form (items_one) is used when its base (items, asked for with a count) is.
  return keys.filter((k) => !literal.has(k) && !literal.has(pluralBase(k)) && !regexes.some((r) => r.test(k) || r.test(pluralBase(k))));
}

/** Uses that name a missing key (literal) or can produce no existing key (template). */
function missingKeys(keys: string[], uses: KeyUse[]): string[] {
  // A plural group answers to its base key (t('items', { count })).
  keys = [...new Set([...keys, ...keys.map(pluralBase)])];
  const known = new Set(keys);
  return uses.filter((u) => (u.key !== null ? !known.has(u.key) : !keys.some((k) => u.regex!.test(k)))).map((u) => `${u.file}:${u.line} ${u.key ?? u.template}`);
}

/**
 * Latin words in zh-CN messages that are not product names, brands, units or abbreviations:
 * an English word left behind in a translation. Markup, placeholders and commands are ignored.
 */
const LATIN_ALLOWED = new Set(
  'Tesla Model S X Y L Plaid App JD VIN CLTC Wall Connector Telegram ID kW km h Supercharger USB Type-C Qi English'.split(' ').map((w) => w.toLowerCase()),
);
/** Staff-facing texts (ops, campaigns' composer, the support group) name commands and fields in Latin on purpose. */
const STAFF_KEYS = /^(ops|staff|store\.cli|catalogOps\.cli|campaigns\.(composer|control|segment|review|figures)|support\.group|payments\.ops|store\.ops)\./;
function englishInChinese(flat: Flat): string[] {
  const out: string[] = [];
  for (const [key, value] of flat) {
    if (typeof value !== 'string' || STAFF_KEYS.test(key)) continue;
    const text = value
      .replace(/<code>[^<]*<\/code>/g, ' ')
      .replace(/https?:\/\/\S+/g, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\{\{[^}]*\}\}/g, ' ')
      .replace(/\/[a-z_]+/g, ' ')
      .replace(/&[a-z]+;/g, ' ');
    for (const word of text.match(/[A-Za-z][A-Za-z-]*/g) ?? []) {
      if (/^[A-Z0-9-]+$/.test(word)) continue; // abbreviations and letters: SOHO, VIP, I/O/Q
      if (!LATIN_ALLOWED.has(word.toLowerCase())) out.push(`${key}: ${word}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// (a) the locale files agree
// ---------------------------------------------------------------------------------------------

/** English messages that count with "(s)", or put {{count}} before a plural noun without plural forms. */
function pluralShortcuts(flat: Flat): string[] {
  return [...flat]
    .filter(([key, value]) => typeof value === 'string' && (/\w\(s\)/.test(value) || (!PLURAL.test(key) && /\{\{count\}\} [a-z]+s\b/.test(value))))
    .map(([key]) => key);
}

/** Messages of what went wrong for a customer: errors, refusals, stale buttons, paused models. */
const ERROR_KEY = /^(errors|stale|store\.errors|store\.refused|deposit\.refused|booking\.not_bookable)\.|^catalog\.paused$/;
/** Messages that only say where the customer now is (the menu is shown with them): not errors. */
const WHERE_YOU_ARE = new Set(['errors.nothing_to_cancel', 'errors.cancelled_step']);
/** Words that tell the customer a next step, in either language. */
const NEXT_STEP =
  /\b(please|tap|choose|open|send|add|go back|use|call|check|you can|here is|shown below|try|reduce|remove|look|start again|reschedule|type|share|enter|split|you don't need)\b|请|点击|选择|可在|可以|拨打|重新|返回|查看|稍后|改期|无需|已为您|以下/i;

/** Error messages (ERROR_KEY) with no next step in them. */
function errorsWithoutNextStep(flat: Flat): string[] {
  return [...flat].filter(([key, value]) => ERROR_KEY.test(pluralBase(key)) && !WHERE_YOU_ARE.has(key) && typeof value === 'string' && !NEXT_STEP.test(value)).map(([key]) => key);
}

describe('(a) locale files', () => {
  it('en and zh-CN are the languages shipped', () => {
    expect(localeNames.sort()).toEqual(['en', 'zh-CN']);
    expect(allKeys.length).toBeGreaterThan(50);
  });

  it('have the same keys, the same {{placeholders}} per key, and no empty message', () => {
    expect(compareLocales(en, zh)).toEqual([]);
  });

  it('detector: finds a missing key, an extra key, a placeholder mismatch and an empty message', () => {
    const a = { name: 'a', flat: flatten({ x: { greet: 'Hi {{name}}, {{- total}}', same: '{{n}}', only: 'a' }, empty: ' ' }) };
    const b = { name: 'b', flat: flatten({ x: { greet: '你好 {{name}}', same: '{{ n }}', extra: 'b' }, empty: 'ok' }) };
    expect(compareLocales(a, b).sort()).toEqual(
      ['a: empty is empty', 'x.only is in a but not in b', 'x.extra is in b but not in a', 'x.greet: a has {{name,total}}, b has {{name}}'].sort(),
    );
    expect(compareLocales(a, { name: 'c', flat: flatten({ x: { n: 3 } }) })).toContain('c: x.n is not a string');
    expect(placeholders('{{a}} {{ b }} {{- c}} {{d, number}} {{a}}')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('detector: plural forms are learnt per language; a missing form or a foreign one is found, and an English word left in Chinese', () => {
    expect(pluralForms('en')).toEqual(['one', 'other']);
    expect(pluralForms('zh-CN')).toEqual(['other']);
    const enOk = { name: 'en', flat: flatten({ items_one: '{{count}} item', items_other: '{{count}} items' }) };
    const zhOk = { name: 'zh-CN', flat: flatten({ items_other: '{{count}} 件' }) };
    expect(compareLocales(enOk, zhOk)).toEqual([]);
    const enMissing = { name: 'en', flat: flatten({ items_other: '{{count}} items' }) };
    const zhForeign = { name: 'zh-CN', flat: flatten({ items_one: '{{count}} 件', items_other: '{{count}} 件' }) };
    expect(compareLocales(enMissing, zhForeign).sort()).toEqual(['en: items has no _one form', 'zh-CN: items_one is not a plural form of zh-CN']);
    expect(unusedKeys(['items_one', 'items_other', 'x'], findKeyUses('s.ts', "t('items', { count });"))).toEqual(['x']);
    expect(missingKeys(['items_one', 'items_other'], findKeyUses('s.ts', "t('items', { count });"))).toEqual([]);
    expect(
      englishInChinese(
        new Map([
          ['a', '已付订金'],
          ['b', '请点击 Pay 按钮'],
          ['c', 'Model Y · CLTC 续航 {{range}} 公里 <b>VIN</b>'],
        ]),
      ),
    ).toEqual(['b: Pay']);
  });

  it('no English word left in a zh-CN message (product names, units and abbreviations aside)', () => {
    expect(englishInChinese(zh.flat)).toEqual([]);
  });

  it('English counts go through plural forms: no "item(s)" shortcut, and a message with {{count}} before a plural noun has its _one form', () => {
    expect(pluralShortcuts(en.flat)).toEqual([]);
    const sample = new Map<string, unknown>([
      ['a.items', '{{count}} item(s)'],
      ['a.days', 'in the last {{count}} days'],
      ['a.n_one', '{{count}} payment'],
      ['a.n_other', '{{count}} payments'],
    ]);
    expect(pluralShortcuts(sample)).toEqual(['a.items', 'a.days']);
  });

  it('every error a customer can get says what to do next (a step, a button, My orders, or the hotline)', () => {
    expect(errorsWithoutNextStep(en.flat)).toEqual([]);
    expect(errorsWithoutNextStep(zh.flat)).toEqual([]);
  });

  it('detector: an error that only says what went wrong is found, in English and in Chinese', () => {
    const sample = new Map<string, unknown>([
      ['errors.gone', 'That item is no longer in the store.'],
      ['store.errors.ok', 'That item is sold out. Choose another option.'],
      ['store.refused.gone_zh', '该商品已下架。'],
      ['store.refused.ok_zh', '该商品已下架，请返回商城选购其他商品。'],
      ['catalog.title', 'Not an error.'],
    ]);
    expect(errorsWithoutNextStep(sample)).toEqual(['errors.gone', 'store.refused.gone_zh']);
  });
});

// ---------------------------------------------------------------------------------------------
// (b) every key the code asks for exists; (c) every key is asked for
// ---------------------------------------------------------------------------------------------

describe('(b) every translation key used in src exists', () => {
  it('finds translation calls in src at all', () => {
    expect(keyUses.filter((u) => u.key !== null).length).toBeGreaterThan(50);
    expect(templateUses.length).toBeGreaterThan(3);
  });

  it('every literal key is in the locale files', () => {
    expect(
      missingKeys(
        allKeys,
        keyUses.filter((u) => u.key !== null),
      ),
    ).toEqual([]);
  });

  it('every template-literal key matches at least one key', () => {
    expect(missingKeys(allKeys, templateUses)).toEqual([]);
  });

  it('detector: reads t, ctx.t, f.t and template literals; ignores i18n.t(locale) and comments', () => {
    const sample = [
      "const a = t('menu.text', { name });",
      'const b = ctx.t("nav.back");',
      "const c = f.t(paid ? 'orders.cancel_yes' : 'orders.cancel_no');",
      'const d = f.t(`order_state.${state}`);',
      'const e = ctx.t(`booking.pick_day_${kind}`, { where });',
      'const g = deps.i18n.t(lng);',
      "const h = ctx.deps.i18n.t('en');",
      "// t('commented.out')",
      'const i = f.t(`plain.template`);',
      "const j = this.t('x.y');",
      'const k = ctx.t(key);',
    ].join('\n');
    const uses = findKeyUses('sample.ts', sample);
    expect(uses.map((u) => u.key ?? u.regex!.source)).toEqual([
      'menu.text',
      'nav.back',
      'orders.cancel_yes',
      'orders.cancel_no',
      '^order_state\\.[A-Za-z0-9_-]+$',
      '^booking\\.pick_day_[A-Za-z0-9_-]+$',
      'plain.template',
      'x.y',
    ]);
    expect(missingKeys(allKeys, uses)).toEqual(['sample.ts:9 plain.template', 'sample.ts:10 x.y']);
    expect(missingKeys(allKeys, findKeyUses('s.ts', 'f.t(`nope.${x}`)'))).toEqual(['s.ts:1 `nope.${x}`']);
  });
});

describe('(c) every key in the locale files is used', () => {
  it('no unused keys', () => {
    expect(unusedKeys(allKeys, keyUses)).toEqual([]);
  });

  it('detector: a key nobody asks for is reported, a key a template can produce is not', () => {
    const uses = [...findKeyUses('s.ts', "t('a.one'); t(`b.${x}`);")];
    expect(unusedKeys(['a.one', 'a.two', 'b.x', 'b.y', 'b.x.deep', 'c'], uses)).toEqual(['a.two', 'b.x.deep', 'c']);
  });
});

// ---------------------------------------------------------------------------------------------
// (d) no user-facing literal outside locales/
// ---------------------------------------------------------------------------------------------

describe('(d) no user-facing literal outside locales', () => {
  it('scans the bot sources', () => {
    expect(botFiles.map((f) => f.file)).toEqual(expect.arrayContaining(['src/telegram/screens/common.ts', 'src/bot/ui.ts']));
  });

  it('no CJK text in any string literal in src (only the language picker label)', () => {
    const cjk = srcFiles.flatMap((f) => findCjkLiterals(f.file, f.code));
    expect(cjk.filter((l) => !isAllowed(l))).toEqual([]);
    // The exception is real, not a blanket pass.
    expect(cjk.filter(isAllowed).map((l) => l.text)).toEqual(['简体中文']);
  });

  it('no literal message text or button label in src/bot (only the language picker labels)', () => {
    const literals = botFiles.flatMap((f) => findUiLiterals(f.file, f.code));
    expect(literals.filter((l) => !isAllowed(l) && !isProtocol(l))).toEqual([]);
    expect(
      literals
        .filter(isAllowed)
        .map((l) => l.text)
        .sort(),
    ).toEqual(['English', '简体中文']);
  });

  it('detector: CJK in literals and templates is found, in comments and regexes it is not', () => {
    const sample = [
      '// 注释里的中文没关系',
      '/** 11月28日 周六 */',
      "const a = '订单已取消';",
      'const b = `${n} 元`;',
      'const c = /[\\u4e00-\\u9fff]/;',
      "const d = 'plain ascii';",
      'const e = /^[·]$/;',
    ].join('\n');
    expect(findCjkLiterals('x.ts', sample).map((l) => [l.line, l.text])).toEqual([
      [3, '订单已取消'],
      [4, ' 元'],
    ]);
    // The allow-list is exact: same text elsewhere, or other text in the picker's file, is flagged.
    expect(isAllowed({ file: 'src/telegram/screens/orders.ts', text: '简体中文' })).toBe(false);
    expect(isAllowed({ file: 'src/telegram/screens/common.ts', text: '繁體中文' })).toBe(false);
    expect(isAllowed({ file: 'src/telegram/screens/common.ts', text: 'Deutsch' })).toBe(false);
  });

  it('detector: literal replies, toasts, labels and text: properties are found; keys and code are not', () => {
    const sample = [
      "await ctx.reply('Something went wrong');",
      'await ctx.reply(`Order ${n} cancelled`);',
      "await ctx.toast('Done');",
      "await ctx.answerCbQuery('请稍候');",
      "await ctx.telegram.sendMessage(chatId, 'Hello there');",
      "const x = button('Pay now', data);",
      "const y = { text: 'Your order is ready', keyboard: [] };",
      'const z = { text: `Total: ${total} yuan` };',
      "const w = { text: paid ? 'Paid in full' : f.t('orders.unpaid') };",
      "await ctx.answerPreCheckoutQuery(false, 'Order closed');",
      "await ctx.reply('Hi ' + name);",
      // not flagged:
      "await ctx.reply(f.t('menu.text'), { parse_mode: 'HTML' });",
      "const ok = button(f.t('nav.menu'), cb.menu.pack({}));",
      "const s = { text: f.t('help.text') };",
      "const t2 = { text: '' };",
      "const u = { text: 'single' };",
      "if ('text' in ctx.message) log.info('text message received');",
      "throw new Error('no customer on this update');",
      "ctx.go('booking.method', {});",
      "await ctx.reply(screen.text, { parse_mode: 'HTML' });",
    ].join('\n');
    expect(findUiLiterals('x.ts', sample).map((l) => [l.line, l.text])).toEqual([
      [1, 'Something went wrong'],
      [2, 'Order '],
      [2, ' cancelled'],
      [3, 'Done'],
      [4, '请稍候'],
      [5, 'Hello there'],
      [6, 'Pay now'],
      [7, 'Your order is ready'],
      [8, 'Total: '],
      [8, ' yuan'],
      [9, 'Paid in full'],
      [10, 'Order closed'],
      [11, 'Hi '],
    ]);
  });
});
