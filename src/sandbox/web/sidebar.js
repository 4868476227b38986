// The left column: who you are (staff in one click, customers, a new customer, "block the bot"),
// then your chats: the bot, and for staff the support forum with its topics.
import { el, previewOf } from './format.js';
import { t, time } from './i18n.js';

const ROLE_ICONS = { admin: '🛡', agent: '🎧', marketer: '📣', ops: '🔧', manager: '📊', customer: '🙂' };

export function renderPersonas(state, actions) {
  const staff = state.personas.filter((p) => p.role !== 'customer');
  const customers = state.personas.filter((p) => p.role === 'customer');
  const me = state.persona;
  const chip = (p) =>
    el(
      'button',
      { className: `chip${p.id === me.id ? ' active' : ''}`, title: p.name, dataset: { persona: String(p.id), role: p.role }, onclick: () => actions.switchTo(p.id) },
      `${ROLE_ICONS[p.role]} ${p.role === 'customer' ? p.name : t(`role_${p.role}`)}`,
    );
  const name = el('input', { name: 'name', placeholder: t('name'), maxLength: 64, required: true });
  const language = el('select', { name: 'language' }, el('option', { value: 'zh-CN' }, '简体中文'), el('option', { value: 'en' }, 'English'));
  const form = el(
    'form',
    {
      className: 'new-customer',
      onsubmit: (event) => {
        event.preventDefault();
        if (name.value.trim()) actions.createCustomer(name.value.trim(), language.value);
      },
    },
    name,
    language,
    el('button', { type: 'submit' }, t('create')),
  );
  const block =
    me.role === 'customer'
      ? el(
          'label',
          { className: 'toggle' },
          el('input', { type: 'checkbox', name: 'blocked', checked: me.blocked, onchange: (event) => actions.setBlocked(event.target.checked) }),
          el('span', {}, t('block_bot')),
        )
      : null;
  return el(
    'section',
    { className: 'personas' },
    el('div', { className: 'label' }, t('staff')),
    el('div', { className: 'chips' }, ...staff.map(chip)),
    el('div', { className: 'label' }, t('customers')),
    el('div', { className: 'chips' }, ...customers.map(chip)),
    el('details', {}, el('summary', {}, `＋ ${t('new_customer')}`), form),
    block,
  );
}

export function renderChats(state, actions) {
  const items = [];
  for (const chat of state.chats) {
    const active = state.chat?.id === chat.id && (chat.kind !== 'forum' || state.thread === undefined);
    const avatar = el('div', { className: `avatar ${chat.kind}` }, chat.kind === 'forum' ? '💬' : 'T');
    const subtitle = chat.kind === 'forum' ? t('members', { count: chat.topics.length }) : previewOf(chat.last);
    items.push(
      el(
        'button',
        { className: `chat-item${active ? ' active' : ''}`, dataset: { chat: String(chat.id) }, onclick: () => actions.openChat(chat.id) },
        avatar,
        el(
          'div',
          { className: 'chat-text' },
          el('div', { className: 'chat-title' }, chat.title, chat.kind === 'bot' ? el('span', { className: 'bot-tag' }, t('bot')) : null),
          el('div', { className: 'chat-preview' }, subtitle),
        ),
        chat.last ? el('span', { className: 'chat-time' }, time(chat.last.date)) : null,
      ),
    );
    if (chat.kind === 'forum' && state.chat?.id === chat.id) {
      for (const topic of chat.topics) {
        items.push(
          el(
            'button',
            {
              className: `topic-item${state.thread === topic.threadId ? ' active' : ''}`,
              dataset: { thread: String(topic.threadId) },
              onclick: () => actions.openChat(chat.id, topic.threadId),
            },
            el('span', { className: 'topic-icon', style: `background:#${topic.iconColor.toString(16).padStart(6, '0')}` }, '#'),
            el(
              'div',
              { className: 'chat-text' },
              el('div', { className: 'chat-title' }, topic.name, topic.closed ? ' 🔒' : ''),
              el('div', { className: 'chat-preview' }, previewOf(topic.last)),
            ),
          ),
        );
      }
    }
  }
  return el('nav', { className: 'chats', 'aria-label': t('chats') }, ...items);
}
