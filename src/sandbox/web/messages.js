// One chat's messages as Telegram draws them: bubbles, photos with captions, invoices, inline
// keyboards, service lines, "edited" marks.
import { el, renderText } from './format.js';
import { money, t, time } from './i18n.js';

/**
 * @param {object} message  a ViewMessage from /api/messages
 * @param {object} ctx      { me, botName, showNames, onButton(message, button), onPay(message), onLink(url) }
 */
export function renderMessage(message, ctx) {
  if (message.service) {
    const params = { ...message.service.params, bot: ctx.botName };
    if (params.amount !== undefined) params.amount = money(Number(params.amount), String(params.currency || 'CNY'));
    return el('div', { className: 'service' }, el('span', {}, t(`${message.service.key}_service`, params)));
  }
  const mine = message.from.id === ctx.me.id;
  const bubble = el('div', { className: `bubble ${mine ? 'out' : 'in'}${message.photo ? ' has-photo' : ''}`, dataset: { id: String(message.id) } });
  if (ctx.showNames && !mine) bubble.append(el('div', { className: 'sender' }, message.from.name));
  if (message.photo) bubble.append(el('img', { className: 'photo', src: message.photo, alt: '' }));
  if (message.invoice) bubble.append(invoiceCard(message, ctx));
  const body = message.text ?? message.caption;
  if (body !== undefined) {
    const text = el('div', { className: 'text' });
    renderText(text, body, message.parseMode, ctx.onLink);
    bubble.append(text);
  }
  if (message.contact)
    bubble.append(
      el('div', { className: 'contact' }, el('span', { className: 'contact-icon' }, '👤'), el('div', {}, el('b', {}, message.contact.name), el('div', {}, message.contact.phone))),
    );
  bubble.append(el('span', { className: 'meta' }, message.edited ? `${t('edited')} ` : '', time(message.date)));
  const row = el('div', { className: `row ${mine ? 'out' : 'in'}` }, bubble);
  const keyboard = inlineKeyboard(message, ctx);
  return keyboard ? el('div', { className: 'group' }, row, keyboard) : row;
}

function invoiceCard(message, ctx) {
  const invoice = message.invoice;
  const card = el(
    'div',
    { className: 'invoice' },
    el('div', { className: 'invoice-title' }, invoice.title),
    el('div', { className: 'invoice-desc' }, invoice.description),
    el('div', { className: 'invoice-total' }, money(invoice.total, invoice.currency), ' ', el('span', { className: 'invoice-tag' }, t('invoice'))),
  );
  // Telegram puts a Pay button under an invoice sent without a keyboard of its own.
  if (!message.inlineKeyboard) {
    const label = invoice.paid ? `✓ ${t('paid')}` : t('pay', { amount: money(invoice.total, invoice.currency) });
    card.append(el('button', { className: 'pay', disabled: invoice.paid, onclick: () => ctx.onPay(message) }, label));
  }
  return card;
}

function inlineKeyboard(message, ctx) {
  if (!message.inlineKeyboard?.length) return null;
  const rows = message.inlineKeyboard.map((row) =>
    el(
      'div',
      { className: 'kb-row' },
      ...row.map((button) => {
        const kind = button.url ? 'url' : button.pay ? 'pay' : 'callback';
        return el(
          'button',
          { className: `kb-btn ${kind}`, onclick: () => (kind === 'pay' ? ctx.onPay(message) : ctx.onButton(message, button)) },
          button.text,
          kind === 'url' ? el('span', { className: 'arrow' }, ' ↗') : null,
        );
      }),
    ),
  );
  return el('div', { className: 'keyboard' }, ...rows);
}

/** The reply keyboard under the composer; request_contact buttons share the person's phone. */
export function renderReplyKeyboard(markup, onText, onContact) {
  if (!markup?.keyboard) return null;
  return el(
    'div',
    { className: 'reply-kb' },
    ...markup.keyboard.map((row) =>
      el(
        'div',
        { className: 'kb-row' },
        ...row.map((button) => {
          const text = typeof button === 'string' ? button : button.text;
          const contact = typeof button === 'object' && button.request_contact;
          return el('button', { className: 'kb-btn reply', onclick: () => (contact ? onContact() : onText(text)) }, contact ? `📞 ${text}` : text);
        }),
      ),
    ),
  );
}
