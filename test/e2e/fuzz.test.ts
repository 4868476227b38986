/**
 * Hostile input never fails an update (the short form of `npm run fuzz`, bench/fuzz.ts): a few
 * hundred junk updates from random customers through the real bot in webhook mode, with the real
 * Postgres and Redis and a support desk configured. What a user would notice must not happen:
 * a failed update (not stored: a 500 to Telegram; a try at handling it that failed; or the
 * apology), a button press or pre-checkout left unanswered, junk let through to payment or
 * recorded as a payment, a customer left without any reply; and the bot still answers afterwards.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Fuzzer, JUNK_PAYMENTS_SQL } from '../support/fuzz.js';
import { startHarness, type Harness } from '../support/harness.js';
import { textUpdate, userFor, withId } from '../support/updates.js';
import { waitFor } from '../support/wait.js';

const SUPPORT_GROUP = -1_009_400_000_001;
const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const UPDATES = Number(process.env.FUZZ_UPDATES ?? 400);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ mode: 'webhook', env: { SUPPORT_CHAT_ID: String(SUPPORT_GROUP), SUPPORT_HOURS: '00:00-24:00', SUPPORT_SLA_MINUTES: '60' } });
});
afterAll(async () => {
  await h?.stop();
});

it(`${UPDATES} junk updates (seed ${SEED}): none fails, every press and pre-checkout answered, no junk paid, nobody left silent`, { timeout: 240_000 }, async () => {
  const fuzz = new Fuzzer({ seed: SEED, customers: 40, baseId: 9_400_000_000, supportChatId: SUPPORT_GROUP });
  // The webhook's 200 means stored (the inbox); the update is handled after it. An update fails
  // when it is not stored (any other status: Telegram would redeliver it) or a try at handling it
  // fails (the inbox retries or parks it).
  let failed = 0;
  let sent = 0;
  const stored = new Set<number>();
  const tried = new Set<number>();
  const unwatch = h.app.deps.metrics.onSettled((id, outcome) => {
    tried.add(id);
    if (outcome !== 'done') failed++;
  });
  const lane = async () => {
    while (sent < UPDATES) {
      sent++;
      fuzz.learn(h.api);
      const update = fuzz.next();
      const res = await h.api.deliverWebhook(update);
      if (res.status === 200) stored.add(update.update_id);
      else failed++;
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
  // Tallied once every stored update has been tried: until then a press may just not be answered yet.
  await waitFor('every stored update to be tried once', () => [...stored].every((id) => tried.has(id)), { timeoutMs: 30_000 });
  unwatch();
  const seen = fuzz.tally(h.api.calls);
  const [paid] = await h.db.sql.unsafe<Array<{ n: number }>>(JUNK_PAYMENTS_SQL);
  expect({ ...seen, failed_updates: failed, junk_payments_recorded: paid!.n }, `seed ${SEED}; kinds ${JSON.stringify([...fuzz.kinds])}`).toEqual({
    failed_updates: 0,
    apologies: 0,
    callbacks_unanswered: 0,
    precheckouts_unanswered: 0,
    junk_approved: 0,
    junk_payments_recorded: 0,
    silent_customers: 0,
  });
  // Every kind of input was tried.
  for (const kind of ['text', 'media', 'callback', 'pre_checkout_query', 'successful_payment', 'shipping_query', 'support_group', 'unserved'])
    expect(fuzz.kinds.get(kind) ?? 0, kind).toBeGreaterThan(0);

  // And the bot is still there for the next customer.
  const fresh = userFor(9_400_999_999, { languageCode: 'en', firstName: 'After' });
  const from = h.api.calls.length;
  await h.deliver(withId(textUpdate(fresh, '/start')));
  expect(h.lastWebhookStatus).toBe(200);
  expect(h.api.calls.slice(from).some((c) => String(c.params.chat_id) === String(fresh.id))).toBe(true);
});
