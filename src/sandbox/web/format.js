// Telegram's HTML formatting (https://core.telegram.org/bots/api#html-style), rendered safely: the
// text is parsed inertly, and only the tags Telegram allows are rebuilt; everything else is text.
const TAGS = {
  b: 'b',
  strong: 'b',
  i: 'i',
  em: 'i',
  u: 'u',
  ins: 'u',
  s: 's',
  strike: 's',
  del: 's',
  code: 'code',
  pre: 'pre',
  blockquote: 'blockquote',
  'tg-spoiler': 'span',
  span: 'span',
  a: 'a',
};

function rebuild(node, out, onLink) {
  for (const child of node.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) {
      out.append(child.textContent);
      continue;
    }
    if (child.nodeType !== Node.ELEMENT_NODE) continue;
    const name = child.tagName.toLowerCase();
    const tag = TAGS[name];
    if (!tag) {
      rebuild(child, out, onLink);
      continue;
    }
    const element = document.createElement(tag);
    if (name === 'tg-spoiler' || (name === 'span' && child.classList.contains('tg-spoiler'))) {
      element.className = 'spoiler';
      element.addEventListener('click', () => element.classList.add('shown'));
    }
    if (name === 'a') {
      const href = child.getAttribute('href') ?? '';
      if (/^(https?:|tg:)/i.test(href)) {
        element.href = href;
        element.addEventListener('click', (event) => {
          event.preventDefault();
          onLink(href);
        });
      }
    }
    rebuild(child, element, onLink);
    out.append(element);
  }
}

/** Appends the message text to `target`: Telegram HTML when parseMode is HTML, plain text otherwise. */
export function renderText(target, text, parseMode, onLink) {
  if (parseMode !== 'HTML') {
    target.append(text);
    return;
  }
  const doc = new DOMParser().parseFromString(`<body>${text}</body>`, 'text/html');
  rebuild(doc.body, target, onLink);
}

/** A short one-line preview for the chat list. */
export function previewOf(message) {
  if (!message) return '';
  const raw = message.text ?? message.caption ?? '';
  const plain = message.parseMode === 'HTML' ? (new DOMParser().parseFromString(raw, 'text/html').body.textContent ?? '') : raw;
  if (plain) return plain.split('\n')[0];
  if (message.invoice) return `🧾 ${message.invoice.title}`;
  if (message.photo) return '🖼';
  if (message.contact) return `📞 ${message.contact.phone}`;
  return '';
}

/** Builds an element: el('div', { className: 'x', onclick }, child, 'text'). */
export function el(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key in element) element[key] = value;
    else element.setAttribute(key, value);
  }
  element.append(...children.filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}
