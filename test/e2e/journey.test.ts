import { afterAll, beforeAll, it } from 'vitest';
import { TestChat } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

const show = (c: TestChat, label: string) => {
  const s = c.screen();
  console.log(`== ${label} [${c.messages().at(-1)?.method}] photo=${c.messages().at(-1)?.photo}\n${c.lastText()}\n  buttons: ${JSON.stringify(s?.buttons.map(r=>r.map(b=>`${b.text}=${b.data}`)))}`);
};

it('explore en', async () => {
  const c = new TestChat(h, 6002, { languageCode: 'en' });
  await c.text('/start src_campaign42'); show(c, 'start');
  await c.tap('Browse models');
  await c.tap('Model Y'); show(c, 'card');
  await c.tap('Configure'); show(c, 'trim');
  await c.tap('Long Range'); show(c, 'paint');
  await c.tap('Ultra Red'); show(c, 'wheels');
  await c.tap('‹ Back'); show(c, 'back->paint');
  await c.tap('Ultra Red'); show(c, 'wheels');
  await c.tap('20"'); show(c, 'interior');
  await c.tap('‹ Back'); show(c, 'back->wheels');
  await c.tap('20"'); show(c, 'interior');
  await c.tap('Black and white'); show(c, 'summary');
  await c.tap('Change interior'); show(c, 'change');
  await c.tap('Black and white'); show(c, 'summary');
  await c.tap('Order'); show(c, 'name');
  await c.tap('‹ Back'); show(c, 'back from name');
  await c.tap('Order'); show(c, 'name');
  await c.sticker(); show(c, 'sticker at name');
  await c.text('Zhang Wei'); show(c, 'phone');
  await c.text('12345'); show(c, 'bad phone');
  await c.text('138 0013 8000'); show(c, 'city');
  await c.tap('Shanghai');
  for (const m of c.messages().slice(-3)) console.log('MSG', m.method, m.text, JSON.stringify(m.buttons));
  const p = await c.pay(); console.log(p.approved, JSON.stringify(p.answer?.params)); show(c, 'paid');
  await c.tap('Book charger'); show(c, 'inst');
  await c.text('Flat 12, 88 Century Ave, Pudong, Shanghai'); show(c, 'parking');
  await c.tap('No fixed'); show(c, 'none');
  await c.tap('‹ Back'); show(c, 'back');
  await c.tap('Book charger'); show(c, 'inst2');
  await c.text('Flat 12, 88 Century Ave, Pudong, Shanghai'); show(c, 'parking');
  await c.tap('Private garage'); show(c, 'perm');
  await c.tap('Not yet'); show(c, 'noperm');
  await c.tap('‹ Back'); show(c, 'back');
  await c.tap('Book delivery'); show(c, 'deliv');
  await c.tap('Home'); show(c, 'addr');
  await c.text('Room 1801, 100 Century Ave, Pudong, Shanghai'); show(c, 'day');
  await c.press(c.screen()!.buttons[0]![0]!.data!); show(c, 'slot');
  await c.press(c.screen()!.buttons[0]![0]!.data!); show(c, 'booked');
  await c.tap('View order'); show(c, 'detail');
  await c.text('/start'); show(c, 'menu');
  await c.tap('中文'); show(c, 'menu zh');
  console.log(c.toasts());
});
