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

it('explore zh', async () => {
  const c = new TestChat(h, 6001, { languageCode: 'zh-hans' });
  await c.text('/start src_campaign42'); show(c, 'start');
  await c.tap('浏览车型'); show(c, 'browse');
  await c.tap('Model S'); show(c, 'card');
  await c.tap('选配'); show(c, 'trim');
  await c.tap('Plaid'); show(c, 'paint');
  await c.tap('‹'); show(c, 'back->trim');
  await c.tap('Plaid'); show(c, 'paint');
  await c.tap('深海蓝'); show(c, 'wheels');
  await c.tap('21'); show(c, 'interior');
  await c.tap('奶油'); show(c, 'summary');
  await c.tap('立即下单'); show(c, 'name');
  await c.text('张伟'); show(c, 'phone');
  await c.contact('8613800138000'); show(c, 'city');
  await c.tap('北京');
  for (const m of c.messages().slice(-3)) console.log('MSG', m.method, m.text, JSON.stringify(m.buttons));
  console.log(JSON.stringify(h.api.callsTo('sendInvoice').at(-1)?.params));
  const p = await c.pay(); console.log(p.approved); show(c, 'paid');
  await c.tap('预约交付'); show(c, 'delivery');
  await c.tap('到交付中心'); show(c, 'pickup');
  await c.press(c.screen()!.buttons[0]![0]!.data!); show(c, 'day');
  await c.press(c.screen()!.buttons[0]![0]!.data!); show(c, 'slot');
  await c.tap('我的订单'); show(c, 'x');
  await c.tap(/TJ/); show(c, 'detail');
  await c.tap('预约充电桩'); show(c, 'inst');
  await c.text('北京市朝阳区建国路 88 号 SOHO 小区 B2-123'); show(c, 'parking');
  await c.tap('小区'); show(c, 'perm');
  await c.tap('已同意'); show(c, 'day');
  await c.press(c.screen()!.buttons[0]![0]!.data!); show(c, 'slot');
  await c.press(c.screen()!.buttons[0]![0]!.data!); show(c, 'booked');
  await c.tap('查看订单'); show(c, 'detail');
  await c.tap('交付改期'); show(c, 'resched');
  await c.press(c.screen()!.buttons[0]![1]!.data!); show(c, 'slot');
  await c.press(c.screen()!.buttons[1]![0]!.data!); show(c, 'booked');
  await c.tap('查看订单'); show(c, 'detail');
  await c.tap('取消安装'); show(c, 'confirm');
  await c.tap('确定取消预约'); show(c, 'detail');
  await c.tap('取消订单'); show(c, 'confirm');
  await c.tap('确定取消'); show(c, 'detail');
  console.log(c.toasts());
  await c.text('/language'); show(c, 'lang');
  await c.tap('English'); show(c, 'after');
  console.log(JSON.stringify(h.api.callsTo('setMyCommands').map(c=>c.params)));
});
