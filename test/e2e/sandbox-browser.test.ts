/**
 * The sandbox page in a real browser (Debian's chromium, driven by playwright-core): what a
 * newcomer does on http://localhost:3000. Screenshots land in test-results/sandbox-*.png.
 * .ci/run installs chromium when it is missing.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStoreFile, storeRows } from '../../src/domain/store/data.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';
import { waitFor } from '../support/wait.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = 'test-results';

let sandbox: TestSandbox;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install it with apt-get install -y chromium fonts-noto-cjk (.ci/run does)`);
  mkdirSync(SHOTS, { recursive: true });
  sandbox = await startTestSandbox();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
});
afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
});

async function open(locale: 'zh-CN' | 'en'): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(sandbox.url);
  await page.waitForSelector('body[data-ready=true]');
  expect(errors).toEqual([]);
  return page;
}

const as = async (page: Page, personaId: number) => {
  await page.click(`.chip[data-persona="${personaId}"]`);
  await page.waitForSelector(`.chip.active[data-persona="${personaId}"]`);
};
const say = async (page: Page, text: string) => {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
};
/** Presses the newest button with this label (older messages may carry the same one). */
const tap = async (page: Page, label: string | RegExp) => {
  const button = page.locator('.kb-btn', { hasText: label }).last();
  await button.waitFor();
  await button.click();
};
const post = (path: string, body: unknown) => fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const messagesOf = async (persona: number): Promise<any[]> =>
  ((await (await fetch(`${sandbox.url}/api/messages?persona=${persona}&chat=${persona}`)).json()) as { messages: any[] }).messages;
const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/sandbox-${name}.png` });

describe('the sandbox page in a browser', { timeout: 90_000 }, () => {
  it('a zh-CN customer browses, configures a Model Y and pays the ¥1,000 deposit in the sheet', async () => {
    const page = await open('zh-CN');
    await as(page, 920000001);
    await expect.poll(() => page.textContent('#send')).toBe('发送');
    await say(page, '/start');
    await tap(page, '好的');
    await tap(page, '浏览车型');
    // "Model Y ·", not "Model Y L ·" (the six-seater is listed after it).
    await tap(page, /^Model Y ·/);
    // The model's picture (the PNG the bot uploaded), with its caption.
    await page.locator('.bubble img.photo').last().waitFor();
    await tap(page, '选配并下单');
    for (const label of ['后轮驱动版', '珍珠白', '19 英寸', '黑色高级内饰', '立即下单', '使用“李雷”']) await tap(page, label);
    page.once('dialog', (dialog) => void dialog.accept());
    // The reply keyboard: share my number (first), then its own Back row.
    await page.locator('.reply-kb .kb-btn').first().click();
    await tap(page, '上海');
    // The confirmation screen with the deposit terms: nothing is written before this press.
    await tap(page, '同意并支付');
    await page.locator('button.pay').last().click();
    const sheet = page.locator('.sheet');
    await expect.poll(() => sheet.textContent()).toContain('¥1,000.00');
    await shot(page, 'deposit-sheet');
    await sheet.locator('button.primary').click();
    await sheet.waitFor({ state: 'detached' });
    await page.locator('.service', { hasText: '¥1,000.00' }).waitFor();
    await page.locator('.bubble', { hasText: '已收到订单' }).waitFor();
    await expect.poll(() => page.locator('button.pay').last().textContent()).toContain('已支付');
    await shot(page, 'deposit-paid-zh');
    const [order] = await sandbox.db.sql`select state from orders where customer_id = (select id from customers where telegram_id = 920000001)`;
    expect(order?.state).toBe('deposit_paid');
  });

  it('an agent claims the conversation in the forum and the customer sees the reply', async () => {
    const page = await open('en');
    await as(page, 920000002);
    await say(page, '/support');
    await page.locator('.bubble', { hasText: 'connected' }).waitFor();
    await say(page, 'Is a white Model Y available this month?');
    await page.click('.chip[data-role="agent"]');
    await page.click('.chat-item[data-chat="-1002000000001"]');
    await page.locator('.topic-item', { hasText: 'Alice' }).click();
    await page.locator('.bubble', { hasText: 'white Model Y' }).waitFor();
    await tap(page, /✋/);
    await page.locator('.bubble', { hasText: 'Chen Jing' }).last().waitFor();
    await say(page, 'Yes, we have two in Shanghai. Shall I reserve one?');
    await page.locator('.bubble.out', { hasText: 'reserve one' }).waitFor();
    await shot(page, 'forum-agent');
    await as(page, 920000002);
    await page.locator('.bubble', { hasText: 'reserve one' }).waitFor();
    await shot(page, 'forum-customer');
  });

  it('an English customer buys a Wall Connector (address and shipping in the sheet) and books its installation', async () => {
    const page = await open('en');
    await page.fill('.new-customer input[name=name]', 'Emma Watson').catch(async () => {
      await page.click('.personas summary');
      await page.fill('.new-customer input[name=name]', 'Emma Watson');
    });
    await page.selectOption('.new-customer select', 'en');
    await page.click('.new-customer button');
    await page.waitForSelector('.chip.active', { state: 'attached' });
    await expect.poll(() => page.textContent('.chip.active')).toContain('Emma');
    await say(page, '/start');
    await tap(page, 'Yes');
    await say(page, '/store');
    await tap(page, 'Charging');
    await tap(page, 'Wall Connector');
    await tap(page, 'Add to cart');
    await tap(page, 'Cart (1)');
    await tap(page, 'Checkout');
    await page.locator('button.pay').last().click();
    const sheet = page.locator('.sheet');
    await sheet.locator('input[name=city]').waitFor();
    await sheet.locator('button.primary', { hasText: 'Continue' }).click();
    await sheet.locator('input[value=express]').check();
    await expect.poll(() => sheet.locator('.sheet-total').textContent()).toBe('¥3,030.00');
    await shot(page, 'store-sheet');
    await sheet.locator('button.primary', { hasText: 'Pay' }).click();
    await sheet.waitFor({ state: 'detached' });
    await page.locator('.bubble', { hasText: 'Payment received' }).waitFor();
    await tap(page, 'Book installation');
    await tap(page, 'Shanghai');
    // Eligibility first (where the car is parked, the property management's consent), then the address.
    await page.locator('.bubble', { hasText: 'Where do you park at home?' }).waitFor();
    await tap(page, 'Private garage');
    await page.locator('.bubble', { hasText: 'Has your property management agreed' }).waitFor();
    await tap(page, 'Yes');
    await page.locator('.bubble', { hasText: 'Please type the installation address' }).waitFor();
    await say(page, 'Lane 88 Green Court, building 3, parking space B2-117');
    await page.locator('.bubble', { hasText: 'Choose an installation day' }).waitFor();
    await page.locator('.keyboard').last().locator('.kb-btn').first().click();
    await page.locator('.bubble', { hasText: 'choose a time' }).waitFor();
    await page.locator('.keyboard').last().locator('.kb-btn', { hasText: 'left' }).first().click();
    await page.locator('.bubble', { hasText: 'Booked for order' }).waitFor();
    await shot(page, 'store-installation-en');
  });

  it('a marketer composes a campaign for three customers and watches its progress update live', async () => {
    for (const name of ['Wang Fang', 'Zhou Min', 'Sun Li']) {
      const res = await fetch(`${sandbox.url}/api/personas`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, language: 'zh-CN' }),
      });
      const persona = (await res.json()) as { id: number };
      await post('/api/send', { persona: persona.id, text: '/start' });
      const consent = await waitFor('the consent question', async () =>
        (await messagesOf(persona.id)).find((m: any) => (m.inlineKeyboard ?? []).flat().some((b: any) => b.callback_data === 'consent:yes')),
      );
      await post('/api/callback', { persona: persona.id, chat: persona.id, message: consent.id, data: 'consent:yes' });
    }
    const page = await open('zh-CN');
    await page.click('.chip[data-role="marketer"]');
    await page.click('#menu-button');
    await page.locator('.command', { hasText: '/campaign' }).first().click();
    await tap(page, '中文');
    await say(page, '双十二特惠：家用充电桩安装立减 500 元');
    await tap(page, '不加按钮');
    await tap(page, '跳过');
    // Audience: Chinese-speaking customers (the language button cycles through the choices).
    await tap(page, '语言');
    await page.locator('.bubble', { hasText: '语言：中文' }).waitFor();
    await tap(page, '下一步');
    await tap(page, '立即发送');
    await tap(page, '确认');
    // The progress message is edited in place until the campaign is done.
    const progress = page.locator('.bubble', { hasText: '活动 #' }).last();
    await expect.poll(() => progress.textContent(), { timeout: 20_000 }).toContain('100%');
    expect(await progress.textContent()).toMatch(/已发送 [3-9]/);
    await shot(page, 'campaign-progress');
  });

  it('a customer who blocks the bot: the page says so, the bot marks them blocked, the topic says so', async () => {
    const page = await open('en');
    await as(page, 920000002);
    await page.check('input[name=blocked]');
    await page.locator('#blocked-note').waitFor();
    await waitFor('the customer marked blocked', async () => (await sandbox.db.sql`select blocked from customers where telegram_id = 920000002`)[0]?.blocked === true);
    await say(page, 'hello?');
    await page.locator('.toast', { hasText: 'You blocked the bot' }).waitFor();
    // Her support conversation (opened by the agent test above) says so in its topic.
    await page.click('.chip[data-role="agent"]');
    await page.click('.chat-item[data-chat="-1002000000001"]');
    await page.locator('.topic-item', { hasText: 'Alice' }).click();
    await page.locator('.bubble', { hasText: '🚫' }).first().waitFor();
    await shot(page, 'blocked-topic');
    await as(page, 920000002);
    await page.uncheck('input[name=blocked]');
  });

  it('bad input on the page: an empty message is not sent, 5,000 characters are refused', async () => {
    const page = await open('en');
    await as(page, 920000001);
    const before = await page.locator('.bubble').count();
    await say(page, '   ');
    await say(page, 'x'.repeat(5000));
    await page.locator('.toast', { hasText: '4,096 characters' }).waitFor();
    expect(await page.locator('.bubble').count()).toBe(before);
  });

  it('Reset sandbox: asks first, then every open page shows empty chats', async () => {
    const page = await open('en');
    await as(page, 920000001);
    await page.locator('.bubble').first().waitFor();
    // Another page, an agent looking at the forum: it redraws too.
    const agent = await open('zh-CN');
    await agent.click('.chip[data-role="agent"]');
    await agent.click('.chat-item[data-chat="-1002000000001"]');
    await agent.locator('.topic-item').first().waitFor();
    // The Wall Connector bought above took stock and an installation slot.
    const booked = async () => (await sandbox.db.sql`select coalesce(sum(booked), 0)::int as n from slots`)[0]?.n;
    const stock = async () => Object.fromEntries((await sandbox.db.sql`select id, stock from store_variants`).map((r) => [r.id, r.stock]));
    const seeded = Object.fromEntries(storeRows(readStoreFile()).flatMap((p) => p.variants.map((v) => [v.id, v.stock])));
    expect(await booked()).toBeGreaterThan(0);
    expect(await stock()).not.toEqual(seeded);
    const reset = page.locator('#reset');
    expect(await reset.textContent()).toBe('Reset sandbox');
    expect(await agent.locator('#reset').textContent()).toBe('重置沙盒');
    // Cancelled: nothing happens.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await reset.click();
    await expect.poll(() => page.locator('.bubble').count()).toBeGreaterThan(0);
    let asked = '';
    page.once('dialog', (dialog) => {
      asked = dialog.message();
      void dialog.accept();
    });
    await reset.click();
    await page.locator('.toast', { hasText: 'The sandbox was reset' }).waitFor();
    expect(asked).toContain('Reset the sandbox?');
    await expect.poll(() => page.locator('.bubble').count()).toBe(0);
    await page.locator('.messages .empty', { hasText: 'No messages yet' }).waitFor();
    expect(await page.locator('.chat-item .chat-preview').allTextContents()).toEqual(['']);
    expect(await page.locator('.chat-item .chat-time').count()).toBe(0);
    // Customers created on the page are gone; the agent's forum has no topic left.
    expect(await page.locator('.chip', { hasText: 'Emma' }).count()).toBe(0);
    await expect.poll(() => agent.locator('.topic-item').count()).toBe(0);
    await shot(page, 'reset');
    expect((await sandbox.db.sql`select count(*)::int as n from orders`)[0]?.n).toBe(0);
    // No booking left, so no slot taken; no order left, so the shelves are as data/store.json stocks them.
    expect(await booked()).toBe(0);
    expect(await stock()).toEqual(seeded);
  });
});
