/**
 * The transactional inbox (src/domain/inbox, src/bot/inbox-consumer.ts): each test is one defect
 * of issue 10 that today's code had. An update is stored before it is acknowledged and handled
 * until it succeeds or is parked; polling never waits for handlers; a stuck chat delays no other
 * chat; a pre-checkout query is answered at once whatever the chat's backlog; parked updates reach
 * the admins and the ops CLI; done rows are pruned after 7 days.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Update } from 'telegraf/types';
import { runOpsCli } from '../../src/ops-run.js';
import { chatFactory } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { placeCarOrder } from '../support/orders.js';
import { PrivateRedis, hasRedisServer } from '../support/private-redis.js';
import { preCheckoutUpdate, successfulPaymentUpdate, textUpdate, userFor, withId } from '../support/updates.js';
import { waitFor } from '../support/wait.js';

const inboxState = async (h: Harness, id: number) =>
  (await h.db.sql<Array<{ state: string; attempts: number; last_error: string | null }>>`select state, attempts, last_error from inbox_updates where update_id = ${id}`)[0];
const texts = (h: Harness, chatId: number) => h.api.messagesTo(chatId).map((c) => String(c.params.text ?? ''));

describe('webhook mode: nothing is acknowledged that is not stored', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', env: { INBOX_RETRY_MS: '200' } });
  });
  afterAll(async () => h?.stop());
  const newChat = chatFactory(() => h, 81_000);

  it('a successful_payment while Postgres fails before the update is claimed is answered 200 only once stored, and recorded when Postgres is back', async () => {
    const c = newChat('en');
    const order = await placeCarOrder(c, { modelId: 'model-y', picks: ['my-lr', 'my-paint-white', 'my-wheels-19', 'my-int-black'] }, { city: 'beijing' });
    const invoice = h.api
      .callsTo('sendInvoice')
      .filter((x) => String(x.params.chat_id) === String(c.id))
      .at(-1)!;
    const prices = (typeof invoice.params.prices === 'string' ? JSON.parse(invoice.params.prices) : invoice.params.prices) as Array<{ amount: number }>;
    const facts = { payload: String(invoice.params.payload), currency: String(invoice.params.currency), totalAmount: prices.reduce((s, p) => s + p.amount, 0) };
    await h.deliver(preCheckoutUpdate(c.user, facts));
    // Today's first statement of every update (customer and state load) fails: the code before the
    // inbox answered 200 without handling it, and Telegram never delivered the payment again.
    await h.db.sql`alter table conversation_states rename to conversation_states_x`;
    const pay = withId(successfulPaymentUpdate(c.user, { ...facts, telegramChargeId: `ch_${c.id}`, providerChargeId: `pv_${c.id}` })) as Update;
    try {
      await h.deliver(pay);
      expect(h.lastWebhookStatus).toBe(200);
      expect((await inboxState(h, pay.update_id))!.state).toBe('pending');
    } finally {
      await h.db.sql`alter table conversation_states_x rename to conversation_states`;
    }
    await waitFor('the payment to be handled on a retry', async () => (await inboxState(h, pay.update_id))?.state === 'done');
    const [row] = await h.db.sql`select state from orders where id = ${order.id}`;
    expect(row!.state).toBe('deposit_paid');
    expect((await h.db.sql`select 1 from payments where order_id = ${order.id}`).length).toBe(1);
  });

  it('when the update cannot be stored the webhook answers 500 (Telegram delivers it again), and the redelivery is handled', async () => {
    const user = userFor(81_900, { languageCode: 'en' });
    const update = withId(textUpdate(user, '/start')) as Update;
    await h.db.sql`alter table inbox_updates rename to inbox_updates_x`;
    try {
      const res = await h.api.deliverWebhook(update);
      expect(res.status).toBe(500);
    } finally {
      await h.db.sql`alter table inbox_updates_x rename to inbox_updates`;
    }
    expect(await inboxState(h, update.update_id)).toBeUndefined();
    expect(h.api.messagesTo(user.id)).toHaveLength(0);
    await h.deliver(update);
    expect(h.lastWebhookStatus).toBe(200);
    expect(texts(h, user.id).some((t) => t.includes('Welcome'))).toBe(true);
  });
});

describe.skipIf(!hasRedisServer)('webhook mode with Redis down', () => {
  let h: Harness;
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await PrivateRedis.create();
    // The bot role only: BullMQ workers would block on the Redis that is taken down.
    h = await startHarness({ mode: 'webhook', env: { REDIS_URL: redis.url, APP_ROLE: 'bot' } });
  });
  afterAll(async () => {
    await h?.stop();
    await redis?.stop();
  });

  it('an update is stored and handled: the update path no longer needs Redis (the chat lock is gone)', async () => {
    await redis.stop();
    const user = userFor(81_950, { languageCode: 'en' });
    const update = await h.deliver(textUpdate(user, '/start'));
    expect(h.lastWebhookStatus).toBe(200);
    expect((await inboxState(h, update.update_id))!.state).toBe('done');
    expect(texts(h, user.id).some((t) => t.includes('Welcome'))).toBe(true);
    await redis.start();
  });
});

describe('polling mode', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'polling', env: { INBOX_RETRY_MS: '200' } });
  });
  afterAll(async () => h?.stop());

  it('a failed update is retried, not lost (the offset moved past it before)', async () => {
    const user = userFor(82_001, { languageCode: 'en' });
    h.api.failChat(user.id, { code: 500, description: 'Internal Server Error' });
    const update = await h.deliver(textUpdate(user, '/start'));
    // Failed, kept (the chat still fails: on a busy machine the 1 s retry may have come and failed too).
    const kept = await inboxState(h, update.update_id);
    expect(kept).toMatchObject({ state: 'pending' });
    expect(kept!.attempts).toBeGreaterThanOrEqual(1);
    h.api.failChat(user.id, null);
    await waitFor('the retry to be done', async () => (await inboxState(h, update.update_id))?.state === 'done');
    expect(texts(h, user.id).some((t) => t.includes('Welcome'))).toBe(true);
    expect(h.api.pendingUpdateCount).toBe(0);
  });

  it('a stuck chat does not delay another chat, and a pre-checkout query behind it is answered at once', async () => {
    const stuck = userFor(82_002, { languageCode: 'en' });
    const other = userFor(82_003, { languageCode: 'en' });
    h.api.slowSends(stuck.id, 6_000, 1);
    h.api.pushUpdate(withId(textUpdate(stuck, '/start')));
    h.api.pushUpdate(withId(textUpdate(stuck, '/help'))); // waits behind the stuck one, in order
    await waitFor(
      'the stuck chat to be handled',
      async () => (await h.db.sql`select 1 from inbox_updates where chat_key = ${String(stuck.id)} and leased_until > now()`).length > 0,
    );
    const started = Date.now();
    await h.deliver(textUpdate(other, '/start'));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(texts(h, other.id).some((t) => t.includes('Welcome'))).toBe(true);

    const pcq = withId(preCheckoutUpdate(stuck, { payload: 'garbage', currency: 'CNY', totalAmount: 100_000 }));
    const asked = Date.now();
    h.api.pushUpdate(pcq);
    const answer = await h.api.waitFor((x) => x.method === 'answerPreCheckoutQuery' && x.params.pre_checkout_query_id === pcq.pre_checkout_query.id, { timeoutMs: 5_000 });
    expect(Date.now() - asked).toBeLessThan(2_000);
    expect(answer.params.ok).toBe(false);
    // The stuck chat's /start is still running: the answer did not wait for it.
    expect((await h.db.sql`select state from inbox_updates where chat_key = ${String(stuck.id)} order by update_id`).map((r) => r.state)).toEqual(['pending', 'pending']);
  });
});

describe('parked updates', () => {
  const ADMIN = 83_999;
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', env: { INBOX_RETRY_MS: '50', INBOX_MAX_ATTEMPTS: '2', ADMIN_IDS: String(ADMIN) } });
  });
  afterAll(async () => h?.stop());

  const ops = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const env = {
      BOT_TOKEN: h.config.botToken,
      DATABASE_URL: h.db.url,
      DATABASE_PREPARE: String(h.config.database.prepare),
      REDIS_URL: h.config.redisUrl,
      QUEUE_PREFIX: h.config.queuePrefix,
      TELEGRAM_API_ROOT: h.config.telegramApiRoot,
      PAYMENT_PROVIDER_TOKEN: h.config.paymentProviderToken,
    };
    const code = await runOpsCli([...argv, '--lang', 'en'], env, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('are parked with their reason after the last try, each admin is told once, and the ops CLI lists, shows, retries and drops them', async () => {
    const user = userFor(83_001, { languageCode: 'en' });
    h.api.failChat(user.id, { code: 500, description: 'Internal Server Error' });
    const update = withId(textUpdate(user, '/start')) as Update;
    await h.deliver(update);
    await waitFor('the update to be parked', async () => (await inboxState(h, update.update_id))?.state === 'parked');
    const row = (await inboxState(h, update.update_id))!;
    expect(row.attempts).toBe(2);
    expect(row.last_error).toMatch(/500/);
    const notices = await waitFor('the admin notice', () => h.api.messagesTo(ADMIN).length > 0 && h.api.messagesTo(ADMIN));
    expect(notices).toHaveLength(1);
    // The admin has never talked to the bot: the default language (zh-CN).
    expect(String(notices[0]!.params.text)).toContain(`inbox retry ${update.update_id}`);
    expect(String(notices[0]!.params.text)).toContain('有一条消息未能处理');

    const list = await ops('inbox', 'list');
    expect(list.code).toBe(0);
    expect(list.out).toContain(String(update.update_id));
    expect(list.out).toContain('1 parked');
    const show = await ops('inbox', 'show', String(update.update_id));
    expect(show.out).toContain('"text": "/start"');

    h.api.failChat(user.id, null);
    expect((await ops('inbox', 'retry', String(update.update_id))).code).toBe(0);
    await waitFor('the retried update to be done', async () => (await inboxState(h, update.update_id))?.state === 'done');
    expect(texts(h, user.id).some((t) => t.includes('Welcome'))).toBe(true);
    expect((await ops('inbox', 'retry', String(update.update_id))).code).toBe(1);

    // Another one, given up on.
    h.api.failChat(user.id, { code: 500, description: 'Internal Server Error' });
    const second = withId(textUpdate(user, 'hello')) as Update;
    await h.deliver(second);
    await waitFor('the second update to be parked', async () => (await inboxState(h, second.update_id))?.state === 'parked');
    h.api.failChat(user.id, null);
    expect((await ops('inbox', 'drop', String(second.update_id))).out).toContain('given up');
    expect((await inboxState(h, second.update_id))!.state).toBe('done');
    expect((await ops('inbox', 'show', '123')).code).toBe(1);
  });

  it('prune removes done rows older than 7 days and keeps parked and pending ones', async () => {
    const ids = [84_000_001, 84_000_002, 84_000_003, 84_000_004];
    await h.db.sql`insert into inbox_updates (update_id, chat_key, kind, payload, state, done_at) values
      (${ids[0]!}, 'x', 'message', '{}', 'done', now() - interval '8 days'),
      (${ids[1]!}, 'x', 'message', '{}', 'done', now() - interval '6 days'),
      (${ids[2]!}, 'y', 'message', '{}', 'parked', null),
      (${ids[3]!}, 'z', 'message', '{}', 'pending', null)`;
    await h.db.sql`update inbox_updates set received_at = now() - interval '30 days' where update_id in (${ids[2]!}, ${ids[3]!})`;
    await h.db.sql`update inbox_updates set not_before = now() + interval '1 hour' where update_id = ${ids[3]!}`;
    expect(await h.app.deps.services.inbox.prune(7)).toBe(1);
    const left = (await h.db.sql`select update_id from inbox_updates where update_id = any(${ids.map(String)}::bigint[]) order by update_id`).map((r) => Number(r.update_id));
    expect(left).toEqual(ids.slice(1));
    // The daily job scheduler is registered (src/jobs/queues.ts).
    const schedulers = await h.app.deps.queues.maintenance.getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toContain('prune-inbox-daily');
  });
});
