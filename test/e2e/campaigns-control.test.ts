/**
 * Steering a running campaign from its progress message (pause, resume, cancel) and the customer's
 * consent: asked once after /start, changed in /settings.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { campaignQueue } from '../../src/jobs/campaign-jobs.js';
import { composeAndSend, recipientCount, recipientStates, seedCustomers, sendsSettled } from '../support/campaigns.js';
import { waitForDone } from '../support/campaign-done.js';
import { TestChat } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { sleep, waitFor } from '../support/wait.js';

vi.setConfig({ testTimeout: 60_000 });

let h: Harness;
const MARKETER = 570_000_001;

beforeAll(async () => {
  h = await startHarness({ env: { CAMPAIGN_RATE: '10' } });
  await h.app.deps.services.staff.add(MARKETER, 'marketer', 'test');
});
afterAll(async () => {
  await h?.stop();
});

const sentCount = (id: number) => recipientCount(h.db.sql, id, 'sent');

describe('pause, resume, cancel', () => {
  it('pause stops every send, resume finishes the rest, each recipient once', async () => {
    const audience = await seedCustomers(h.db.sql, 840_000_000, 40, { language: 'en' });
    const m = new TestChat(h, MARKETER, { languageCode: 'en' });
    const id = await composeAndSend(m, () => m.text('Winter service offer'));
    await waitFor('five sent', async () => (await sentCount(id)) >= 5);
    await m.tap('Pause');
    expect(m.toasts().at(-1)).toBe('Paused');
    await sendsSettled(h, id); // sends on the wire at the press land
    const atPause = await sentCount(id);
    await sleep(1_500); // proving a negative: nothing more is sent while paused
    expect(await sentCount(id)).toBe(atPause);
    expect(atPause).toBeLessThan(audience.length);
    expect(m.lastText()).toMatch(new RegExp(`Campaign #${id}</b> · paused`));

    await m.tap('Resume');
    expect(m.toasts().at(-1)).toBe('Resumed');
    await waitForDone(h.db.db, campaignQueue(h.app.deps.redis, h.config.queuePrefix), id);
    for (const chat of audience) expect(h.api.messagesTo(chat, { delivered: true })).toHaveLength(1);
    // The progress message was edited by the worker to its final state.
    await waitFor('the final progress message', () => /done/.test(m.messages().find((x) => x.text.includes(`Campaign #${id}`))?.text ?? ''));
    const progress = m.messages().find((x) => x.text.includes(`Campaign #${id}`));
    expect(progress?.text).toMatch(/done/);
    expect(progress?.text).toMatch(/Sent 40 · failed 0 · blocked 0 · left 0/);
  });

  it('cancel stops the campaign for good: the rest are marked cancelled and never sent', async () => {
    await seedCustomers(h.db.sql, 841_000_000, 40, { language: 'en' });
    const m = new TestChat(h, MARKETER, { languageCode: 'en' });
    const id = await composeAndSend(m, () => m.text('Charger discount'));
    await waitFor('three sent', async () => (await sentCount(id)) >= 3);
    await m.tap('Cancel campaign');
    await sendsSettled(h, id);
    const states = await recipientStates(h.db.sql, id);
    const sent = [...states.values()].filter((s) => s.state === 'sent').length;
    const cancelled = [...states.values()].filter((s) => s.state === 'cancelled').length;
    expect(sent + cancelled).toBe(states.size);
    expect(cancelled).toBeGreaterThan(0);
    const delivered = h.api.callsTo('sendMessage').filter((c) => c.response.ok && c.params.text === 'Charger discount' && Number(c.params.chat_id) !== MARKETER).length;
    expect(delivered).toBe(sent);
    // The progress message accounts for the ones never sent.
    await expect
      .poll(() => m.messages().find((x) => x.text.includes(`Campaign #${id}`))?.text, { timeout: 5_000 })
      .toMatch(new RegExp(`· cancelled[\\s\\S]*· left 0 · not sent \\(cancelled or unsubscribed\\) ${cancelled}$`));
    // Pressing Resume on a cancelled campaign is refused.
    await m.press(`cmc:resume:${id}`);
    expect(m.toasts().at(-1)).toMatch(/Not possible now/);
  });
});

describe('consent and settings', () => {
  it('is asked once after /start; /settings toggles news and language', async () => {
    const c = new TestChat(h, 842_000_001, { languageCode: 'en' });
    await c.text('/start');
    const ask = c.messages().find((x) => /news and offers from us/.test(x.text));
    expect(ask).toBeDefined();
    expect(c.lastText()).toMatch(/Wei/); // the menu comes right after
    await c.tap('Yes, please', { on: ask });
    const consent = async () => (await h.db.sql<[{ marketing_consent: boolean | null }]>`select marketing_consent from customers where telegram_id = ${c.id}`)[0].marketing_consent;
    expect(await consent()).toBe(true);
    await c.text('/start');
    expect(c.messages().filter((x) => /news and offers from us|Thank you!/.test(x.text))).toHaveLength(1);

    await c.text('/settings');
    expect(c.lastText()).toMatch(/News and offers: on/);
    await c.tap('Turn news off');
    expect(await consent()).toBe(false);
    expect(c.lastText()).toMatch(/News and offers: off/);
    await c.tap('Switch to 中文');
    expect(c.lastText()).toMatch(/资讯与优惠：关闭/);
    const log = await h.db.sql`select via, consent from marketing_consent_log l join customers c on c.id = l.customer_id where c.telegram_id = ${c.id} order by l.id`;
    expect(log.map((r) => `${r.via}:${r.consent}`)).toEqual(['asked:null', 'start:true', 'settings:false']);
  });
});
