/**
 * Text from Telegram, made safe to store and to show. The bot cleans every string of an incoming
 * update once, where it enters (src/bot/middlewares/sanitize.ts), so no field needs its own
 * cleaning; names are also cleaned where they are shown (src/telegram/format.ts), for rows stored
 * before this existed.
 */

/**
 * What Postgres cannot store: NUL (refused in `text` and `jsonb`) and lone UTF-16 surrogates (a
 * `jsonb` value refuses their `\uD800` escapes; `text` would get them mangled).
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what must go
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The replacement character: one UTF-16 unit, like what it replaces, so entity offsets still fit. */
export const REPLACEMENT = '\uFFFD';

/** `value` with what Postgres cannot store replaced by U+FFFD (same length in UTF-16 units). */
export function storableText(value: string): string {
  return value.replace(UNSTORABLE, REPLACEMENT);
}

/**
 * Direction overrides and embeddings (U+202A–U+202E), isolates (U+2066–U+2069), zero-width
 * characters and marks (U+200B–U+200F) and the BOM (U+FEFF): in a name they make it read as
 * something else (`‮gnp.exe` shows as `exe.png`) or look like another person's.
 */
const DISGUISE = /[\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g;

/** A person's name, username or title: storable, without the characters that disguise it. */
export function cleanName(value: string): string {
  return storableText(value).replace(DISGUISE, '').trim();
}

/** The visible marker at the end of a cut text. */
export const CUT_MARKER = '…';

/** Telegram's limits, in characters after entities are parsed: a message's text and a caption. */
export const TELEGRAM_TEXT_MAX = 4096;
export const TELEGRAM_CAPTION_MAX = 1024;

/**
 * Plain text cut to at most `max` UTF-16 units (what Telegram counts, conservatively), ending in
 * "…" when it was cut; never splits a surrogate pair.
 */
export function cutPlain(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max - 1;
  if (/[\uDC00-\uDFFF]/.test(value[end] ?? '') && /[\uD800-\uDBFF]/.test(value[end - 1] ?? '')) end--;
  return value.slice(0, end) + CUT_MARKER;
}

/**
 * HTML text (Telegram's parse_mode HTML) cut so that what Telegram shows has at most `max`
 * UTF-16 units: tags count nothing, an entity (`&amp;`) counts one, and a cut never splits a tag, an
 * entity or a surrogate pair. Tags left open at the cut are closed after the "…" marker.
 */
export function cutHtml(html: string, max: number): string {
  let visible = 0;
  // Quick count: most texts are far below the limit.
  for (let i = 0; i < html.length; i++) {
    const ch = html[i]!;
    if (ch === '<') {
      const end = html.indexOf('>', i);
      if (end < 0) break;
      i = end;
    } else if (ch === '&') {
      const end = html.indexOf(';', i);
      if (end > 0 && end - i <= 10) i = end;
      visible++;
    } else visible++;
  }
  if (visible <= max) return html;
  const open: string[] = [];
  let out = '';
  visible = 0;
  for (let i = 0; i < html.length;) {
    const ch = html[i]!;
    if (ch === '<') {
      const end = html.indexOf('>', i);
      const tag = html.slice(i, end + 1);
      const name = /^<\/?([a-zA-Z-]+)/.exec(tag)?.[1]?.toLowerCase();
      if (name) {
        if (tag.startsWith('</')) open.splice(open.lastIndexOf(name), 1);
        else if (!tag.endsWith('/>')) open.push(name);
      }
      out += tag;
      i = end + 1;
      continue;
    }
    let len = 1;
    let units = 1;
    if (ch === '&') {
      const end = html.indexOf(';', i);
      if (end > 0 && end - i <= 10) len = end - i + 1;
    } else if (/[\uD800-\uDBFF]/.test(ch) && /[\uDC00-\uDFFF]/.test(html[i + 1] ?? '')) len = units = 2;
    if (visible + units > max - 1) break;
    out += html.slice(i, i + len);
    i += len;
    visible += units;
  }
  return (
    out +
    CUT_MARKER +
    open
      .reverse()
      .map((name) => `</${name}>`)
      .join('')
  );
}
