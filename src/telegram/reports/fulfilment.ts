import type { FulfilmentReport } from '../../domain/reports/fulfilment.js';
import type { Period } from '../../domain/reports/period.js';
import { localDateKey } from '../../shared/time.js';
import type { Fmt } from '../format.js';
import { captionHead, csvName, fitCaption, PALETTE, titleBlock, type ReportView } from './common.js';
import { toCsv } from './csv.js';

const BUCKETS = ['upTo7', 'upTo30', 'over30'] as const;
const days = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

/** Orders waiting per state stacked by age (top), installations per week against capacity (bottom). */
export function fulfilmentView(f: Fmt, period: Period, report: FulfilmentReport, now: Date): ReportView {
  const { waiting, weeks } = report;
  const stateLabels = waiting.map((w) => f.t(`reports.state.${w.state}`));
  const option = {
    color: PALETTE,
    title: titleBlock(f, 'fulfilment', period),
    legend: { bottom: 10, textStyle: { fontSize: 15 } },
    grid: [
      { left: 80, right: 40, top: 150, height: 220 },
      { left: 80, right: 40, top: 470, height: 220 },
    ],
    xAxis: [
      { type: 'category', gridIndex: 0, data: stateLabels, axisLabel: { fontSize: 14, interval: 0 } },
      { type: 'category', gridIndex: 1, data: weeks.map((w) => f.day(w.week)), axisLabel: { fontSize: 14 } },
    ],
    yAxis: [
      { type: 'value', gridIndex: 0, minInterval: 1, name: f.t('reports.fulfilment.waiting_title'), nameTextStyle: { fontSize: 16, align: 'left' } },
      { type: 'value', gridIndex: 1, minInterval: 1, name: f.t('reports.fulfilment.weeks_title'), nameTextStyle: { fontSize: 16, align: 'left' } },
    ],
    series: [
      ...BUCKETS.map((b) => ({ name: f.t(`reports.fulfilment.bucket.${b}`), type: 'bar', stack: 'age', xAxisIndex: 0, yAxisIndex: 0, data: waiting.map((w) => w[b]) })),
      ...(['capacity', 'booked', 'installed'] as const).map((k) => ({
        name: f.t(`reports.fulfilment.series.${k}`),
        type: k === 'capacity' ? 'line' : 'bar',
        xAxisIndex: 1,
        yAxisIndex: 1,
        data: weeks.map((w) => w[k]),
        label: { show: weeks.length <= 8, position: 'top' },
      })),
    ],
  };
  const thisWeek = [...weeks].reverse().find((w) => w.week <= localDateKey(now, f.timeZone)) ?? weeks[0];
  const lines = [
    captionHead(f, 'fulfilment', period),
    ...waiting
      .filter((w) => w.orders > 0)
      .map((w) => f.t('reports.fulfilment.waiting', { state: f.t(`reports.state.${w.state}`), count: w.orders, avg: days(w.avgAgeDays), max: days(w.maxAgeDays) })),
  ];
  if (thisWeek) lines.push(f.t('reports.fulfilment.weeks', { booked: thisWeek.booked, capacity: thisWeek.capacity, installed: thisWeek.installed }));
  const c = (k: string) => f.t(`reports.fulfilment.csv.${k}`);
  const csv = toCsv(
    [
      c('part'),
      c('key'),
      c('orders'),
      c('avg_age'),
      c('max_age'),
      ...BUCKETS.map((b) => f.t(`reports.fulfilment.bucket.${b}`)),
      ...(['capacity', 'booked', 'installed'] as const).map((k) => f.t(`reports.fulfilment.series.${k}`)),
    ],
    [
      ...waiting.map((w) => [c('part_state'), f.t(`reports.state.${w.state}`), w.orders, days(w.avgAgeDays), days(w.maxAgeDays), w.upTo7, w.upTo30, w.over30, null, null, null]),
      ...weeks.map((w) => [c('part_week'), w.week, null, null, null, null, null, null, w.capacity, w.booked, w.installed]),
    ],
  );
  return { kind: 'fulfilment', option, caption: fitCaption(lines), csv, filename: csvName('fulfilment', period) };
}
