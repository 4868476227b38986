import type { InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove } from 'telegraf/types';
import type { Screen } from '../telegram/screen.js';
import type { PhotoInput } from '../telegram/photos.js';
import { classifyTelegramError } from '../shared/telegram-errors.js';
import type { BotContext } from './context.js';

import { fmtOf } from '../telegram/format.js';
import { withTalkRow } from '../telegram/screens/support.js';

const markup = (keyboard?: InlineKeyboardButton[][]): InlineKeyboardMarkup => ({ inline_keyboard: keyboard ?? [] });

/**
 * Shows a screen. From a button press it edits the pressed message in place (text ↔ photo
 * changes need a new message, as Telegram cannot turn one kind into the other); otherwise, or
 * with `fresh`, it sends a new message. Either way that message becomes the chat's live menu.
 */
export async function show(ctx: BotContext, shown: Screen, opts: { fresh?: boolean } = {}): Promise<void> {
  const screen = ctx.customer && ctx.chat?.type === 'private' ? withTalkRow(fmtOf(ctx), shown, ctx.session.step) : shown;
  const pressed = ctx.callbackQuery?.message;
  if (pressed && !opts.fresh) {
    const pressedIsPhoto = 'photo' in pressed;
    const wantsPhoto = !!screen.photo;
    if (pressedIsPhoto === wantsPhoto) {
      try {
        await editInPlace(ctx, pressed.message_id, screen, pressedIsPhoto && ctx.session.menuMessageId === pressed.message_id ? ctx.session.menuPhoto : null);
        remember(ctx, pressed.message_id, screen.photo ?? null);
        return;
      } catch (err) {
        const failure = classifyTelegramError(err);
        if (failure.kind === 'not_modified') return;
        if (failure.kind !== 'bad_request') throw err;
        // The message is gone or too old to edit: fall through and send a new one.
      }
    } else {
      await ctx.deleteMessage(pressed.message_id).catch(() => undefined);
    }
  }
  await sendNew(ctx, screen);
}

async function editInPlace(ctx: BotContext, messageId: number, screen: Screen, currentPhoto: string | null) {
  const chatId = ctx.chat!.id;
  const extra = { parse_mode: 'HTML' as const, reply_markup: markup(screen.keyboard) };
  if (!screen.photo) {
    await ctx.telegram.editMessageText(chatId, messageId, undefined, screen.text, { ...extra, link_preview_options: { is_disabled: true } });
  } else if (currentPhoto === screen.photo) {
    await ctx.telegram.editMessageCaption(chatId, messageId, undefined, screen.text, extra);
  } else {
    const photo = screen.photo;
    const edited = await withPhoto(ctx, photo, (media) =>
      ctx.telegram.editMessageMedia(chatId, messageId, undefined, { type: 'photo', media, caption: screen.text, parse_mode: 'HTML' }, { reply_markup: extra.reply_markup }),
    );
    ctx.deps.photos.remember(photo, edited);
  }
}

/**
 * Sends with the picture's current input (a file_id once known, else the upload). A file_id
 * Telegram refuses is forgotten and the send made once more as an upload.
 */
async function withPhoto<T>(ctx: BotContext, ref: string, send: (media: PhotoInput) => Promise<T>): Promise<T> {
  const { photos } = ctx.deps;
  const cached = photos.isCached(ref);
  try {
    return await send(photos.input(ref));
  } catch (err) {
    if (!cached || classifyTelegramError(err).kind !== 'bad_request') throw err;
    ctx.log.warn({ err, photo: ref }, 'cached file_id refused; uploading the picture again');
    photos.forget(ref);
    return send(photos.input(ref));
  }
}

async function sendNew(ctx: BotContext, screen: Screen): Promise<void> {
  const extra = { parse_mode: 'HTML' as const, reply_markup: markup(screen.keyboard) };
  if (screen.photo) {
    try {
      const photo = screen.photo;
      const sent = await withPhoto(ctx, photo, (media) => ctx.replyWithPhoto(media, { ...extra, caption: screen.text }));
      ctx.deps.photos.remember(photo, sent);
      remember(ctx, sent.message_id, photo);
      return;
    } catch (err) {
      // A photo URL Telegram cannot fetch must not cost the customer the screen: show the text.
      if (classifyTelegramError(err).kind !== 'bad_request') throw err;
      ctx.log.warn({ err, photo: screen.photo }, 'photo could not be sent; showing text');
    }
  }
  const sent = await ctx.reply(screen.text, { ...extra, link_preview_options: { is_disabled: true } });
  remember(ctx, sent.message_id, null);
}

function remember(ctx: BotContext, messageId: number, photo: string | null) {
  ctx.session.menuMessageId = messageId;
  ctx.session.menuPhoto = photo;
  ctx.sessionDirty = true;
}

/** A plain notice (no menu), e.g. removing the reply keyboard after a phone number was shared. */
export async function notice(ctx: BotContext, text: string, opts: { removeKeyboard?: boolean } = {}): Promise<void> {
  const reply_markup: ReplyKeyboardRemove | undefined = opts.removeKeyboard ? { remove_keyboard: true } : undefined;
  await ctx.reply(text, { parse_mode: 'HTML', reply_markup });
}

/** True when a button press comes from the chat's live menu message (older messages are stale). */
export const fromLiveMenu = (ctx: BotContext): boolean => !!ctx.callbackQuery?.message && ctx.callbackQuery.message.message_id === ctx.session.menuMessageId;

/**
 * Leaving the phone question by any other way than answering it (Main menu, /start, Back on the
 * inline screen): its reply keyboard (share my number) must not stay behind.
 */
export async function leavePhoneStep(ctx: BotContext): Promise<void> {
  if (ctx.session.step !== 'order.phone') return;
  await notice(ctx, ctx.t('order.phone_left'), { removeKeyboard: true });
}
