// The payment sheet Telegram opens from an invoice's Pay button, in test mode: shipping address and
// options (the bot answers a shipping_query), then Pay (pre_checkout_query, then
// successful_payment). A refusal from the bot is shown in the sheet, as Telegram does.
import { el } from './format.js';
import { money, t } from './i18n.js';

const field = (name, label, value, type = 'text') => el('label', { className: 'field' }, el('span', {}, label), el('input', { name, value, type, required: true }));

/**
 * @param {object} message   the invoice message
 * @param {object} persona   who pays
 * @param {(path: string, body: object) => Promise<object>} post
 */
export function openPaySheet(message, persona, post) {
  const invoice = message.invoice;
  const zh = persona.language === 'zh-CN';
  let extra = 0;
  let option = null;
  let options = [];

  const total = el('b', { className: 'sheet-total' });
  const error = el('div', { className: 'sheet-error', role: 'alert' });
  const lines = el('div', { className: 'sheet-lines' });
  const payButton = el('button', { className: 'primary', type: 'button' });
  const refresh = () => {
    const amount = invoice.total + extra;
    total.textContent = money(amount, invoice.currency);
    payButton.textContent = t('pay', { amount: money(amount, invoice.currency) });
    lines.replaceChildren(
      ...invoice.prices.map((p) => el('div', { className: 'line' }, el('span', {}, p.label), el('span', {}, money(p.amount, invoice.currency)))),
      ...(option ? [el('div', { className: 'line' }, el('span', {}, option.title), el('span', {}, money(extra, invoice.currency)))] : []),
    );
  };

  const form = el('form', { className: 'sheet-form' });
  if (invoice.needShipping) {
    form.append(
      el('h4', {}, t('shipping_address')),
      field('state', t('state'), zh ? '上海市' : 'Shanghai'),
      field('city', t('city'), zh ? '上海市' : 'Shanghai'),
      field('street_line1', t('street'), zh ? '浦东新区世纪大道 100 号' : '100 Century Avenue, Pudong'),
      field('street_line2', t('street2'), zh ? '12 楼 1201 室' : 'Unit 1201'),
      field('post_code', t('post_code'), '200120'),
    );
  }
  if (invoice.needName) form.append(field('name', t('name'), persona.name));
  if (invoice.needPhone) form.append(field('phone', t('phone'), persona.phone, 'tel'));
  const optionsBox = el('div', { className: 'sheet-options' });
  form.append(optionsBox);

  const values = () => Object.fromEntries(new FormData(form).entries());
  const address = () => {
    const v = values();
    return { country_code: 'CN', state: v.state, city: v.city, street_line1: v.street_line1, street_line2: v.street_line2, post_code: v.post_code };
  };

  const close = () => overlay.remove();
  const cancel = el('button', { className: 'link', type: 'button', onclick: close }, t('cancel'));
  const continueButton = el('button', { className: 'primary', type: 'button' }, t('continue'));
  const footer = el('div', { className: 'sheet-footer' });

  const showOptions = () => {
    optionsBox.replaceChildren(
      el('h4', {}, t('shipping_method')),
      ...options.map((o, i) => {
        const amount = (o.prices ?? []).reduce((sum, p) => sum + p.amount, 0);
        const input = el('input', { type: 'radio', name: 'shipping_option', value: o.id, checked: i === 0 });
        input.addEventListener('change', () => {
          option = o;
          extra = amount;
          refresh();
        });
        if (i === 0) {
          option = o;
          extra = amount;
        }
        return el('label', { className: 'option' }, input, el('span', {}, o.title), el('span', { className: 'price' }, money(amount, invoice.currency)));
      }),
    );
    footer.replaceChildren(cancel, payButton);
    refresh();
  };

  continueButton.addEventListener('click', async () => {
    if (!form.reportValidity()) return;
    error.textContent = '';
    continueButton.disabled = true;
    const answer = await post('/api/shipping', { persona: persona.id, message: message.id, address: address() }).catch((err) => ({
      ok: false,
      error: t('error', { code: err.message }),
    }));
    continueButton.disabled = false;
    if (!answer.ok) {
      error.textContent = answer.error || t('pay_failed');
      return;
    }
    options = answer.options ?? [];
    showOptions();
  });

  payButton.addEventListener('click', async () => {
    if (!form.reportValidity()) return;
    error.textContent = '';
    payButton.disabled = true;
    payButton.textContent = t('paying');
    const v = values();
    const body = { persona: persona.id, message: message.id, name: v.name, phone: v.phone };
    if (invoice.needShipping) body.address = address();
    if (option) body.shippingOption = option.id;
    const answer = await post('/api/pay', body).catch((err) => ({ ok: false, error: t('error', { code: err.message }) }));
    payButton.disabled = false;
    refresh();
    if (answer.ok) close();
    else error.textContent = answer.error || t('pay_failed');
  });

  footer.append(cancel, invoice.flexible ? continueButton : payButton);
  const sheet = el(
    'div',
    { className: 'sheet', role: 'dialog', 'aria-label': t('sheet_title') },
    el('div', { className: 'sheet-head' }, el('b', {}, t('sheet_title')), el('span', { className: 'badge' }, t('sheet_test'))),
    el('div', { className: 'sheet-invoice' }, el('div', { className: 'invoice-title' }, invoice.title), el('div', { className: 'invoice-desc' }, invoice.description)),
    lines,
    el('div', { className: 'line total' }, el('span', {}, t('total')), total),
    el('div', { className: 'line card' }, el('span', {}, t('card')), el('span', {}, t('card_test'))),
    form,
    error,
    footer,
  );
  const overlay = el('div', { className: 'overlay', onclick: (event) => event.target === overlay && close() }, sheet);
  refresh();
  document.body.append(overlay);
}
