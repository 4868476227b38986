/**
 * A worker process killed (SIGKILL) in the middle of a campaign, and another started: every
 * recipient ends up sent exactly once, except messages that were on the wire at the kill, which
 * may go twice and are accounted for (the recipient row shows a second attempt).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CampaignRepository } from '../../src/domain/campaigns/repository.js';
import { campaignQueue, jobIds } from '../../src/jobs/campaign-jobs.js';
import { BotApiStandIn } from '../support/bot-api-stand-in.js';
import { recipientStates, seedCustomers, spawnCampaignWorker, textVariant, workerEnv } from '../support/campaigns.js';
import { waitForDone } from '../support/campaign-done.js';
import { createTestDb, dropPrefix, REDIS_URL, tagged, testRedis, type TestDb } from '../support/db.js';
import { TEST_TOKEN } from '../support/harness.js';
import { waitFor } from '../support/wait.js';

vi.setConfig({ testTimeout: 120_000 });

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const worker = (env: Record<string, string>) => spawnCampaignWorker(env, cleanups);

describe('a worker killed mid-campaign', () => {
  it('a second worker finishes it: every recipient once, duplicates only from sends in flight at the kill', async () => {
    const api = await new BotApiStandIn({ token: TEST_TOKEN, latencyMs: 20 }).start();
    cleanups.push(() => api.stop());
    const db: TestDb = await createTestDb();
    cleanups.push(() => db.drop());
    const prefix = `tk${randomBytes(4).toString('hex')}`;
    const redis = testRedis({ maxRetriesPerRequest: 3 });
    cleanups.push(async () => {
      await dropPrefix(REDIS_URL, prefix);
      redis.disconnect();
    });
    const env = workerEnv(api.apiRoot, db, prefix, { CAMPAIGN_RATE: '30' });
    const audience = await seedCustomers(db.sql, 850_000_000, 240, { language: 'en' });
    const repo = new CampaignRepository(db.db);
    const id = await repo.create({ createdBy: 1, segment: {}, defaultLocale: 'en', scheduledAt: new Date(), variants: [textVariant('en', 'Hello')] });
    const queue = campaignQueue(redis, tagged(prefix));
    cleanups.push(() => queue.close());

    const first = worker(env);
    await first.ready;
    await queue.add('start', { kind: 'start', campaignId: id }, { jobId: jobIds.start(id) });
    await waitFor('60 sends', () => api.callsTo('sendMessage').length >= 60, { timeoutMs: 60_000, intervalMs: 20 });
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const atKill = api.callsTo('sendMessage').length;
    expect(atKill).toBeLessThan(audience.length);

    const second = worker(env);
    await second.ready;
    await waitForDone(db.db, queue, id, 90_000);
    second.child.kill('SIGTERM');

    const states = await recipientStates(db.sql, id);
    expect([...states.values()].every((s) => s.state === 'sent')).toBe(true);
    const perChat = new Map<number, number>();
    for (const c of api.callsTo('sendMessage')) if (c.response.ok) perChat.set(Number(c.params.chat_id), (perChat.get(Number(c.params.chat_id)) ?? 0) + 1);
    for (const chat of audience) expect(perChat.get(chat) ?? 0).toBeGreaterThanOrEqual(1);
    const twice = audience.filter((chat) => perChat.get(chat)! > 1);
    // At most the sends one worker can have on the wire (4 jobs × a chunk of 8 at 30/s) …
    expect(twice.length).toBeLessThanOrEqual(32);
    // … and each is accounted for: its row shows the second attempt.
    for (const chat of twice) expect(states.get(chat)!.attempts).toBeGreaterThan(1);
  });
});
