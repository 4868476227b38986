import { randomUUID } from 'node:crypto';
import { Composer } from 'telegraf';
import { message } from 'telegraf/filters';
import { formatPhone, normalizeName, normalizePhone } from '../../../domain/customers/validation.js';
import { escapeHtml } from '../../../i18n.js';
import { cb } from '../../../telegram/callback-data.js';
import { forCustomers, type BotContext } from '../../context.js';
import { fmtOf } from '../../../telegram/format.js';
import { askName, cityPicker } from '../../../telegram/screens/orders.js';
import { showCurrentStep, staleButton, type StepData } from '../../steps.js';
import { fromLiveMenu, notice, show } from '../../ui.js';
import { configOf } from '../catalog/index.js';
import { completeConfiguration } from '../catalog/steps.js';
import { sendDepositInvoice } from '../deposit/index.js';
import { showOrder } from './my-orders.js';

/**
 * From a complete configuration to an order: contact name → phone (contact button or typed) →
 * city → the order is created awaiting its deposit and the invoice is sent.
 */
const feature = new Composer<BotContext>();
export const placeOrderFeature = forCustomers(feature);

/** The customer's Telegram name, if it would pass as a contact name. */
const telegramName = (ctx: BotContext): string | null => normalizeName([ctx.account.firstName, ctx.account.lastName].filter(Boolean).join(' '));

async function askForName(ctx: BotContext, opts: { fresh: boolean }) {
  const cfg = configOf(ctx);
  if (!cfg) return showCurrentStep(ctx);
  const model = await ctx.deps.services.catalog.model(cfg.modelId);
  await show(ctx, askName(fmtOf(ctx), model?.model.name ?? '', telegramName(ctx)), opts);
}

/** Phone: the contact button, the number we already have (as a tappable suggestion), or typed. */
async function askForPhone(ctx: BotContext) {
  const known = ctx.account.phone;
  await ctx.reply(ctx.t('order.ask_phone'), {
    parse_mode: 'HTML',
    reply_markup: {
      keyboard: [[{ text: ctx.t('order.share_phone'), request_contact: true }], ...(known ? [[{ text: formatPhone(known) }]] : [])],
      resize_keyboard: true,
      one_time_keyboard: true,
      input_field_placeholder: ctx.t('order.phone_placeholder'),
    },
  });
}

async function askForCity(ctx: BotContext, opts: { fresh: boolean }) {
  await show(ctx, cityPicker(fmtOf(ctx), await ctx.deps.services.bookings.cities()), opts);
}

export const placeOrderRenderers = { 'order.name': askForName, 'order.phone': askForPhone, 'order.city': askForCity };

feature.action(cb.orderStart.trigger, async (ctx) => {
  // Only from the summary of a complete configuration, on the live message.
  const complete = completeConfiguration.safeParse(ctx.stepData('config.summary')?.cfg);
  if (!complete.success || !fromLiveMenu(ctx)) return staleButton(ctx);
  ctx.go('order.name', { cfg: complete.data, orderKey: randomUUID() });
  await askForName(ctx, { fresh: false });
});

function nameAccepted(ctx: BotContext, asked: StepData<'order.name'>, name: string) {
  ctx.go('order.phone', { ...asked, contactName: name });
  return askForPhone(ctx);
}

feature.action(cb.useName.trigger, async (ctx) => {
  const name = telegramName(ctx);
  const asked = ctx.stepData('order.name');
  if (!asked || !fromLiveMenu(ctx) || !name) return staleButton(ctx);
  await ctx.toast();
  await nameAccepted(ctx, asked, name);
});

feature.on(message('text'), async (ctx, next) => {
  const text = ctx.message.text;
  if (text.startsWith('/')) return next();
  if (ctx.stepData('order.city')) {
    // A typed city name is as good as the button (上海, shanghai, Shanghai).
    const typed = text.trim().toLowerCase();
    const city = (await ctx.deps.services.bookings.cities()).find((c) => c.city === typed || c.cityName.en.toLowerCase() === typed || c.cityName['zh-CN'] === typed);
    return city ? createOrder(ctx, city.city, { fresh: true }) : next();
  }
  const naming = ctx.stepData('order.name');
  if (naming) {
    const name = normalizeName(text);
    if (!name) return notice(ctx, ctx.t('order.bad_name'));
    return nameAccepted(ctx, naming, name);
  }
  const asked = ctx.stepData('order.phone');
  if (!asked) return next();
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
  await ctx.deps.services.customers.setPhone(ctx.account.id, phone);
  ctx.go('order.city', { ...asked, phone });
  await notice(ctx, ctx.t('order.phone_saved', { phone: formatPhone(phone) }), { removeKeyboard: true });
  await askForCity(ctx, { fresh: true });
}

feature.action(cb.city.trigger, async (ctx) => {
  const data = cb.city.read(ctx);
  if (!data || !ctx.stepData('order.city') || !fromLiveMenu(ctx)) return staleButton(ctx);
  await createOrder(ctx, data.city, { fresh: false });
});

/** The last step: the order is created awaiting its deposit, and the invoice follows. */
async function createOrder(ctx: BotContext, cityCode: string, opts: { fresh: boolean }) {
  const cities = await ctx.deps.services.bookings.cities();
  const city = cities.find((c) => c.city === cityCode);
  const answers = ctx.stepData('order.city');
  const model = answers && (await ctx.deps.services.catalog.model(answers.cfg.modelId));
  if (!city || !answers || !model) return staleButton(ctx);
  const { cfg, contactName, phone } = answers;
  // The chat stays on this step until the invoice is out (a failed update saves no state), so a
  // rerun of this press, or the same press again, comes back here with the same key.
  const requestKey = answers.orderKey ?? `update:${ctx.update.update_id}`;
  const order = await ctx.deps.services.orders.create(
    { customerId: ctx.account.id, catalog: model, configuration: cfg, contactName, phone, city: city.city, requestKey },
    `customer:${ctx.account.telegramId}`,
  );
  ctx.log.info({ orderId: order.id, number: order.number }, 'order created');
  if (order.state !== 'awaiting_deposit') {
    // Made by an earlier run of this press and moved on since (paid, cancelled): shown as it is now.
    return showOrder(ctx, order.id, opts);
  }
  ctx.go('deposit', { orderId: order.id });
  await sendDepositInvoice(ctx, order, opts);
}
