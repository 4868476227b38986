import { Composer } from 'telegraf';
import { cb } from '../../../telegram/callback-data.js';
import { forCustomers, type BotContext } from '../../context.js';
import { fmtOf } from '../../../telegram/format.js';
import { checkinHelp, checkinThanks } from '../../../telegram/screens/reminders.js';
import { staleButton } from '../../steps.js';
import { show } from '../../ui.js';

/**
 * The answers to the 3-day delivery check-in (sent by the reminders worker): a 1–5 rating, stored
 * once per order, and help. Order ids come from callback data, which a client can forge, so each
 * press is checked against the sender (orders.forCustomer refuses a foreign id).
 */
const feature = new Composer<BotContext>();
export const checkinFeature = forCustomers(feature);

feature.action(cb.rate.trigger, async (ctx) => {
  const data = cb.rate.read(ctx);
  if (!data) return staleButton(ctx);
  const order = await ctx.deps.services.orders.forCustomer(data.orderId, ctx.account.id);
  if (order.state !== 'delivered') {
    await ctx.toast(ctx.t('reminders.checkin.not_delivered'), true);
    return;
  }
  const result = await ctx.deps.services.feedback.recordCheckin(order.id, Number(data.score));
  ctx.log.info({ orderId: order.id, score: result.score, status: result.status }, 'delivery check-in answered');
  await ctx.toast(ctx.t('reminders.checkin.thanks_toast'));
  await show(ctx, checkinThanks(fmtOf(ctx), order, result.score, result.status === 'duplicate'));
});

feature.action(cb.checkinHelp.trigger, async (ctx) => {
  const data = cb.checkinHelp.read(ctx);
  if (!data) return staleButton(ctx);
  const order = await ctx.deps.services.orders.forCustomer(data.orderId, ctx.account.id);
  const installations = await ctx.deps.services.fulfilment.installationsOf(order.id);
  const hasInstallation = installations.some((i) => i.state !== 'cancelled');
  const screen = checkinHelp(fmtOf(ctx), order, hasInstallation);
  // With agents in Telegram the help offers a person (show() adds the "Talk to a person" row).
  if (ctx.deps.config.supportChatId !== null)
    screen.text = screen.text.replace(ctx.t('reminders.help.text', { number: order.number }), ctx.t('support.checkin_help', { number: order.number }));
  await show(ctx, screen, { fresh: true });
});
