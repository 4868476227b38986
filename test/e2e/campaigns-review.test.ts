/**
 * Review fix: a campaign's click link (/start c<id>_<n>) answers only once the campaign has started
 * sending. Before that (scheduled for later) nobody has its message, so a guessed payload must not
 * show the campaign's URL ahead of its launch.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CampaignRepository } from '../../src/domain/campaigns/repository.js';
import { textVariant } from '../support/campaigns.js';
import { TestChat } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';

vi.setConfig({ testTimeout: 60_000 });

let h: Harness;
const MARKETER = 576_000_001;
const STRANGER = 576_000_002;

beforeAll(async () => {
  h = await startHarness({});
});
afterAll(async () => {
  await h?.stop();
});

describe('campaign click links', () => {
  it('a scheduled campaign’s link is unknown until the campaign starts sending', async () => {
    const repo = new CampaignRepository(h.app.deps.db);
    const secret = 'https://example.com/launch-next-week';
    const id = await repo.create({
      createdBy: MARKETER,
      segment: {},
      defaultLocale: 'en',
      scheduledAt: new Date(Date.now() + 7 * 86_400_000),
      variants: [textVariant('en', 'Launch', [{ kind: 'url', label: 'Preorder', url: secret }])],
    });
    const stranger = new TestChat(h, STRANGER, { languageCode: 'en' });
    await stranger.text(`/start c${id}_0`);
    expect(stranger.lastText()).toBe('This link is no longer available.');
    expect(stranger.messages().some((m) => m.buttons.flat().some((b) => b.url === secret))).toBe(false);

    // Once it has started, a forwarded message's link works for anyone (counted for recipients only).
    await h.db.sql`update campaigns set status = 'running', started_at = now() where id = ${id}`;
    await stranger.text(`/start c${id}_0`);
    expect(stranger.lastText()).toBe('Preorder: tap to open.');
    expect(stranger.messages().at(-1)!.buttons[0]![0]!.url).toBe(secret);
  });
});

describe('/settings news button', () => {
  it('a double tap on "Turn news on" leaves news on (the button sets, it does not toggle)', async () => {
    const c = new TestChat(h, 576_000_003, { languageCode: 'en' });
    await c.text('/settings');
    expect(c.lastText()).toMatch(/News and offers: off/);
    const screen = c.screen()!;
    const data = screen.buttons.flat().find((b) => b.text.includes('Turn news on'))!.data!;
    await c.press(data, screen);
    await c.press(data, screen); // the same button again, before the edited screen was seen
    const [row] = await h.db.sql<[{ marketing_consent: boolean | null }]>`select marketing_consent from customers where telegram_id = ${c.id}`;
    expect(row.marketing_consent).toBe(true);
    expect(c.lastText()).toMatch(/News and offers: on/);
    const log = await h.db.sql<Array<{ consent: boolean }>>`
      select l.consent from marketing_consent_log l join customers c on c.id = l.customer_id
      where c.telegram_id = ${c.id} and l.via = 'settings'`;
    expect(log.map((r) => r.consent)).toEqual([true]);
  });
});

describe('language buttons', () => {
  it('a double tap on the /settings language button leaves the language it names (no switching back)', async () => {
    const c = new TestChat(h, 576_000_004, { languageCode: 'en' });
    await c.text('/settings');
    const screen = c.screen()!;
    const data = screen.buttons.flat().find((b) => b.text.includes('Switch to 中文'))!.data!;
    await c.press(data, screen);
    await c.press(data, screen);
    const [row] = await h.db.sql<[{ language: string }]>`select language from customers where telegram_id = ${c.id}`;
    expect(row.language).toBe('zh-CN');
    expect(c.lastText()).toMatch(/语言：中文/);
  });

  it('a double tap on the consent question’s language button leaves the language it names', async () => {
    const c = new TestChat(h, 576_000_005, { languageCode: 'zh-hans' });
    await c.text('/start');
    const question = c.messages().find((m) => m.buttons.flat().some((b) => b.text.includes('English')))!;
    const data = question.buttons.flat().find((b) => b.text.includes('English'))!.data!;
    await c.press(data, question);
    await c.press(data, question);
    const [row] = await h.db.sql<[{ language: string }]>`select language from customers where telegram_id = ${c.id}`;
    expect(row.language).toBe('en');
  });
});
