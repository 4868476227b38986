import { randomUUID } from 'node:crypto';
import { Composer } from 'telegraf';
import { message } from 'telegraf/filters';
import { formatPhone, normalizeName, normalizePhone } from '../../../domain/customers/validation.js';
import { escapeHtml } from '../../../i18n.js';
import { cb } from '../../../telegram/callback-data.js';
import { forCustomers, type BotContext } from '../../context.js';
import { fmtOf } from '../../../telegram/format.js';
import { askName, cityPicker, cityNotServed, confirmOrder, waitlistJoined } from '../../../telegram/screens/orders.js';
import { showCurrentStep, staleButton, type StepData } from '../../steps.js';
import { fromLiveMenu, notice, show } from '../../ui.js';
import { menuButton } from '../../../telegram/screens/common.js';
import { configOf } from '../catalog/index.js';
import { completeConfiguration } from '../catalog/steps.js';
import { sendDepositInvoice } from '../deposit/index.js';
import { showOrder } from './my-orders.js';
import { isModelAvailable } from '../../../domain/catalog/index.js';
import type { Order } from '../../../db/schema/index.js';
import { AppError } from '../../../shared/errors.js';
import { refusePaused } from '../catalog/index.js';

/**
 * From a complete configuration to an order: contact name → phone (contact button or typed) →
 * city → the confirmation screen (configuration, vehicle price, deposit, contact, city and the
 * deposit terms, each answer changeable) → "同意并支付": only then is anything written (the order,
 * awaiting its deposit, and the customer's phone), and the invoice is sent.
 */
const feature = new Composer<BotContext>();
export const placeOrderFeature = forCustomers(feature);

/** The customer's Telegram name, if it would pass as a contact name. */
const telegramName = (ctx: BotContext): string | null => normalizeName([ctx.account.firstName, ctx.account.lastName].filter(Boolean).join(' '));

async function askForName(ctx: BotContext, opts: { fresh: boolean }) {
  const cfg = configOf(ctx);
  if (!cfg) return showCurrentStep(ctx);
  const model = await ctx.deps.services.catalog.model(cfg.modelId);
  const asked = ctx.stepData('order.name');
  const editing = !!(asked?.contactName && asked.phone && asked.city);
  await show(ctx, askName(fmtOf(ctx), model?.model.name ?? '', telegramName(ctx), editing), opts);
}

/**
 * Phone: the contact button, the number we already have (as a tappable suggestion), or typed. The
 * reply keyboard carries its own Back row; it is removed whenever the step is left.
 */
async function askForPhone(ctx: BotContext) {
  const known = ctx.stepData('order.phone')?.phone ?? ctx.account.phone;
  await ctx.reply(ctx.t('order.ask_phone'), {
    parse_mode: 'HTML',
    reply_markup: {
      keyboard: [[{ text: ctx.t('order.share_phone'), request_contact: true }], ...(known ? [[{ text: formatPhone(known) }]] : []), [{ text: ctx.t('nav.back') }]],
      resize_keyboard: true,
      one_time_keyboard: true,
      input_field_placeholder: ctx.t('order.phone_placeholder'),
    },
  });
}

async function askForCity(ctx: BotContext, opts: { fresh: boolean }) {
  const asked = ctx.stepData('order.city');
  if (asked?.unserved) return show(ctx, cityNotServed(fmtOf(ctx), asked.unserved), opts);
  await show(ctx, cityPicker(fmtOf(ctx), await ctx.deps.services.bookings.cities(), !!asked?.city), opts);
}

async function showConfirmation(ctx: BotContext, opts: { fresh: boolean }) {
  const answers = ctx.stepData('order.confirm');
  const model = answers && (await ctx.deps.services.catalog.model(answers.cfg.modelId));
  const city = answers && (await ctx.deps.services.bookings.cities()).find((c) => c.city === answers.city);
  if (!answers || !model || !city) return showCurrentStep(ctx, opts);
  const f = fmtOf(ctx);
  const { orders } = ctx.deps.services;
  await show(
    ctx,
    confirmOrder(f, {
      model,
      cfg: answers.cfg,
      contactName: answers.contactName,
      phone: answers.phone,
      cityName: f.plain(city.cityName),
      policy: orders.refundPolicy,
      paymentsAvailable: !!ctx.deps.config.paymentProviderToken,
    }),
    opts,
  );
}

export const placeOrderRenderers = { 'order.name': askForName, 'order.phone': askForPhone, 'order.city': askForCity, 'order.confirm': showConfirmation };

feature.action(cb.orderStart.trigger, async (ctx) => {
  // Only from the summary of a complete configuration, on the live message.
  const complete = completeConfiguration.safeParse(ctx.stepData('config.summary')?.cfg);
  if (!complete.success || !fromLiveMenu(ctx)) return staleButton(ctx);
  // Read from the database: the catalog in memory may not know yet that ops paused the model.
  if (!(await isModelAvailable(ctx.deps.db, complete.data.modelId))) return refusePaused(ctx, complete.data.modelId);
  ctx.go('order.name', { cfg: complete.data, orderKey: randomUUID() });
  await askForName(ctx, { fresh: false });
});

/** Moves on to the first unanswered question, or back to the confirmation screen when all are answered. */
async function proceed(
  ctx: BotContext,
  answers: { cfg: StepData<'order.confirm'>['cfg']; contactName?: string; phone?: string; city?: string; orderKey?: string },
  opts: { fresh: boolean },
) {
  const { cfg, contactName, phone, city, orderKey } = answers;
  if (!contactName) {
    ctx.go('order.name', { cfg, phone, city, orderKey });
    return askForName(ctx, opts);
  }
  if (!phone) {
    ctx.go('order.phone', { cfg, contactName, city, orderKey });
    return askForPhone(ctx);
  }
  if (!city) {
    ctx.go('order.city', { cfg, contactName, phone, orderKey });
    return askForCity(ctx, opts);
  }
  ctx.go('order.confirm', { cfg, contactName, phone, city, orderKey });
  return showConfirmation(ctx, opts);
}

function nameAccepted(ctx: BotContext, asked: StepData<'order.name'>, name: string, opts: { fresh: boolean }) {
  return proceed(ctx, { ...asked, contactName: name }, opts);
}

feature.action(cb.useName.trigger, async (ctx) => {
  const name = telegramName(ctx);
  const asked = ctx.stepData('order.name');
  if (!asked || !fromLiveMenu(ctx) || !name) return staleButton(ctx);
  await ctx.toast();
  await nameAccepted(ctx, asked, name, { fresh: false });
});

/** A city typed at the city question: a city with delivery is as good as its button (上海, shanghai). */
async function cityTyped(ctx: BotContext, asked: StepData<'order.city'>, text: string) {
  const typed = text.trim();
  const key = typed.toLowerCase();
  const city = (await ctx.deps.services.bookings.cities()).find((c) => c.city === key || c.cityName.en.toLowerCase() === key || c.cityName['zh-CN'] === typed);
  if (city) return proceed(ctx, { ...asked, unserved: undefined, city: city.city } as StepData<'order.city'>, { fresh: true });
  // Not a city with delivery: say so plainly, and offer the waitlist for it.
  const unserved = typed.replace(/\s+/g, ' ').slice(0, 40);
  ctx.go('order.city', { ...asked, unserved });
  await show(ctx, cityNotServed(fmtOf(ctx), unserved), { fresh: true });
}

feature.on(message('text'), async (ctx, next) => {
  const text = ctx.message.text;
  if (text.startsWith('/')) return next();
  const atCity = ctx.stepData('order.city');
  if (atCity) return cityTyped(ctx, atCity, text);
  const naming = ctx.stepData('order.name');
  if (naming) {
    const name = normalizeName(text);
    if (!name) return notice(ctx, ctx.t('order.bad_name'));
    return nameAccepted(ctx, naming, name, { fresh: true });
  }
  const asked = ctx.stepData('order.phone');
  if (!asked) return next();
  if (text === ctx.t('nav.back')) {
    // The reply keyboard's Back, the keyboard removed: to the confirmation screen when changing
    // the phone from there (the number unchanged), else to the name question.
    await notice(ctx, ctx.t('order.phone_back'), { removeKeyboard: true });
    if (asked.phone && asked.city) return proceed(ctx, asked, { fresh: true });
    ctx.go('order.name', { cfg: asked.cfg, phone: asked.phone, city: asked.city, orderKey: asked.orderKey });
    return askForName(ctx, { fresh: true });
  }
  const phone = normalizePhone(text);
  if (!phone) return notice(ctx, ctx.t('order.bad_phone', { input: escapeHtml(text.slice(0, 40)) }));
  await phoneAccepted(ctx, asked, phone);
});

feature.on(message('contact'), async (ctx, next) => {
  const asked = ctx.stepData('order.phone');
  if (!asked) return next();
  const contact = ctx.message.contact;
  // Only the customer's own number: a forwarded contact card is someone else's.
  if (contact.user_id !== ctx.from.id) return notice(ctx, ctx.t('order.not_own_contact'));
  const phone = normalizePhone(contact.phone_number.startsWith('+') ? contact.phone_number : `+${contact.phone_number}`);
  if (!phone) return notice(ctx, ctx.t('order.bad_phone', { input: escapeHtml(contact.phone_number) }));
  await phoneAccepted(ctx, asked, phone);
});

async function phoneAccepted(ctx: BotContext, asked: StepData<'order.phone'>, phone: string) {
  // Nothing is saved yet: the phone is written with the order, on "confirm".
  await notice(ctx, ctx.t('order.phone_saved', { phone: formatPhone(phone) }), { removeKeyboard: true });
  await proceed(ctx, { ...asked, phone }, { fresh: true });
}

feature.action(cb.city.trigger, async (ctx) => {
  const data = cb.city.read(ctx);
  const asked = ctx.stepData('order.city');
  if (!data || !asked || !fromLiveMenu(ctx)) return staleButton(ctx);
  if (!(await ctx.deps.services.bookings.cities()).some((c) => c.city === data.city)) return staleButton(ctx);
  await proceed(ctx, { cfg: asked.cfg, contactName: asked.contactName, phone: asked.phone, city: data.city, orderKey: asked.orderKey }, { fresh: false });
});

/** "My city is not listed": asks for it by name (the answer is typed). */
feature.action(cb.cityOther.trigger, async (ctx) => {
  const asked = ctx.stepData('order.city');
  if (!asked || !fromLiveMenu(ctx)) return staleButton(ctx);
  ctx.go('order.city', { cfg: asked.cfg, contactName: asked.contactName, phone: asked.phone, orderKey: asked.orderKey });
  await show(ctx, { text: ctx.t('order.ask_other_city'), keyboard: [[menuButton(fmtOf(ctx))]] });
});

/** "Tell me when delivery opens here": a waitlist row for the city typed, then back to the list. */
feature.action(cb.waitlist.trigger, async (ctx) => {
  const asked = ctx.stepData('order.city');
  if (!asked?.unserved || !fromLiveMenu(ctx)) return staleButton(ctx);
  await ctx.deps.services.orders.joinWaitlist(ctx.account.id, asked.unserved);
  ctx.log.info({ city: asked.unserved }, 'delivery waitlist joined');
  ctx.go('menu', {});
  await show(ctx, waitlistJoined(fmtOf(ctx), asked.unserved));
});

/** One answer changed from the confirmation screen: its question again, the others kept. */
feature.action(cb.orderEdit.trigger, async (ctx) => {
  const data = cb.orderEdit.read(ctx);
  const answers = ctx.stepData('order.confirm');
  const atCity = ctx.stepData('order.city');
  // "Choose a city from the list" after a city without delivery comes from the city step itself.
  if (data?.field === 'city' && atCity && fromLiveMenu(ctx)) {
    ctx.go('order.city', { ...atCity, unserved: undefined });
    return askForCity(ctx, { fresh: false });
  }
  if (!data || !answers || !fromLiveMenu(ctx)) return staleButton(ctx);
  const { cfg, contactName, phone, city, orderKey } = answers;
  if (data.field === 'name') {
    ctx.go('order.name', { cfg, contactName, phone, city, orderKey });
    return askForName(ctx, { fresh: false });
  }
  if (data.field === 'phone') {
    ctx.go('order.phone', { cfg, contactName, phone, city, orderKey });
    await ctx.toast();
    return askForPhone(ctx);
  }
  ctx.go('order.city', { cfg, contactName, phone, city, orderKey });
  await askForCity(ctx, { fresh: false });
});

/** Back from changing an answer: the confirmation screen, as it was. */
feature.action(cb.orderReview.trigger, async (ctx) => {
  const asked = ctx.stepData('order.name', 'order.city');
  if (!asked?.contactName || !asked.phone || !asked.city || !fromLiveMenu(ctx)) return staleButton(ctx);
  await proceed(ctx, asked, { fresh: false });
});

feature.action(cb.orderConfirm.trigger, async (ctx) => {
  if (!ctx.stepData('order.confirm') || !fromLiveMenu(ctx)) return staleButton(ctx);
  await createOrder(ctx, { fresh: false });
});

/** "同意并支付" on the confirmation screen: the order is created awaiting its deposit, and the invoice follows. */
async function createOrder(ctx: BotContext, opts: { fresh: boolean }) {
  const answers = ctx.stepData('order.confirm');
  const model = answers && (await ctx.deps.services.catalog.model(answers.cfg.modelId));
  if (!answers || !model) return staleButton(ctx);
  const { cfg, contactName, phone, city } = answers;
  // The chat stays on this step until the invoice is out (a failed update saves no state), so a
  // rerun of this press, or the same press again, comes back here with the same key.
  const requestKey = answers.orderKey ?? `update:${ctx.update.update_id}`;
  let order: Order;
  try {
    order = await ctx.deps.services.orders.create(
      { customerId: ctx.account.id, catalog: model, configuration: cfg, contactName, phone, city, requestKey, termsAcceptedAt: ctx.deps.now() },
      `customer:${ctx.account.telegramId}`,
    );
  } catch (err) {
    // Paused by ops while the customer was on the confirmation screen: nothing was written.
    if (err instanceof AppError && err.code === 'model_paused') return refusePaused(ctx, model.model.id);
    throw err;
  }
  await ctx.deps.services.customers.setPhone(ctx.account.id, phone);
  ctx.log.info({ orderId: order.id, number: order.number }, 'order created');
  if (order.state !== 'awaiting_deposit') {
    // Made by an earlier run of this press and moved on since (paid, cancelled): shown as it is now.
    return showOrder(ctx, order.id, opts);
  }
  ctx.go('deposit', { orderId: order.id });
  await sendDepositInvoice(ctx, order, opts);
}
