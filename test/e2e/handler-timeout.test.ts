/**
 * A handler that runs past HANDLER_TIMEOUT_MS (here a Bot API call slower than the timeout): the
 * webhook answers as soon as the update is stored (it never waits for handlers), the handler runs
 * to its end, the customer gets its reply and no apology, the update is done once (not retried),
 * and a shutdown begun meanwhile waits for it instead of closing Postgres and Redis under it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Params } from '../support/stand-in/http.js';
import { startHarness, type Harness } from '../support/harness.js';
import { textUpdate, userFor, withId } from '../support/updates.js';
import { sleep, waitFor } from '../support/wait.js';

const TIMEOUT_MS = 1_000;
const SLOW_MS = 2_500;

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ mode: 'webhook', env: { HANDLER_TIMEOUT_MS: String(TIMEOUT_MS) } });
});
afterEach(async () => {
  await h?.stop();
});

let nextId = 830_000_000 + Math.floor(Math.random() * 100_000) * 10;

/** The first sendMessage is answered only after SLOW_MS (past the handler timeout); later ones at once. */
function slowFirstReply(h: Harness) {
  const state = { arrivedAt: 0, answeredAt: 0 };
  let first = true;
  h.api.respond('sendMessage', async (params: Params) => {
    const slow = first;
    first = false;
    if (slow) {
      state.arrivedAt = Date.now();
      await sleep(SLOW_MS);
      state.answeredAt = Date.now();
    }
    const chatId = Number(params.chat_id);
    return {
      ok: true,
      result: { message_id: Math.floor(Math.random() * 1e6), date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private' }, text: String(params.text) },
    };
  });
  return state;
}

const apologies = (h: Harness) => ['en', 'zh-CN'].flatMap((l) => ['errors.generic', 'errors.retrying'].map((key) => h.app.deps.i18n.t(l as 'en')(key)));

describe('a handler running past the handler timeout', () => {
  it('the webhook answers 200 at once; the handler ends in its own time, once, and the customer gets no apology', async () => {
    const slow = slowFirstReply(h);
    const user = userFor(++nextId, { languageCode: 'en' });
    const update = withId(textUpdate(user, '/start'));
    const started = Date.now();
    const res = await h.api.deliverWebhook(update);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(SLOW_MS);
    await waitFor('the update to be done', async () => (await h.db.sql`select 1 from inbox_updates where update_id = ${update.update_id} and state = 'done'`).length > 0);
    expect(slow.answeredAt).toBeGreaterThan(0);
    const [row] = await h.db.sql`select attempts from inbox_updates where update_id = ${update.update_id}`;
    expect(row!.attempts).toBe(1);
    const texts = h.api
      .callsTo('sendMessage')
      .filter((c) => String(c.params.chat_id) === String(user.id))
      .map((c) => String(c.params.text));
    expect(texts.length).toBeGreaterThan(0);
    for (const apology of apologies(h)) expect(texts).not.toContain(apology);
  });

  it('a shutdown begun while it runs waits for its end', async () => {
    const slow = slowFirstReply(h);
    const user = userFor(++nextId, { languageCode: 'en' });
    const delivery = h.api.deliverWebhook(withId(textUpdate(user, '/start')));
    await waitFor('the slow reply to reach the Bot API', () => slow.arrivedAt > 0);
    await sleep(TIMEOUT_MS + 200); // past the handler timeout, before the reply is answered
    await h.app.stop();
    const stoppedAt = Date.now();
    expect(slow.answeredAt).toBeGreaterThan(0);
    expect(stoppedAt).toBeGreaterThanOrEqual(slow.answeredAt);
    expect((await delivery).status).toBe(200);
    // Recorded before the stop ended: nothing is handled twice after a restart.
    const [row] = await h.db.sql`select state from inbox_updates order by received_at desc limit 1`;
    expect(row!.state).toBe('done');
  });
});
