import type { Message } from 'telegraf/types';
import { escapeHtml } from '../../../i18n.js';
import { formatCny } from '../../../shared/money.js';
import { cutPlain } from '../../../shared/text.js';
import type { BotContext } from '../../context.js';

/**
 * A successful payment whose payload names no order of ours (a deposit's or a store order's).
 * This is input, not a fault: it is kept once per charge in `unmatched_payments` and, when money
 * really arrived (an amount above zero), ops staff (and admins) are told once, in the default
 * language. A repeat of the same charge logs at debug only. The caller tells the customer.
 */
export async function recordUnmatchedPayment(ctx: BotContext, p: Message.SuccessfulPaymentMessage['successful_payment'], kind: 'deposit' | 'store'): Promise<void> {
  const payerTelegramId = ctx.from?.id ?? 0;
  const first = await ctx.deps.services.payments.recordUnmatched({
    kind,
    payload: p.invoice_payload,
    currency: p.currency,
    totalAmount: p.total_amount,
    payerTelegramId,
    telegramChargeId: p.telegram_payment_charge_id,
    providerChargeId: p.provider_payment_charge_id,
  });
  if (!first) {
    ctx.log.debug({ charge: p.telegram_payment_charge_id }, 'unmatched payment already recorded');
    return;
  }
  ctx.log.warn({ kind, payload: p.invoice_payload, charge: p.telegram_payment_charge_id, amount: p.total_amount }, 'payment for no known order recorded: refund needed');
  if (!(p.total_amount > 0)) return;
  const t = ctx.deps.i18n.t(ctx.deps.config.defaultLocale);
  const amount = p.currency === 'CNY' ? formatCny(p.total_amount, ctx.deps.config.defaultLocale) : `${p.total_amount} ${escapeHtml(p.currency)}`;
  const text = t('ops.alert_unmatched_payment', {
    amount,
    payer: payerTelegramId,
    charge: escapeHtml(cutPlain(p.telegram_payment_charge_id, 100)),
    payload: escapeHtml(cutPlain(p.invoice_payload, 128)),
  });
  for (const id of await ctx.deps.services.staff.idsWith('ops')) {
    await ctx.telegram.sendMessage(id, text, { parse_mode: 'HTML' }).catch((err: unknown) => ctx.log.warn({ err, staff: id }, 'could not alert ops about an unmatched payment'));
  }
}
