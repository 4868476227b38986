/**
 * Store checkout in e2e tests: pays the newest store invoice of a chat the way Telegram would,
 * through the shipping form for a flexible invoice (shipping_query → answerShippingQuery →
 * pre_checkout_query with the chosen option → successful_payment).
 */
import { eq } from 'drizzle-orm';
import { customers } from '../../src/db/schema/index.js';
import type { Update } from 'telegraf/types';
import type { RecordedCall } from './bot-api-stand-in.js';
import type { TestChat } from './chat.js';
import { preCheckoutWithShippingUpdate, SAMPLE_ORDER_INFO, shippingQueryUpdate, successfulPaymentWithShippingUpdate, type OrderInfoDraft } from './updates.js';

/** A Bot API parameter as sent: JSON-encoded (form posts) or already an object. */
export const parse = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

/** The customers row of a chat's user. */
export const customerOf = async (c: TestChat) => (await c.h.db.db.select().from(customers).where(eq(customers.telegramId, c.id)))[0]!;

export interface StorePayResult {
  approved: boolean;
  /** The pre-checkout answer: ok, and the reason shown when refused. */
  answer: RecordedCall | undefined;
  /** Shipping options the bot offered (flexible invoices only). */
  options: Array<{ id: string; title: string; prices: Array<{ label: string; amount: number }> }>;
  totalAmount: number;
  chargeId: string | null;
  /** Calls to this chat after the payment (the receipt). */
  after: RecordedCall[];
  /** The successful_payment update as delivered (with its update_id), to deliver again. */
  update?: Update;
}

export function lastInvoice(chat: TestChat): RecordedCall {
  const invoice = chat.h.api
    .callsTo('sendInvoice')
    .filter((c) => String(c.params.chat_id) === String(chat.id))
    .at(-1);
  if (!invoice) throw new Error('no invoice sent to this chat');
  return invoice;
}

/** Pays the newest invoice; `shipping` picks the option in the form (flexible invoices only). */
export async function payStoreInvoice(
  chat: TestChat,
  opts: { shipping?: 'standard' | 'express'; orderInfo?: OrderInfoDraft; chargeId?: string; invoice?: RecordedCall } = {},
): Promise<StorePayResult> {
  const { h, user } = chat;
  const invoice = opts.invoice ?? lastInvoice(chat);
  const payload = String(invoice.params.payload);
  const prices = parse<Array<{ amount: number }>>(invoice.params.prices);
  let totalAmount = prices.reduce((s, p) => s + p.amount, 0);
  const flexible = parse<boolean | undefined>(invoice.params.is_flexible) === true;
  let options: StorePayResult['options'] = [];
  const orderInfo = flexible ? (opts.orderInfo ?? SAMPLE_ORDER_INFO) : undefined;
  let shippingOptionId: string | undefined;
  if (flexible) {
    const from = h.api.calls.length;
    await h.deliver(shippingQueryUpdate(user, { payload, address: orderInfo!.shipping_address }));
    const answer = h.api.calls.slice(from).find((c) => c.method === 'answerShippingQuery');
    if (!answer?.params.ok) return { approved: false, answer, options, totalAmount, chargeId: null, after: [] };
    options = parse<StorePayResult['options']>(answer.params.shipping_options);
    shippingOptionId = opts.shipping ?? 'standard';
    const option = options.find((o) => o.id === shippingOptionId);
    if (!option) throw new Error(`no shipping option ${shippingOptionId}`);
    totalAmount += option.prices.reduce((s, p) => s + p.amount, 0);
  }
  let from = h.api.calls.length;
  await h.deliver(preCheckoutWithShippingUpdate(user, { payload, currency: 'CNY', totalAmount, shippingOptionId, orderInfo }));
  const answer = h.api.calls.slice(from).find((c) => c.method === 'answerPreCheckoutQuery');
  if (!answer?.params.ok) return { approved: false, answer, options, totalAmount, chargeId: null, after: [] };
  const chargeId = opts.chargeId ?? `tg_store_${chat.id}_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  from = h.api.calls.length;
  const update = await h.deliver(
    successfulPaymentWithShippingUpdate(user, {
      payload,
      currency: 'CNY',
      totalAmount,
      telegramChargeId: chargeId,
      providerChargeId: `prov_${chargeId}`,
      shippingOptionId,
      orderInfo,
    }),
  );
  const after = h.api.calls.slice(from).filter((c) => String(c.params.chat_id) === String(chat.id));
  return { approved: true, answer, options, totalAmount, chargeId, after, update };
}
