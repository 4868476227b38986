/**
 * Managers' reports on seeded rows: every figure of each report's one query equals the figure
 * computed independently from the seeded rows (test/support/reports-seed.ts), and each report
 * renders as a PNG of the expected size and a CSV of the same rows, in zh-CN and English.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/deps.js';
import { parseRange, presetPeriod, rangePeriod, type Period } from '../../src/domain/reports/period.js';
import { SINGLE_PASS_DAYS, type FunnelRow } from '../../src/domain/reports/funnel.js';
import type { SupportRow } from '../../src/domain/reports/support.js';
import { createI18n } from '../../src/i18n.js';
import { createFmt } from '../../src/telegram/format.js';
import { toCsv } from '../../src/telegram/reports/csv.js';
import { renderReport } from '../../src/telegram/reports/index.js';
import type { TestDb } from '../support/db.js';
import {
  expectedCampaigns,
  expectedFunnel,
  expectedInstalled,
  expectedRevenue,
  expectedSupport,
  expectedWaiting,
  seedReports,
  CITIES,
  MODELS,
  type Seeded,
} from '../support/reports-seed.js';
import { TZ, withTestServices } from './helpers.js';

// Monday 30 Nov 2026, 12:00 Beijing time.
const NOW = new Date('2026-11-30T04:00:00Z');
const SLA = 5;
let t: TestDb;
let s: Services;
let seeded: Seeded;
withTestServices(
  (env) => {
    t = env.t;
    s = env.s;
  },
  () => NOW,
);
beforeAll(async () => {
  seeded = await seedReports(t.sql, NOW);
}, 120_000);

const i18n = createI18n('zh-CN');
const fmt = (lng: 'zh-CN' | 'en') => createFmt(lng, i18n.t(lng), TZ);
const periods = (): Array<[string, Period]> => [
  ['today', presetPeriod('today', NOW, TZ)],
  ['7d', presetPeriod('7d', NOW, TZ)],
  ['30d', presetPeriod('30d', NOW, TZ)],
  ['custom', rangePeriod('2026-10-25', '2026-11-15', TZ)],
  // Longer than SINGLE_PASS_DAYS (the funnel's other shape): one ends before the seeded steps do,
  // the other starts after the first orders were placed.
  ['long to mid-November', rangePeriod('2026-08-01', '2026-11-15', TZ)],
  ['long from late October', rangePeriod('2026-10-25', '2027-01-31', TZ)],
];
/** CSV rows (no BOM, CRLF) as arrays of fields; the tests' fields hold no quotes or commas unless quoted. */
function parseCsv(buf: Buffer): string[][] {
  const text = buf.toString('utf8');
  expect(text.charCodeAt(0)).toBe(0xfeff);
  const rows: string[][] = [];
  for (const line of text.slice(1).split('\r\n').filter(Boolean)) {
    const fields: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (ch === '"') quoted = false;
        else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') {
        fields.push(cur);
        cur = '';
      } else cur += ch;
    }
    fields.push(cur);
    rows.push(fields);
  }
  return rows;
}
const close = (a: number | null, b: number | null) => (a === null || b === null ? expect(a).toBe(b) : expect(a).toBeCloseTo(b, 6));

describe('periods', () => {
  it('today, 7 and 30 days end with today in Beijing time; a custom range includes both days', () => {
    const late = new Date('2026-11-30T17:30:00Z'); // 01:30 on 1 Dec in Beijing
    expect(presetPeriod('today', late, TZ)).toMatchObject({ firstDay: '2026-12-01', lastDay: '2026-12-01', from: new Date('2026-11-30T16:00:00Z') });
    const week = presetPeriod('7d', NOW, TZ);
    expect([week.firstDay, week.lastDay, week.days.length]).toEqual(['2026-11-24', '2026-11-30', 7]);
    expect(presetPeriod('30d', NOW, TZ).days).toHaveLength(30);
    const custom = parseRange('2026/11/01 至 2026-11-30', TZ);
    expect(custom.ok && [custom.period.days.length, custom.period.to.toISOString()]).toEqual([30, '2026-11-30T16:00:00.000Z']);
    expect(parseRange('2026-11-30 2026-11-01', TZ)).toEqual({ ok: false, problem: 'order' });
    expect(parseRange('2026-02-30 2026-03-01', TZ)).toEqual({ ok: false, problem: 'format' });
    expect(parseRange('yesterday', TZ)).toEqual({ ok: false, problem: 'format' });
    expect(parseRange('2024-01-01 2025-12-31', TZ)).toEqual({ ok: false, problem: 'too_long' });
    // The two long ranges of periods() take the funnel's single pass; the others its lookups.
    expect(periods().map(([, p]) => p.days.length > SINGLE_PASS_DAYS)).toEqual([false, false, false, false, true, true]);
  });
});

describe('each report equals the figures computed from the seeded rows', () => {
  it('the car funnel, in total, by model and by city', async () => {
    for (const [name, period] of periods()) {
      const data = await s.reports.run('funnel', period);
      if (data.kind !== 'funnel') throw new Error('kind');
      const exp = expectedFunnel(seeded, period);
      const pick = (r: FunnelRow | undefined) =>
        r && { started: r.started, configured: r.configured, ordered: r.ordered, depositPaid: r.depositPaid, allocated: r.allocated, delivered: r.delivered };
      expect(pick(data.rows.find((r) => r.dimension === 'total')), name).toEqual(exp.total);
      for (const m of MODELS) {
        const row = data.rows.find((r) => r.dimension === 'model' && r.key === m);
        const e = exp.model(m);
        if (Object.values(e).every((v) => v === 0)) expect(row, `${name} ${m}`).toBeUndefined();
        else expect(pick(row), `${name} ${m}`).toEqual(e);
      }
      for (const c of CITIES) {
        const row = data.rows.find((r) => r.dimension === 'city' && r.key === c);
        const e = exp.city(c);
        if (Object.values(e).every((v) => v === 0)) expect(row).toBeUndefined();
        else expect(pick(row), `${name} ${c}`).toEqual(e);
      }
    }
    // The seed gives the 30 days something at every step.
    const month = expectedFunnel(seeded, presetPeriod('30d', NOW, TZ)).total;
    expect(Object.values(month).every((v) => v > 0)).toBe(true);
  });

  it('deposits and store revenue per day, by model and by category', async () => {
    for (const [name, period] of periods()) {
      const data = await s.reports.run('revenue', period);
      if (data.kind !== 'revenue') throw new Error('kind');
      const got = new Map(data.rows.map((r) => [`${r.kind}|${r.day}|${r.key}`, { count: r.count, amountFen: r.amountFen }]));
      expect(got, name).toEqual(expectedRevenue(seeded, period));
    }
    expect(expectedRevenue(seeded, presetPeriod('30d', NOW, TZ)).size).toBeGreaterThan(10);
  });

  it('campaigns: delivery, distinct clickers, and orders and deposits by last click within 7 days', async () => {
    for (const [name, period] of periods()) {
      const data = await s.reports.run('campaigns', period);
      if (data.kind !== 'campaigns') throw new Error('kind');
      expect(
        data.rows.map(({ label: _label, ...r }) => r),
        name,
      ).toEqual(expectedCampaigns(seeded, period));
    }
    const month = expectedCampaigns(seeded, presetPeriod('30d', NOW, TZ));
    expect(month.length).toBeGreaterThanOrEqual(2);
    expect(month.some((c) => c.orders > 0 && c.clicks > c.clickers)).toBe(true);
  });

  it('support: conversations, first reply p50/p90, resolution, CSAT, SLA breaches, per agent', async () => {
    for (const [name, period] of periods()) {
      const data = await s.reports.run('support', period);
      if (data.kind !== 'support') throw new Error('kind');
      const exp = expectedSupport(seeded, period, SLA, NOW);
      const check = (row: SupportRow | undefined, e: ReturnType<typeof exp.agent>, what: string) => {
        if (e.conversations === 0) return expect(row?.conversations ?? 0, what).toBe(0);
        expect(row, what).toBeDefined();
        expect([row!.conversations, row!.closed, row!.ratings, row!.slaBreaches], what).toEqual([e.conversations, e.closed, e.ratings, e.slaBreaches]);
        for (const k of ['firstReplyP50', 'firstReplyP90', 'resolutionP50', 'resolutionAvg', 'ratingAvg'] as const) close(row![k], e[k]);
      };
      check(
        data.rows.find((r) => r.dimension === 'total'),
        exp.total,
        `${name} total`,
      );
      for (const agent of [77001, 77002, null])
        check(
          data.rows.find((r) => r.dimension !== 'total' && r.agentId === agent),
          exp.agent(agent),
          `${name} ${agent}`,
        );
    }
  });

  it('fulfilment: orders waiting per state with their age, installations per week against capacity', async () => {
    const period = presetPeriod('7d', NOW, TZ);
    const data = await s.reports.run('fulfilment', period);
    if (data.kind !== 'fulfilment') throw new Error('kind');
    const exp = expectedWaiting(seeded, NOW);
    expect(data.report.waiting.map((w) => [w.state, w.orders, w.upTo7, w.upTo30, w.over30])).toEqual(exp.map((w) => [w.state, w.orders, w.upTo7, w.upTo30, w.over30]));
    for (const [i, w] of data.report.waiting.entries()) {
      close(w.avgAgeDays, exp[i]!.avgAgeDays);
      close(w.maxAgeDays, exp[i]!.maxAgeDays);
    }
    // Weeks: from the period's (Mon 23 Nov) to 4 weeks after its last (Mon 30 Nov → 28 Dec).
    expect(data.report.weeks.map((w) => w.week)).toEqual(['2026-11-23', '2026-11-30', '2026-12-07', '2026-12-14', '2026-12-21', '2026-12-28']);
    const slots = (
      await t.sql<Array<{ starts_at: string; capacity: number; booked: number }>>`select starts_at::text, capacity, booked from slots where kind = 'installation'`
    ).map((x) => ({
      ...x,
      starts_at: new Date(x.starts_at),
    }));
    const installed = expectedInstalled(seeded);
    for (const w of data.report.weeks) {
      const from = new Date(`${w.week}T00:00:00+08:00`).getTime();
      const inWeek = slots.filter((x) => x.starts_at.getTime() >= from && x.starts_at.getTime() < from + 7 * 86_400_000);
      expect([w.capacity, w.booked, w.installed], w.week).toEqual([
        inWeek.reduce((a, x) => a + x.capacity, 0),
        inWeek.reduce((a, x) => a + x.booked, 0),
        installed.get(w.week) ?? 0,
      ]);
    }
  });
});

describe('charts and CSVs', () => {
  const png = (buf: Buffer) => PNG.sync.read(buf);

  it('every report draws a 1200 × 800 PNG and a CSV of the same rows, in zh-CN and English', async () => {
    const period = presetPeriod('30d', NOW, TZ);
    for (const kind of ['funnel', 'revenue', 'campaigns', 'support', 'fulfilment'] as const) {
      const data = await s.reports.run(kind, period);
      for (const lng of ['zh-CN', 'en'] as const) {
        const r = renderReport(fmt(lng), data, NOW);
        const image = png(r.png);
        // Kept for a look (and the README's pictures).
        mkdirSync('test-results', { recursive: true });
        writeFileSync(`test-results/report-${kind}-${lng}.png`, r.png);
        expect([image.width, image.height], `${kind} ${lng}`).toEqual([1200, 800]);
        expect(r.caption.length).toBeLessThanOrEqual(1024);
        expect(r.caption).toContain(i18n.t(lng)(`reports.title.${kind}`));
        expect(r.filename).toBe(`${kind}_${period.firstDay}_${period.lastDay}.csv`);
        const rows = parseCsv(r.csv);
        expect(rows.length, `${kind} ${lng}`).toBeGreaterThan(1);
        // The header is in the reader's language.
        expect(/[\u4e00-\u9fff]/.test(rows[0]!.join(','))).toBe(lng === 'zh-CN');
      }
    }
  }, 300_000);

  it("the funnel's caption and CSV carry the query's figures, the revenue's the yuan amounts", async () => {
    const period = presetPeriod('30d', NOW, TZ);
    const exp = expectedFunnel(seeded, period).total;
    const funnel = await s.reports.run('funnel', period);
    const zh = renderReport(fmt('zh-CN'), funnel, NOW);
    expect(zh.caption).toContain(`提交订单：<b>${exp.ordered}</b>`);
    expect(zh.caption).toContain(`支付订金：<b>${exp.depositPaid}</b>（上一步的 ${(Math.round((exp.depositPaid / exp.ordered) * 1000) / 10).toString()}%）`);
    const en = renderReport(fmt('en'), funnel, NOW);
    expect(en.caption).toContain(`Delivered: <b>${exp.delivered}</b>`);
    const total = parseCsv(en.csv).find((r) => r[0] === 'total')!;
    expect(total.slice(2).map(Number)).toEqual([exp.started, exp.configured, exp.ordered, exp.depositPaid, exp.allocated, exp.delivered]);

    const revenue = await s.reports.run('revenue', period);
    const expRevenue = expectedRevenue(seeded, period);
    const depositFen = [...expRevenue].filter(([k]) => k.startsWith('deposit|')).reduce((a, [, v]) => a + v.amountFen, 0);
    const formatted = new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY', currencyDisplay: 'narrowSymbol', minimumFractionDigits: 0 }).format(depositFen / 100);
    expect(renderReport(fmt('zh-CN'), revenue, NOW).caption).toContain(`订金：<b>${formatted}</b>`);
    const csv = parseCsv(renderReport(fmt('en'), revenue, NOW).csv);
    const csvFen = csv
      .slice(1)
      .filter((r) => r[0] === 'deposit')
      .reduce((a, r) => a + Math.round(Number(r[4]) * 100), 0);
    expect(csvFen).toBe(depositFen);
  }, 120_000);

  it('a campaign message with a comma and quotes stays one CSV field; a leading = is defused', async () => {
    const data = await s.reports.run('campaigns', presetPeriod('30d', NOW, TZ));
    const rows = parseCsv(renderReport(fmt('en'), data, NOW).csv);
    const labels = rows.slice(1).map((r) => r[1]);
    expect(labels.some((l) => l?.startsWith('Winter, offer "'))).toBe(true);
    expect(rows.slice(1).every((r) => r.length === rows[0]!.length)).toBe(true);
    expect(toCsv(['a', 'b'], [['=HYPERLINK("x")', -5]]).toString('utf8')).toBe('\uFEFFa,b\r\n"\'=HYPERLINK(""x"")",-5\r\n');
  }, 60_000);
});
