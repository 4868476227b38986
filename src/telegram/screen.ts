import type { InlineKeyboardButton } from 'telegraf/types';

/** One screen of the bot: HTML text, inline buttons, and optionally a photo the text captions. */
export interface Screen {
  text: string;
  keyboard?: InlineKeyboardButton[][];
  photo?: string;
  /** Leave out the "Talk to a person" row customer screens get (see src/telegram/screens/support.ts). */
  noSupport?: boolean;
}
