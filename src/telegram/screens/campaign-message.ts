import type { InlineKeyboardButton } from 'telegraf/types';
import type { VariantDraft } from '../../domain/campaigns/repository.js';
import type { TFunction } from '../../i18n.js';
import { cb } from '../callback-data.js';

export interface OutgoingMessage {
  method: 'sendMessage' | 'sendPhoto' | 'sendVideo';
  params: Record<string, unknown>;
}

/** Deep-link payload of a campaign's URL button: counted by /start, which then shows the link. */
export const clickPayload = (campaignId: number, button: number): string => `c-${campaignId}-${button}`;
/** `c-<campaign>-<button>`, and `c<campaign>_<button>` of the messages sent before the links were renamed. */
const CLICK_PAYLOAD = /^c-(\d{1,9})-(\d{1,2})$|^c(\d{1,9})_(\d{1,2})$/;
export function parseClickPayload(payload: string): { campaignId: number; button: number } | null {
  const m = CLICK_PAYLOAD.exec(payload);
  if (!m) return null;
  return { campaignId: Number(m[1] ?? m[3]), button: Number(m[2] ?? m[4]) };
}

/**
 * The campaign message exactly as a customer gets it: the variant's content with its formatting
 * (entities), its buttons, and an Unsubscribe button. URL buttons go through the bot's deep link
 * so clicks are counted; in a preview (`campaignId` null) they open the URL itself and the bot
 * buttons only say that this is a preview.
 */
export function campaignMessage(v: VariantDraft, opts: { chatId: number; campaignId: number | null; botUsername: string; t: TFunction; paidBroadcast?: boolean }): OutgoingMessage {
  const keyboard: InlineKeyboardButton[][] = v.buttons.map((b, i) => {
    if (b.kind === 'url') {
      const url = opts.campaignId ? `https://t.me/${opts.botUsername}?start=${clickPayload(opts.campaignId, i)}` : b.url;
      return [{ text: b.label, url }];
    }
    const data = opts.campaignId ? cb.campaignModel.pack({ campaignId: opts.campaignId, button: i + 1 }) : cb.campaignPreview.pack({});
    return [{ text: b.label, callback_data: data }];
  });
  keyboard.push([
    {
      text: opts.t('campaigns.message.unsubscribe'),
      callback_data: opts.campaignId ? cb.campaignUnsubscribe.pack({ campaignId: opts.campaignId }) : cb.campaignPreview.pack({}),
    },
  ]);
  const common: Record<string, unknown> = { chat_id: opts.chatId, reply_markup: { inline_keyboard: keyboard } };
  if (opts.paidBroadcast) common.allow_paid_broadcast = true;
  const entities = v.entities.length ? v.entities : undefined;
  if (v.kind === 'text') {
    return { method: 'sendMessage', params: { ...common, text: v.text, ...(entities ? { entities } : {}) } };
  }
  const media = v.kind === 'photo' ? { photo: v.fileId } : { video: v.fileId };
  return {
    method: v.kind === 'photo' ? 'sendPhoto' : 'sendVideo',
    params: { ...common, ...media, ...(v.text ? { caption: v.text } : {}), ...(entities ? { caption_entities: entities } : {}) },
  };
}

/** The variant a customer gets: their language's, else the campaign's default. */
export function variantFor(variants: VariantDraft[], locale: string, defaultLocale: string): VariantDraft {
  return variants.find((v) => v.locale === locale) ?? variants.find((v) => v.locale === defaultLocale) ?? variants[0]!;
}
