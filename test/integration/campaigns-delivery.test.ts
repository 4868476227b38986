/**
 * Campaign delivery on the real worker, Postgres and Redis against the Bot API stand-in: only the
 * frozen audience is sent to, each recipient once; 403 marks the recipient and flags the
 * customer; 400 "chat not found" fails the recipient; a 5xx is retried; a 429 pauses every sender;
 * a send slower than the stale sweep reaches its recipient once.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { DeliveryRepository } from '../../src/domain/campaigns/delivery.js';
import { CampaignRepository } from '../../src/domain/campaigns/repository.js';
import { campaignQueue, enqueueBatches, enqueueProgress } from '../../src/jobs/campaign-jobs.js';
import { STALE_SENDING_S } from '../../src/jobs/workers/campaigns.worker.js';
import { launchCampaign, recipientStates, seedCustomers, sendsSettled, waitForStatus } from '../support/campaigns.js';
import { waitForDone } from '../support/campaign-done.js';
import { waitFor } from '../support/wait.js';

vi.setConfig({ testTimeout: 60_000 });

const MARKETER = 555_000_001;
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** Successful and failed campaign sends per chat (the stand-in records every call). */
function sendsByChat(h: Harness): Map<number, Array<{ ok: boolean; code?: number; at: number }>> {
  const out = new Map<number, Array<{ ok: boolean; code?: number; at: number }>>();
  for (const c of h.api.calls) {
    if (c.method !== 'sendMessage' || Number(c.params.chat_id) === MARKETER) continue;
    const list = out.get(Number(c.params.chat_id)) ?? [];
    list.push({ ok: c.response.ok, code: c.response.ok ? undefined : (c.response as { error_code: number }).error_code, at: c.at });
    out.set(Number(c.params.chat_id), list);
  }
  return out;
}

describe('campaign delivery', () => {
  it('sends once to each consenting customer in the segment; 403 → blocked and flagged, 400 → failed, 5xx → retried', async () => {
    h = await startHarness({ env: { CAMPAIGN_RATE: '30' } });
    const sql = h.db.sql;
    const audience = await seedCustomers(sql, 810_000_000, 40, { language: 'en' });
    const zh = await seedCustomers(sql, 810_100_000, 5, { language: 'zh-CN' });
    const declined = await seedCustomers(sql, 810_200_000, 3, { consent: false, language: 'en' });
    const unasked = await seedCustomers(sql, 810_300_000, 3, { consent: null, language: 'en' });
    const blockedBefore = await seedCustomers(sql, 810_400_000, 3, { blocked: true, language: 'en' });
    const [blocker, gone] = [audience[0]!, audience[1]!];
    h.api.blockChat(blocker);
    h.api.failChat(gone, { code: 400, description: 'Bad Request: chat not found' });
    h.api.failNext('sendMessage', { code: 502, description: 'Bad Gateway' }, 2);

    const id = await launchCampaign(h, { createdBy: MARKETER, segment: { locales: ['en'] } });
    await waitForDone(h.db.db, campaignQueue(h.app.deps.redis, h.config.queuePrefix), id);

    const states = await recipientStates(sql, id);
    expect(states.size).toBe(audience.length);
    for (const outsider of [...zh, ...declined, ...unasked, ...blockedBefore]) expect(states.has(outsider)).toBe(false);
    expect(states.get(blocker)?.state).toBe('blocked');
    expect(states.get(gone)?.state).toBe('failed');
    expect(states.get(gone)?.error).toMatch(/chat not found/);
    const sent = [...states.values()].filter((s) => s.state === 'sent');
    expect(sent).toHaveLength(audience.length - 2);
    // The two 502s were retried: two recipients needed a second attempt (and still got one message).
    expect([...states.values()].reduce((n, s) => n + s.attempts, 0)).toBe(audience.length + 2);
    expect(h.api.callsTo('sendMessage').filter((c) => !c.response.ok && (c.response as { error_code: number }).error_code === 502)).toHaveLength(2);
    const [flag] = await sql<[{ blocked: boolean }]>`select blocked from customers where telegram_id = ${blocker}`;
    expect(flag.blocked).toBe(true);

    const byChat = sendsByChat(h);
    for (const chat of audience.slice(2)) expect(byChat.get(chat)!.filter((s) => s.ok)).toHaveLength(1);
    // English variant, with the Unsubscribe button.
    const one = h.api.callsTo('sendMessage').find((c) => Number(c.params.chat_id) === audience[5]);
    expect(one?.params.text).toBe('New arrivals');
    expect(JSON.stringify(one?.params.reply_markup)).toMatch(/Unsubscribe/);
    // Nothing was sent to anyone outside the frozen audience.
    for (const chat of byChat.keys()) expect(states.has(chat)).toBe(true);
  });

  it('a 429 pauses every sender for retry_after, then everyone is sent to exactly once', async () => {
    h = await startHarness({ env: { CAMPAIGN_RATE: '30' } });
    const audience = await seedCustomers(h.db.sql, 820_000_000, 30, { language: 'en' });
    // Telegram's side allows only 10/s here: the worker runs into 429s with retry_after 2 (thirty
    // recipients are three bursts of ten, with two such pauses between them).
    h.api.rateLimit({ perSecond: 10, retryAfter: 2 });
    const id = await launchCampaign(h, { createdBy: MARKETER });
    await waitForDone(h.db.db, campaignQueue(h.app.deps.redis, h.config.queuePrefix), id, 60_000);

    const byChat = sendsByChat(h);
    for (const chat of audience) expect(byChat.get(chat)?.filter((s) => s.ok)).toHaveLength(1);
    const states = await recipientStates(h.db.sql, id);
    expect([...states.values()].every((s) => s.state === 'sent')).toBe(true);

    const all = [...byChat.values()].flat().sort((a, b) => a.at - b.at);
    const limited = all.filter((s) => s.code === 429);
    expect(limited.length).toBeGreaterThan(0);
    // After the first 429 of a burst, no sender tried again before retry_after (2 s) had passed,
    // allowing for the sends already on the wire when it came back.
    const first = limited[0]!.at;
    const tooSoon = all.filter((s) => s.at > first + 150 && s.at < first + 1_900);
    expect(tooSoon).toEqual([]);
  });

  it('a quick pause and resume: recipients the old job gives back after the resume are still sent, once', async () => {
    h = await startHarness({ env: { CAMPAIGN_RATE: '20' } });
    const sql = h.db.sql;
    const audience = await seedCustomers(sql, 830_000_000, 30, { language: 'en' });
    const id = await launchCampaign(h, { createdBy: MARKETER });
    const repo = new CampaignRepository(h.db.db);
    const delivery = new DeliveryRepository(h.db.db);
    await waitFor('three sent', async () => (await delivery.counts(id)).sent >= 3, { intervalMs: 20 });
    await repo.transition(id, ['running'], 'paused');
    await sendsSettled(h, id);
    // A job from before the pause still holds five recipients (its chunk on the wire) when the resume comes.
    const held = await sql<Array<{ customer_id: number }>>`
      update campaign_recipients set state = 'sending', claimed_by = 'job-before-pause', claimed_at = now()
      where customer_id in (select customer_id from campaign_recipients where campaign_id = ${id} and state = 'pending' order by customer_id limit 5)
        and campaign_id = ${id} returning customer_id`;
    expect(held).toHaveLength(5);
    const resumed = (await repo.transition(id, ['paused'], 'running'))!;
    const queue = campaignQueue(h.app.deps.redis, h.config.queuePrefix);
    await enqueueBatches(queue, id, resumed.generation, await new DeliveryRepository(h.db.db).pendingBatches(id));
    await enqueueProgress(queue, id, resumed.generation, 0, { sent: 0, at: Date.now() }, 0);
    // The resumed job sends everyone else; then the old job gives its five back unsent.
    // (The resumed job keeps polling while the five are held, see nextRetry in src/domain/campaigns/delivery.ts: so the counts alone.)
    await waitFor('everyone else sent', async () => {
      const counts = await delivery.counts(id);
      return counts.pending === 0 && counts.sending === held.length;
    });
    await sql`update campaign_recipients set state = 'pending', claimed_by = null, claimed_at = null where campaign_id = ${id} and claimed_by = 'job-before-pause'`;
    await waitForDone(h.db.db, campaignQueue(h.app.deps.redis, h.config.queuePrefix), id, 20_000);
    const byChat = sendsByChat(h);
    for (const chat of audience) expect(byChat.get(chat)?.filter((x) => x.ok)).toHaveLength(1);
  });

  it('a send slower than the stale sweep: that recipient gets the message exactly once, recorded as delivery unknown', { timeout: 120_000 }, async () => {
    h = await startHarness({ env: { CAMPAIGN_RATE: '30' } });
    const sql = h.db.sql;
    const audience = await seedCustomers(sql, 840_000_000, 6, { language: 'en' });
    const slow = audience[3]!;
    // Its first send is answered only well after the sweep (STALE_SENDING_S, checked every progress tick) would take it back.
    h.api.slowSends(slow, (STALE_SENDING_S + 15) * 1000);
    const id = await launchCampaign(h, { createdBy: MARKETER, segment: { locales: ['en'] } });
    await waitForStatus(h.db.db, id, ['done'], 90_000);
    // Every delivery job has ended (a slow send still on the wire keeps its job active).
    const queue = campaignQueue(h.app.deps.redis, h.config.queuePrefix);
    await waitFor('no delivery job running', async () => (await queue.getJobs(['active'])).filter((j) => j?.data.kind === 'batch' && j.data.campaignId === id).length === 0, {
      timeoutMs: 60_000,
    });
    const byChat = sendsByChat(h);
    for (const chat of audience)
      expect(
        byChat.get(chat)?.filter((x) => x.ok),
        String(chat),
      ).toHaveLength(1);
    const states = await recipientStates(sql, id);
    expect(states.get(slow)).toMatchObject({ state: 'failed', error: expect.stringMatching(/delivery unknown/) });
    for (const chat of audience.filter((c) => c !== slow)) expect(states.get(chat)?.state).toBe('sent');
  });
});
