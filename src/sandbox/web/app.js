// The sandbox page: a Telegram-like client for every persona, kept live by the server's events.
import { get, listen, post } from './api.js';
import { el } from './format.js';
import { errorText, lang, setLang, t } from './i18n.js';
import { renderMessage, renderReplyKeyboard } from './messages.js';
import { openPaySheet } from './pay.js';
import { wireReports } from './reports.js';
import { renderChats, renderPersonas } from './sidebar.js';

const state = { bot: null, group: null, personas: [], persona: null, chats: [], chat: null, thread: undefined, view: null };
const $ = (id) => document.getElementById(id);

async function loadState() {
  const s = await get('/api/state');
  Object.assign(state, { bot: s.bot, group: s.group, personas: s.personas });
  const wanted = Number(localStorage.getItem('sandbox.persona'));
  state.persona = s.personas.find((p) => p.id === (state.persona?.id ?? wanted)) ?? s.personas.find((p) => p.role === 'customer');
}

async function loadChats() {
  state.chats = (await get('/api/chats', { persona: state.persona.id })).chats;
  if (!state.chat || !state.chats.some((c) => c.id === state.chat.id)) [state.chat, state.thread] = [state.chats[0], undefined];
  else state.chat = state.chats.find((c) => c.id === state.chat.id);
}

async function loadMessages() {
  state.view = await get('/api/messages', { persona: state.persona.id, chat: state.chat.id, thread: state.thread });
}

function renderSidebar() {
  $('personas').replaceWith(Object.assign(renderPersonas(state, actions), { id: 'personas' }));
  $('chats').replaceWith(Object.assign(renderChats(state, actions), { id: 'chats' }));
}

function renderChat() {
  const { chat, view, persona } = state;
  const forum = chat.kind === 'forum';
  const topic = view.topic;
  $('chat-title').textContent = forum ? (topic?.name ?? chat.title) : chat.title;
  $('chat-subtitle').textContent = forum ? (topic?.closed ? `🔒 ${t('topic_closed')}` : chat.title) : `@${state.bot.username}`;
  $('deep-link').hidden = forum;
  const ctx = { me: persona, botName: state.bot.name, showNames: forum, onButton: press, onPay: pay, onLink: openLink };
  const list = $('messages');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  list.replaceChildren(
    ...(view.messages.length ? view.messages.map((m) => renderMessage(m, ctx)) : [el('div', { className: 'empty' }, forum && !topic ? t('pick_chat') : t('no_messages'))]),
  );
  if (atBottom || state.scrollDown) list.scrollTop = list.scrollHeight;
  state.scrollDown = false;
  const keyboard = renderReplyKeyboard(view.keyboard, sendText, shareContact);
  $('reply-kb').replaceChildren(...(keyboard ? [keyboard] : []));
  $('blocked-note').hidden = !persona.blocked || forum;
  $('composer').hidden = forum && !topic;
  $('menu-button').hidden = forum || view.commands.length === 0;
}

async function refresh({ chats = true } = {}) {
  if (chats) await loadChats();
  await loadMessages();
  renderSidebar();
  renderChat();
}

function toast(text, alert = false) {
  const node = el('div', { className: `toast${alert ? ' alert' : ''}`, role: 'status' }, text);
  $('toasts').append(node);
  setTimeout(() => node.remove(), alert ? 6000 : 3000);
}

const fail = (err) => toast(errorText(err.message), true);

async function sendText(text) {
  state.scrollDown = true;
  await post('/api/send', { persona: state.persona.id, text, thread: state.chat.kind === 'forum' ? state.thread : undefined }).catch(fail);
}

async function shareContact() {
  if (!confirm(t('share_contact', { phone: state.persona.phone }))) return;
  await post('/api/contact', { persona: state.persona.id }).catch(fail);
}

async function press(message, button) {
  if (button.url) return openLink(button.url);
  await post('/api/callback', { persona: state.persona.id, chat: message.chatId, message: message.id, data: button.callback_data }).catch(fail);
}

function pay(message) {
  if (message.invoice?.paid) return;
  openPaySheet(message, state.persona, post);
}

/** t.me links to the bot are deep links (/start payload); other links open in a new tab. */
function openLink(url) {
  const deep = new RegExp(`^https?://t\\.me/${state.bot.username}\\?start=([\\w-]{1,64})$`, 'i').exec(url);
  if (deep) return sendText(`/start ${deep[1]}`);
  if (confirm(t('open_link', { url }))) window.open(url, '_blank', 'noopener');
}

const actions = {
  async switchTo(id) {
    state.persona = state.personas.find((p) => p.id === id);
    localStorage.setItem('sandbox.persona', String(id));
    state.chat = null;
    state.scrollDown = true;
    await refresh().catch(fail);
  },
  async createCustomer(name, language) {
    const persona = await post('/api/personas', { name, language }).catch(fail);
    if (!persona) return;
    await loadState();
    await actions.switchTo(persona.id);
  },
  async setBlocked(blocked) {
    await post(`/api/personas/${state.persona.id}/block`, { blocked }).catch(fail);
  },
  async openChat(id, thread) {
    state.chat = state.chats.find((c) => c.id === id);
    state.thread = thread;
    state.scrollDown = true;
    await refresh({ chats: false }).catch(fail);
  },
};

function renderStatic() {
  document.title = t('title');
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
  for (const node of document.querySelectorAll('[data-t-placeholder]')) node.placeholder = t(node.dataset.tPlaceholder);
  $('ui-lang').textContent = t('ui_language');
}

function wire() {
  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $('text');
    const text = input.value;
    if (!text.trim()) return;
    input.value = '';
    void sendText(text);
  });
  // Enter sends, Shift+Enter starts a new line, as in Telegram Desktop.
  $('text').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $('composer').requestSubmit();
    }
  });
  $('menu-button').addEventListener('click', () => {
    const menu = $('command-menu');
    menu.hidden = !menu.hidden;
    menu.replaceChildren(
      ...state.view.commands.map((c) =>
        el(
          'button',
          {
            className: 'command',
            type: 'button',
            onclick: () => {
              menu.hidden = true;
              void sendText(`/${c.command}`);
            },
          },
          el('b', {}, `/${c.command}`),
          el('span', {}, c.description),
        ),
      ),
    );
  });
  $('deep-link').addEventListener('click', () => {
    const payload = prompt(t('deep_link_prompt'), 'ad_spring');
    if (payload && /^[\w-]{1,64}$/.test(payload)) void sendText(`/start ${payload}`);
  });
  $('reset').addEventListener('click', async () => {
    if (!confirm(t('reset_confirm'))) return;
    const button = $('reset');
    button.disabled = true;
    // Every open page, this one included, redraws itself on the server's `reset` event.
    await post('/api/reset', { confirm: true })
      .then(() => toast(t('reset_done')))
      .catch(fail)
      .finally(() => (button.disabled = false));
  });
  $('ui-lang').addEventListener('click', () => {
    setLang(lang === 'en' ? 'zh-CN' : 'en');
    renderStatic();
    void refresh({ chats: false });
  });
}

let pending = null;
function onChange(event) {
  if (event.type === 'personas') {
    void loadState().then(() => refresh());
    return;
  }
  // Several changes in a burst are drawn once.
  pending ??= setTimeout(() => {
    pending = null;
    void refresh().catch(fail);
  }, 50);
}

/** The sandbox was reset: the people are those it started with, every chat is empty. */
async function onReset() {
  clearTimeout(pending);
  pending = null;
  state.chat = null;
  state.thread = undefined;
  await loadState();
  await refresh();
}

async function main() {
  renderStatic();
  wire();
  wireReports();
  await loadState();
  await refresh();
  const deep = /^#start=([\w-]{1,64})$/.exec(location.hash);
  if (deep) void sendText(`/start ${deep[1]}`);
  listen(
    onChange,
    (event) => event.personaId === state.persona.id && toast(event.text, event.alert),
    () => void onReset().catch(fail),
  );
  document.body.dataset.ready = 'true';
}

main().catch(fail);
