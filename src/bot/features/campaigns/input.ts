import type { Message } from 'telegraf/types';
import type { CampaignButton } from '../../../db/schema/campaigns.js';
import type { VariantDraft } from '../../../domain/campaigns/repository.js';
import type { Locale } from '../../../domain/customers/service.js';
import { zoneOffsetMs } from '../../../shared/time.js';

/** What the composer accepts as typed input: content, button lines, a schedule time. */
export const MAX_BUTTONS = 5;
/** Telegram's limit on a photo or video caption sent by a bot. */
export const MAX_CAPTION = 1024;

/** What the marketer sent, as a variant: text, or a photo or video with its caption; formatting kept. */
export function captureContent(message: Message, locale: Locale): VariantDraft | null {
  const base = { locale, buttons: [] as CampaignButton[] };
  if ('text' in message && !message.text.startsWith('/')) {
    return { ...base, kind: 'text', text: message.text, fileId: null, entities: message.entities ?? [] };
  }
  if ('photo' in message && message.photo.length) {
    const largest = message.photo.at(-1)!;
    return { ...base, kind: 'photo', text: message.caption ?? '', fileId: largest.file_id, entities: message.caption_entities ?? [] };
  }
  if ('video' in message) {
    return { ...base, kind: 'video', text: message.caption ?? '', fileId: message.video.file_id, entities: message.caption_entities ?? [] };
  }
  return null;
}

/** "Label | https://…" or "Label | model-y", one per line; null with the bad line's number. */
export function parseButtons(text: string, models: string[]): { buttons: CampaignButton[] } | { badLine: number } {
  const buttons: CampaignButton[] = [];
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (const [i, line] of lines.entries()) {
    const m = /^(.{1,64}?)\s*\|\s*(\S+)$/.exec(line);
    if (!m || buttons.length >= MAX_BUTTONS) return { badLine: i + 1 };
    const [, label, target] = m as unknown as [string, string, string];
    if (models.includes(target)) {
      buttons.push({ kind: 'model', label: label.trim(), modelId: target });
      continue;
    }
    try {
      const url = new URL(target);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') return { badLine: i + 1 };
      buttons.push({ kind: 'url', label: label.trim(), url: url.toString() });
    } catch {
      return { badLine: i + 1 };
    }
  }
  return lines.length ? { buttons } : { badLine: 1 };
}

/** Shanghai "YYYY-MM-DD HH:mm" → the instant; null when malformed or not in the future. */
export function parseWhen(text: string, timeZone: string, now: Date): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
  const guess = Date.UTC(y, mo - 1, d, h, mi);
  const check = new Date(guess);
  if (check.getUTCDate() !== d) return null;
  const at = new Date(guess - zoneOffsetMs(check, timeZone));
  if (at.getTime() <= now.getTime() || at.getTime() > now.getTime() + 90 * 86_400_000) return null;
  return at;
}
