/**
 * /report end to end: the real app against the Bot API stand-in. A manager (made by an admin's
 * /staff add) picks a report and a period and gets the chart as an uploaded photo with the
 * figures in the caption and the CSV beside it, in their language; a typed range is checked;
 * customers get nothing of it. The daily report is switched on in /settings, and the weekly and
 * daily reports go out by the worker's job (its schedulers: Monday and daily 09:00 Beijing time).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createI18n } from '../../src/i18n.js';
import { cb } from '../../src/telegram/callback-data.js';
import { sendScheduledReports } from '../../src/jobs/reports/scheduled-reports.js';
import { newCustomer, newOrder } from '../integration/helpers.js';
import type { RecordedCall } from '../support/bot-api-stand-in.js';
import { TestChat } from '../support/chat.js';
import { startHarness, type Harness } from '../support/harness.js';

const i18n = createI18n('zh-CN');
const t = (lng: 'en' | 'zh-CN', key: string, vars: Record<string, unknown> = {}) => String(i18n.t(lng)(key, vars));

const ADMIN = 94_000_001;
const MANAGER = 94_000_002;
const CUSTOMER = 94_000_003;
let h: Harness;
let admin: TestChat;
let manager: TestChat;
let customer: TestChat;

beforeAll(async () => {
  h = await startHarness({ env: { ADMIN_IDS: String(ADMIN) } });
  admin = new TestChat(h, ADMIN, { languageCode: 'en', firstName: 'Anna' });
  manager = new TestChat(h, MANAGER, { languageCode: 'zh-hans', firstName: 'Li' });
  customer = new TestChat(h, CUSTOMER, { languageCode: 'en', firstName: 'Bob' });
  await manager.text('/start');
  await customer.text('/start');
  // Two orders placed today, so the funnel has figures.
  const s = h.app.deps.services;
  for (const city of ['shanghai', 'beijing']) await newOrder(s, await newCustomer(s), undefined, city);
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

const uploads = (calls: RecordedCall[], method: string) => calls.filter((c) => c.method === method && String(c.params.chat_id) === String(MANAGER));

describe('/report', () => {
  it('is not there for a customer, nor for a manager before the role is given', async () => {
    const calls = await customer.text('/report');
    expect(calls.some((c) => c.method === 'sendPhoto')).toBe(false);
    expect(customer.lastText()).not.toContain(t('en', 'reports.menu').slice(0, 10));
    await customer.press(cb.reportRun.pack({ kind: 'funnel', period: '7d' }), customer.messages().at(-1));
    expect(h.api.callsTo('sendPhoto').filter((c) => String(c.params.chat_id) === String(CUSTOMER))).toEqual([]);
    await manager.text('/report');
    expect(manager.lastText()).not.toBe(t('zh-CN', 'reports.menu'));
  });

  it('a manager gets the chart as a photo with the figures, and the CSV beside it, in their language', async () => {
    await admin.text(`/staff add ${MANAGER} manager`);
    expect(await h.app.deps.services.staff.rolesOf(MANAGER)).toEqual(['manager']);
    await manager.text('/report');
    expect(manager.lastText()).toBe(t('zh-CN', 'reports.menu'));
    await manager.tap(t('zh-CN', 'reports.kind.funnel'));
    expect(manager.lastText()).toContain(t('zh-CN', 'reports.kind.funnel'));
    const calls = await manager.tap(t('zh-CN', 'reports.period.7d'));
    const [photo] = uploads(calls, 'sendPhoto');
    expect(photo?.params.photo).toMatchObject({ upload: true, filename: expect.stringMatching(/^funnel_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.png$/) });
    expect((photo!.params.photo as { size: number }).size).toBeGreaterThan(10_000);
    expect(String(photo!.params.caption)).toContain(`${t('zh-CN', 'reports.funnel.step.ordered')}：<b>2</b>`);
    expect(String(photo!.params.caption)).toContain('上海');
    const [doc] = uploads(calls, 'sendDocument');
    expect(doc?.params.document).toMatchObject({ upload: true, filename: expect.stringMatching(/^funnel_.*\.csv$/) });
    expect(manager.lastText()).toBe('');
    expect(manager.buttonLabels()).toEqual([t('zh-CN', 'reports.another')]);
  });

  it('a custom range is typed as two dates; a wrong one is asked again with the reason', async () => {
    await manager.tap(t('zh-CN', 'reports.another'));
    await manager.tap(t('zh-CN', 'reports.kind.revenue'));
    await manager.tap(t('zh-CN', 'reports.period.custom'));
    await manager.text('2026-12-01 2026-11-01');
    expect(manager.lastText()).toContain(t('zh-CN', 'reports.range_order'));
    const calls = await manager.text('2026-11-01 2026-11-30');
    const [photo] = uploads(calls, 'sendPhoto');
    expect(photo?.params.photo).toMatchObject({ filename: 'revenue_2026-11-01_2026-11-30.png' });
    expect(String(photo!.params.caption)).toContain(t('zh-CN', 'reports.title.revenue'));
    expect(uploads(calls, 'sendDocument')[0]?.params.document).toMatchObject({ filename: 'revenue_2026-11-01_2026-11-30.csv' });
  });

  it('the daily report is switched on in /settings; the weekly and daily reports go out by the job, once', async () => {
    await manager.text('/settings');
    await manager.tap(t('zh-CN', 'reports.settings.daily_on'));
    expect(await h.app.deps.services.reports.daily(MANAGER)).toBe(true);
    expect(manager.buttonLabels()).toContain(t('zh-CN', 'reports.settings.daily_off'));
    // A customer's settings have no such switch, and a forged press changes nothing.
    await customer.text('/settings');
    expect(customer.buttonLabels()).not.toContain(t('en', 'reports.settings.daily_on'));
    await customer.press(cb.settings.pack({ what: 'report_on' }));
    expect(await h.app.deps.services.reports.daily(CUSTOMER)).toBe(false);

    const schedulers = await h.app.deps.queues.reports.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.pattern, s.tz]).sort()).toEqual([
      ['report-daily', '0 9 * * *', 'Asia/Shanghai'],
      ['report-weekly', '0 9 * * 1', 'Asia/Shanghai'],
    ]);

    const before = h.api.calls.length;
    expect(await sendScheduledReports(h.app.deps, 'weekly')).toEqual({ sent: 1, skipped: 0, failed: 0 });
    const weekly = h.api.calls.slice(before);
    // Five reports: five photos and five CSVs, to the manager only (the admin is not a manager).
    expect(uploads(weekly, 'sendPhoto')).toHaveLength(5);
    expect(uploads(weekly, 'sendDocument')).toHaveLength(5);
    expect(weekly.filter((c) => c.method === 'sendPhoto' && String(c.params.chat_id) !== String(MANAGER))).toEqual([]);
    expect(String(uploads(weekly, 'sendPhoto')[0]!.params.caption)).toContain('本周经营周报');
    // A second run for the same period (a retried job) sends nothing again.
    expect(await sendScheduledReports(h.app.deps, 'weekly')).toEqual({ sent: 0, skipped: 1, failed: 0 });
    expect(await sendScheduledReports(h.app.deps, 'daily')).toEqual({ sent: 1, skipped: 0, failed: 0 });
  }, 300_000);
});
