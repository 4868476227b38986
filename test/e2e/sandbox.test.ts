/**
 * The sandbox (npm run sandbox) through its HTTP API and event stream: the real app, Postgres and
 * Redis behind the Bot API emulator, driven the way the page drives it.
 */
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { rootPath } from '../../src/shared/paths.js';
import { KEPT_TABLES, RESET_TABLES } from '../../src/sandbox/reset.js';
import { looksLikeRealToken, SandboxRefused, startSandbox } from '../../src/sandbox/start.js';
import { nextEvent, startTestSandbox, type TestSandbox } from '../support/sandbox.js';
import { waitFor } from '../support/wait.js';

const ZH = 920000001;
const EN = 920000002;
const AGENT = 910000002;
const GROUP = -1002000000001;

let sandbox: TestSandbox;
let url: string;

const get = async (path: string) => {
  const res = await fetch(`${url}${path}`);
  return { status: res.status, body: (await res.json()) as any };
};
const post = async (path: string, body: unknown) => {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
};
const messages = async (persona: number, chat = persona, thread?: number) => (await get(`/api/messages?persona=${persona}&chat=${chat}${thread ? `&thread=${thread}` : ''}`)).body;
/** The latest message of the chat carrying a button with this callback data. */
const withButton = async (persona: number, data: string, chat = persona) =>
  waitFor(`a button ${data}`, async () =>
    ((await messages(persona, chat)).messages as any[]).findLast((m) => (m.inlineKeyboard ?? []).flat().some((b: any) => b.callback_data === data)),
  );
const press = async (persona: number, data: string) => {
  const message = await withButton(persona, data);
  const res = await post('/api/callback', { persona, chat: persona, message: message.id, data });
  expect(res.status).toBe(200);
};
/** Configures a Model Y and orders it, up to the deposit invoice (the customer has accepted the consent question). */
const orderUpToInvoice = async (persona: number) => {
  await post('/api/send', { persona, text: '/models' });
  for (const data of [
    'model:model-y',
    'cfg:model-y',
    'pick:trim:my-rwd',
    'pick:paint:my-paint-white',
    'pick:wheels:my-wheels-19',
    'pick:interior:my-int-black',
    'order',
    'usename',
  ])
    await press(persona, data);
  await waitFor('the contact keyboard', async () => (await messages(persona)).keyboard?.keyboard?.[0]?.[0]?.request_contact === true);
  expect((await post('/api/contact', { persona })).status).toBe(200);
  await press(persona, 'city:shanghai');
  // The confirmation screen: "同意并支付" creates the order and sends the invoice.
  await press(persona, 'ook');
  return waitFor('the invoice', async () => ((await messages(persona)).messages as any[]).findLast((m) => m.invoice && !m.invoice.paid));
};
const lastText = async (persona: number, pattern: RegExp, chat = persona, thread?: number) =>
  waitFor(`a message like ${pattern}`, async () => ((await messages(persona, chat, thread)).messages as any[]).findLast((m) => pattern.test(m.text ?? m.caption ?? '')));

beforeAll(async () => {
  sandbox = await startTestSandbox();
  url = sandbox.url;
});
afterAll(async () => {
  await sandbox?.stop();
});

describe('the sandbox', () => {
  it('binds loopback, never uses a real token, and lists staff, customers and the forum', async () => {
    const address = sandbox.server.address();
    expect(typeof address === 'object' && address?.address).toBe('127.0.0.1');
    expect(sandbox.app.deps.config.telegramApiRoot).toBe(sandbox.emulator.apiRoot);
    const { body } = await get('/api/state');
    expect(body.personas.map((p: any) => p.role)).toEqual(expect.arrayContaining(['admin', 'agent', 'marketer', 'ops', 'customer']));
    expect(body.group).toEqual({ id: GROUP, title: expect.any(String) });
    // The marketer sees their campaign commands in their own language; a customer does not.
    const marketer = body.personas.find((p: any) => p.role === 'marketer');
    expect(marketer.commands.map((c: any) => c.command)).toContain('campaign');
    expect(body.personas.find((p: any) => p.id === ZH).commands.map((c: any) => c.command)).not.toContain('campaign');
    expect(body.personas.find((p: any) => p.id === ZH).commands[0].description).toMatch(/[\u4e00-\u9fff]/);
    expect(body.personas.find((p: any) => p.id === EN).commands[0].description).toMatch(/^[A-Z]/);
    // Everyone has /cancel; the ops persona (English) has /ops in English, the customers do not.
    for (const p of body.personas) expect(p.commands.map((c: any) => c.command)).toContain('cancel');
    const ops = body.personas.find((p: any) => p.role === 'ops');
    expect(ops.commands.find((c: any) => c.command === 'ops')?.description).toBe('Operations: orders needing action');
    expect(body.personas.find((p: any) => p.id === ZH).commands.map((c: any) => c.command)).not.toContain('ops');
  });

  it('refuses to start with a real-looking BOT_TOKEN', async () => {
    expect(looksLikeRealToken('123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_')).toBe(true);
    expect(looksLikeRealToken(undefined)).toBe(false);
    await expect(startSandbox({ env: { BOT_TOKEN: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_', SANDBOX_PORT: '0' } })).rejects.toBeInstanceOf(SandboxRefused);
  });

  it('a message reaches the bot, and its answer comes back live over the event stream', async () => {
    const event = await nextEvent(
      url,
      (e) => e.event === 'change' && e.data.chatId === ZH,
      () => post('/api/send', { persona: ZH, text: '/start' }),
    );
    expect(event.data.type).toBe('chat');
    const consent = await withButton(ZH, 'consent:yes');
    expect(consent.parseMode).toBe('HTML');
    await press(ZH, 'consent:yes');
    await press(ZH, 'models');
    const models = await withButton(ZH, 'model:model-y');
    expect(models.text).toContain('<b>');
  });

  it('the deposit invoice is paid through pre_checkout_query and successful_payment', async () => {
    const invoice = await orderUpToInvoice(ZH);
    expect(invoice.invoice).toMatchObject({ currency: 'CNY', total: 100_000, paid: false });
    const paid = await post('/api/pay', { persona: ZH, message: invoice.id });
    expect(paid.body).toEqual({ ok: true });
    await waitFor(
      'the order paid',
      async () => (await sandbox.db.sql`select state from orders where customer_id = (select id from customers where telegram_id = ${ZH})`)[0]?.state === 'deposit_paid',
    );
    // The receipt: the payment line Telegram shows, then the bot's confirmation with its buttons
    // (a preferred delivery week: delivery itself is booked once the car is ready).
    expect((await messages(ZH)).messages.some((m: any) => m.service?.key === 'paid' && m.service.params.amount === 100_000)).toBe(true);
    await withButton(ZH, 'pw:1');
    // Paying twice is refused by the page's API, as Telegram's sheet would not open again.
    expect((await post('/api/pay', { persona: ZH, message: invoice.id })).body).toEqual({ error: 'already_paid' });
  });

  it('an agent claims the conversation in the forum and the customer gets the reply', async () => {
    await post('/api/send', { persona: EN, text: '/support' });
    await post('/api/send', { persona: EN, text: 'Is the Model Y in stock?' });
    const topic = await waitFor('a topic', async () => (await get(`/api/chats?persona=${AGENT}`)).body.chats.find((c: any) => c.kind === 'forum')?.topics[0]);
    expect(topic.name).toContain('Alice');
    // Customers do not see the forum.
    expect((await get(`/api/messages?persona=${EN}&chat=${GROUP}`)).status).toBe(404);
    const card = await waitFor('the profile card', async () =>
      ((await messages(AGENT, GROUP, topic.threadId)).messages as any[]).find((m) => (m.inlineKeyboard ?? []).flat().some((b: any) => b.callback_data?.startsWith('spk:'))),
    );
    const claim = card.inlineKeyboard.flat().find((b: any) => b.callback_data.startsWith('spk:'));
    expect((await post('/api/callback', { persona: AGENT, chat: GROUP, message: card.id, data: claim.callback_data })).status).toBe(200);
    await lastText(AGENT, /Chen Jing/, GROUP, topic.threadId);
    expect((await post('/api/send', { persona: AGENT, thread: topic.threadId, text: 'Yes, two in Shanghai.' })).status).toBe(200);
    await lastText(EN, /two in Shanghai/);
  });

  it('a customer who blocks the bot is unreachable, and the bot learns it', async () => {
    await post('/api/send', { persona: EN, text: '/start' });
    expect((await post(`/api/personas/${EN}/block`, { blocked: true })).status).toBe(200);
    await waitFor('the customer marked blocked', async () => (await sandbox.db.sql`select blocked from customers where telegram_id = ${EN}`)[0]?.blocked === true);
    expect((await post('/api/send', { persona: EN, text: 'hi' })).body).toEqual({ error: 'bot_blocked' });
    expect((await sandbox.app.bot!.telegram.sendMessage(EN, 'x').catch((err: { code?: number }) => err)) as { code?: number }).toMatchObject({ code: 403 });
    await post(`/api/personas/${EN}/block`, { blocked: false });
  });

  it('new customers are created from the page, in their language', async () => {
    const { body } = await post('/api/personas', { name: 'Bob Lee', language: 'en' });
    expect(body).toMatchObject({ name: 'Bob Lee', language: 'en', role: 'customer' });
    await post('/api/send', { persona: body.id, text: '/start' });
    await lastText(body.id, /Bob/);
  });

  it('refuses bad input: empty, 5,000 characters, a forged callback, broken JSON, unknown persona', async () => {
    expect(await post('/api/send', { persona: ZH, text: '   ' })).toEqual({ status: 400, body: { error: 'empty_message' } });
    expect(await post('/api/send', { persona: ZH, text: 'x'.repeat(5000) })).toEqual({ status: 400, body: { error: 'message_too_long' } });
    const any = (await messages(ZH)).messages.find((m: any) => m.inlineKeyboard);
    expect(await post('/api/callback', { persona: ZH, chat: ZH, message: any.id, data: 'ops:refund:1' })).toEqual({ status: 400, body: { error: 'no_such_button' } });
    // Someone else's chat is not reachable either.
    expect((await post('/api/callback', { persona: EN, chat: ZH, message: any.id, data: 'models' })).status).toBe(404);
    expect((await post('/api/send', '{nope')).body).toEqual({ error: 'bad_json' });
    expect((await post('/api/send', { persona: 1, text: 'hi' })).status).toBe(404);
    // A customer cannot post into the forum.
    expect((await post('/api/send', { persona: ZH, text: 'hi', thread: 1 })).status).toBe(403);
    expect((await get('/../package.json')).status).toBe(404);
  });

  it('serves the page and drawn pictures for the catalog photos', async () => {
    const page = await fetch(`${url}/`);
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    const picture = await fetch(`${url}/media?src=${encodeURIComponent('https://static.example.com/tesla-jd/model-y.jpg')}`);
    expect(picture.headers.get('content-type')).toBe('image/svg+xml');
    expect(await picture.text()).toContain('Model Y');
  });

  it("shows the pictures the bot uploads as they were sent (a model card's PNG from data/photos/)", async () => {
    await post('/api/send', { persona: EN, text: '/models' });
    await press(EN, 'model:model-x');
    const card = await waitFor('the Model X card', async () => ((await messages(EN)).messages as any[]).findLast((m) => /Model X/.test(m.caption ?? '') && m.photo));
    expect(card.photo).toMatch(/^\/media\?upload=\d+$/);
    const picture = await fetch(`${url}${card.photo as string}`);
    expect(picture.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await picture.arrayBuffer()).equals(readFileSync(rootPath('data', 'photos', 'models', 'model-x.png')))).toBe(true);
    expect((await fetch(`${url}/media?upload=99999`)).status).toBe(404);
  });
  it('the Reports panel gets the same charts and CSVs as /report: a 1200 × 800 PNG and the CSV, in the page language', async () => {
    const png = await fetch(`${url}/api/reports/funnel.png?period=7d&lang=zh-CN`);
    expect([png.status, png.headers.get('content-type')]).toEqual([200, 'image/png']);
    const image = PNG.sync.read(Buffer.from(await png.arrayBuffer()));
    expect([image.width, image.height]).toEqual([1200, 800]);
    const csv = await fetch(`${url}/api/reports/support.csv?from=2026-11-01&to=2026-11-30&lang=en`);
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="support_2026-11-01_2026-11-30.csv"');
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).toString('utf8').split('\r\n')[0]).toMatch(/^Agent,Agent id,Conversations/);
    expect((await fetch(`${url}/api/reports/secrets.png`)).status).toBe(404);
    expect((await fetch(`${url}/api/reports/funnel.png?period=forever`)).status).toBe(400);
    // The manager persona is there, with /report in their menu.
    const { body } = await get('/api/state');
    const manager = body.personas.find((p: any) => p.role === 'manager');
    expect(manager.commands.map((c: any) => c.command)).toContain('report');
  }, 120_000);

  it('refuses a reset that is not the page asking for it on this machine, and then deletes nothing', async () => {
    const raw = (path: string, headers: Record<string, string>, body = '{"confirm":true}') =>
      new Promise<{ status: number; body: any }>((resolve, reject) => {
        const req = request(`${url}${path}`, { method: 'POST', headers }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const json = { 'content-type': 'application/json' };
    expect(await post('/api/reset', {})).toEqual({ status: 400, body: { error: 'confirm_required' } });
    // Another site open in the same browser: its Origin is not the page's; a plain form cannot send JSON.
    expect(await raw('/api/reset', { ...json, origin: 'http://evil.example' })).toEqual({ status: 403, body: { error: 'cross_origin' } });
    expect(await raw('/api/send', { ...json, origin: 'http://evil.example' }, JSON.stringify({ persona: ZH, text: 'hi' }))).toEqual({
      status: 403,
      body: { error: 'cross_origin' },
    });
    expect(await raw('/api/reset', { 'content-type': 'text/plain' })).toEqual({ status: 415, body: { error: 'json_required' } });
    // Addressed by another name than loopback (a LAN address, a DNS-rebound name): refused.
    expect(await raw('/api/reset', { ...json, host: 'sandbox.example:3000' })).toEqual({ status: 403, body: { error: 'loopback_only' } });
    // A database with someone who is not a sandbox person (a real bot's): refused before anything goes.
    await sandbox.db.sql`insert into customers (telegram_id, first_name, language) values (123456789, 'Real', 'en')`;
    expect(await post('/api/reset', { confirm: true })).toEqual({ status: 409, body: { error: 'not_sandbox_data' } });
    await sandbox.db.sql`delete from customers where telegram_id = 123456789`;
    expect((await sandbox.db.sql`select count(*)::int as n from orders`)[0]?.n).toBeGreaterThan(0);
    expect((await messages(ZH)).messages.length).toBeGreaterThan(0);
  });

  it('Reset sandbox: orders, chats, topics and queued reminders go, staff and the catalog stay, and a new journey works', async () => {
    const { queues } = sandbox.app.deps;
    // An unpaid order, its deposit reminders queued, from a customer created on the page.
    const dana = (await post('/api/personas', { name: 'Dana Scully', language: 'en' })).body.id as number;
    await post('/api/send', { persona: dana, text: '/start' });
    await press(dana, 'consent:yes');
    const invoice = await orderUpToInvoice(dana);
    const [order] = await sandbox.db.sql`select o.id from orders o join customers c on c.id = o.customer_id where c.telegram_id = ${dana}`;
    const reminderId = `reminder-deposit-${order!.id}-t30m`;
    await waitFor('the deposit reminder queued', async () => (await queues.reminders.getJob(reminderId)) !== undefined);
    const schedulers = (await queues.maintenance.getJobSchedulers()).length + (await queues.store.getJobSchedulers()).length;
    expect(schedulers).toBeGreaterThan(0);
    const count = async (table: string) => (await sandbox.db.sql`select count(*)::int as n from ${sandbox.db.sql(table)}`)[0]!.n as number;
    const slots = await count('slots');
    expect(await count('support_conversations')).toBeGreaterThan(0);

    // Every open page hears of it.
    let answer: unknown;
    const event = await nextEvent(
      url,
      (e) => e.event === 'reset',
      async () => (answer = await post('/api/reset', { confirm: true })),
      15_000,
    );
    expect(event.data).toEqual({ type: 'reset' });
    expect(answer).toEqual({ status: 200, body: { ok: true } });

    for (const table of [
      'customers',
      'orders',
      'payments',
      'bookings',
      'store_orders',
      'cart_items',
      'support_conversations',
      'support_topics',
      'campaigns',
      'conversation_states',
      'job_outbox',
    ])
      expect(await count(table), table).toBe(0);
    expect(await queues.reminders.getJob(reminderId)).toBeUndefined();
    expect((await queues.maintenance.getJobSchedulers()).length + (await queues.store.getJobSchedulers()).length).toBe(schedulers);
    // Catalog, slots (none taken any more), store stock and staff stay.
    expect(await count('car_models')).toBeGreaterThan(0);
    expect(await count('slots')).toBe(slots);
    expect((await sandbox.db.sql`select coalesce(sum(booked), 0)::int as n from slots`)[0]?.n).toBe(0);
    expect((await sandbox.db.sql`select coalesce(sum(held), 0)::int as n from store_variants`)[0]?.n).toBe(0);
    expect((await sandbox.db.sql`select telegram_id from staff order by telegram_id`).map((r) => Number(r.telegram_id))).toEqual(
      expect.arrayContaining([910000001, AGENT, 910000003, 910000004]),
    );
    // The emulator's chats are empty, the forum has no topic, and the page's people are data/sandbox.json's.
    expect((await messages(ZH)).messages).toEqual([]);
    expect(sandbox.emulator.message(dana, invoice.id)).toBeUndefined();
    expect(sandbox.emulator.pendingUpdateCount).toBe(0);
    expect((await get(`/api/chats?persona=${AGENT}`)).body.chats.find((c: any) => c.kind === 'forum').topics).toEqual([]);
    const { body: state } = await get('/api/state');
    expect(state.personas.map((p: any) => p.role).sort()).toEqual(['admin', 'agent', 'customer', 'customer', 'manager', 'marketer', 'ops']);
    expect(state.personas.find((p: any) => p.role === 'marketer').commands.map((c: any) => c.command)).toContain('campaign');
    expect((await get(`/api/messages?persona=${dana}&chat=${dana}`)).status).toBe(404);

    // A journey from scratch: the consent question again, an order, its deposit paid.
    await post('/api/send', { persona: ZH, text: '/start' });
    await press(ZH, 'consent:yes');
    const fresh = await orderUpToInvoice(ZH);
    expect((await post('/api/pay', { persona: ZH, message: fresh.id })).body).toEqual({ ok: true });
    await waitFor(
      'the new order paid',
      async () => (await sandbox.db.sql`select state from orders where customer_id = (select id from customers where telegram_id = ${ZH})`)[0]?.state === 'deposit_paid',
    );
    expect(await count('orders')).toBe(1);
  }, 60_000);

  it('every table is either emptied by a reset or kept by it', async () => {
    const tables = (await sandbox.db.sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`).map((r) =>
      String(r.table_name),
    );
    const known = new Set<string>([...RESET_TABLES, ...KEPT_TABLES]);
    expect(tables.filter((t) => !known.has(t))).toEqual([]);
  });
});

describe('the sandbox with SANDBOX_WEBHOOK=true', () => {
  it('delivers updates to the app webhook, and the answers come back the same', async () => {
    const hooked = await startTestSandbox({ SANDBOX_WEBHOOK: 'true' });
    try {
      expect(hooked.emulator.webhook?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/telegram\//);
      const res = await fetch(`${hooked.url}/api/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ persona: EN, text: '/start' }) });
      expect(res.status).toBe(200);
      await waitFor('the welcome', async () => {
        const body = (await (await fetch(`${hooked.url}/api/messages?persona=${EN}&chat=${EN}`)).json()) as { messages: any[] };
        return body.messages.some((m) => m.from.bot && (m.inlineKeyboard ?? []).flat().some((b: any) => b.callback_data === 'consent:yes'));
      });
      expect(hooked.emulator.callsTo('getUpdates')).toEqual([]);
      // A reset keeps the webhook: the next /start is answered the same way.
      await hooked.reset();
      expect(hooked.emulator.webhook?.url).toMatch(/\/telegram\//);
      await fetch(`${hooked.url}/api/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ persona: EN, text: '/start' }) });
      await waitFor('the welcome after the reset', async () => {
        const body = (await (await fetch(`${hooked.url}/api/messages?persona=${EN}&chat=${EN}`)).json()) as { messages: any[] };
        return body.messages.some((m) => m.from.bot && (m.inlineKeyboard ?? []).flat().some((b: any) => b.callback_data === 'consent:yes'));
      });
    } finally {
      await hooked.stop();
    }
  });
});
