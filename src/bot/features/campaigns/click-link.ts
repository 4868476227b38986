import type { BotContext } from '../../context.js';
import { parseClickPayload, variantFor } from '../../../telegram/screens/campaign-message.js';

/**
 * A campaign's counted deep link, `t.me/<bot>?start=c-<campaign>-<button>` (and the older
 * `c<campaign>_<button>` of messages already out there): the click is recorded (who, when, which
 * button; recipients only, so a guessed link counts nothing), then the link itself is shown.
 * Kept apart from the menu's deep links (model and product pages): true when the payload was a
 * campaign link and has been answered.
 */
export async function openCampaignLink(ctx: BotContext, payload: string): Promise<boolean> {
  const click = parseClickPayload(payload);
  if (!click) return false;
  await followLink(ctx, click.campaignId, click.button);
  return true;
}

async function followLink(ctx: BotContext, campaignId: number, index: number): Promise<void> {
  const repo = ctx.deps.services.campaigns;
  const campaign = await repo.get(campaignId);
  // A campaign that has not started sending (scheduled, or cancelled before it began) has no
  // message out there: its links stay unknown to anyone guessing /start c-<id>-<n>.
  const sentOut = campaign && campaign.startedAt !== null;
  const button = sentOut && variantFor(await repo.variants(campaignId), ctx.locale, campaign.defaultLocale)?.buttons[index];
  if (!campaign || !button || button.kind !== 'url') {
    await ctx.reply(ctx.t('campaigns.link.gone'));
    return;
  }
  if (await repo.isRecipient(campaignId, ctx.account.id)) await repo.recordClick(campaignId, ctx.account.id, index);
  await ctx.reply(ctx.t('campaigns.link.text', { label: button.label.replace(/[<>&]/g, '') }), {
    parse_mode: 'HTML',
    reply_markup: { inline_keyboard: [[{ text: ctx.t('campaigns.link.open'), url: button.url }]] },
  });
}
