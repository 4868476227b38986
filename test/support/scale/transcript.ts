/**
 * A customer's chat written out as they see it (each bot message's text without tags, then its
 * button labels; toasts; invoices), with what differs between two runs of the same journey
 * (order numbers, dates, times, ids) as placeholders: two runs of one journey give equal text.
 */
import type { RecordedCall } from '../bot-api-stand-in.js';

type Markup = { inline_keyboard?: Array<Array<{ text: string }>>; keyboard?: Array<Array<string | { text: string }>>; remove_keyboard?: boolean };

const parsed = <T>(raw: unknown): T | undefined => (typeof raw === 'string' ? (JSON.parse(raw) as T) : (raw as T | undefined));

const readable = (html: string): string =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** One successful call as lines of the transcript (none for calls the customer does not see). */
export function renderCall(call: RecordedCall): string[] {
  if (!call.response.ok) return [];
  const p = call.params;
  const markup = parsed<Markup>(p.reply_markup);
  if (call.method === 'answerCallbackQuery') return p.text ? [`(toast) ${String(p.text as string)}`] : [];
  if (call.method === 'answerPreCheckoutQuery') return [`(pre-checkout) ${p.ok === true || p.ok === 'true' ? 'ok' : String(p.error_message as string)}`];
  if (call.method === 'sendInvoice') {
    const prices = parsed<Array<{ label: string; amount: number }>>(p.prices) ?? [];
    return [
      'bot (invoice):',
      `  ${String(p.title as string)}`,
      ...String(p.description as string)
        .split('\n')
        .map((l) => `  ${l}`),
      ...prices.map((x) => `  ${x.label} · ${x.amount}`),
    ];
  }
  const edit = call.method.startsWith('edit');
  if (!edit && !call.method.startsWith('send')) return [];
  if (call.method === 'sendChatAction') return [];
  const media = parsed<{ type?: string; caption?: string }>(p.media);
  const text = String((p.text ?? p.caption ?? media?.caption ?? '') as string);
  const rows = [
    ...(markup?.inline_keyboard ?? []).map((row) => row.map((b) => `[${b.text}]`).join(' ')),
    ...(markup?.keyboard ?? []).map((row) => `(keyboard) ${row.map((b) => `[${typeof b === 'string' ? b : b.text}]`).join(' ')}`),
    ...(markup?.remove_keyboard ? ['(keyboard removed)'] : []),
  ];
  const body = [...(call.method === 'sendPhoto' || media?.type === 'photo' ? ['[photo]'] : []), ...(text ? readable(text).split('\n') : []), ...rows];
  return [edit ? 'bot (updates the message):' : 'bot:', ...body.map((l) => (l ? `  ${l}` : ''))];
}

/** What changes from run to run, as placeholders. */
export function normalise(text: string): string {
  return text
    .replace(/\bTJ\d{6,}\b/g, 'TJ<order>')
    .replace(/\bS\d{5,}\b/g, 'S<order>')
    .replace(/\b\d{4}-\d{2}-\d{2}\b/g, '<date>')
    .replace(/\b\d{1,2}:\d{2}(?::\d{2})?\b/g, '<time>')
    .replace(/\d{1,2}月\d{1,2}日/g, '<M月D日>')
    .replace(/\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b/g, '<D Mon>')
    .replace(/\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}\b/g, '<Mon D>')
    .replace(/#\d+\b/g, '#<id>');
}

/** The transcript of `calls` (one customer's, in the order answered), normalised. */
export const transcriptOf = (calls: RecordedCall[]): string => normalise(calls.flatMap(renderCall).join('\n'));
