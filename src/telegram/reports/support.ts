import type { Period } from '../../domain/reports/period.js';
import type { SupportRow } from '../../domain/reports/support.js';
import { escapeHtml } from '../../i18n.js';
import { cleanName } from '../../shared/text.js';
import type { Fmt } from '../format.js';
import { captionHead, csvName, fitCaption, listSep, PALETTE, titleBlock, type ReportView } from './common.js';
import { toCsv } from './csv.js';

/** Seconds as "12 min" up to two hours, then "3.5 h"; — for none. */
export function duration(f: Fmt, seconds: number | null): string {
  if (seconds === null) return f.t('reports.none');
  const minutes = seconds / 60;
  if (minutes < 120) return f.t('reports.support.minutes', { value: String(Math.round(minutes * 10) / 10) });
  return f.t('reports.support.hours', { value: String(Math.round(minutes / 6) / 10) });
}

const avg = (f: Fmt, v: number | null) => (v === null ? f.t('reports.none') : v.toFixed(2));
const agentName = (f: Fmt, r: SupportRow) => (r.dimension === 'unassigned' ? f.t('reports.support.unassigned') : cleanName(r.agentName ?? '') || String(r.agentId));
const round = (v: number | null) => (v === null ? null : Math.round(v));

/** Conversations and SLA breaches per agent (left), the CSAT distribution (right). */
export function supportView(f: Fmt, period: Period, rows: SupportRow[]): ReportView {
  const total = rows.find((r) => r.dimension === 'total')!;
  const agents = rows.filter((r) => r.dimension !== 'total');
  const stars = [1, 2, 3, 4, 5].map((n) => f.t('reports.support.stars', { count: n }));
  const option = {
    color: PALETTE,
    title: titleBlock(f, 'support', period),
    legend: { bottom: 16, textStyle: { fontSize: 16 } },
    grid: [
      { left: 80, right: '45%', top: 130, bottom: 120 },
      { left: '62%', right: 40, top: 130, bottom: 120 },
    ],
    xAxis: [
      { type: 'category', gridIndex: 0, data: agents.map((r) => agentName(f, r)), axisLabel: { fontSize: 14, interval: 0 } },
      { type: 'category', gridIndex: 1, data: stars, axisLabel: { fontSize: 16 } },
    ],
    yAxis: [
      { type: 'value', gridIndex: 0, minInterval: 1 },
      { type: 'value', gridIndex: 1, minInterval: 1 },
    ],
    series: [
      {
        name: f.t('reports.support.series.conversations'),
        type: 'bar',
        xAxisIndex: 0,
        yAxisIndex: 0,
        data: agents.map((r) => r.conversations),
        label: { show: true, position: 'top' },
      },
      { name: f.t('reports.support.series.breaches'), type: 'bar', xAxisIndex: 0, yAxisIndex: 0, data: agents.map((r) => r.slaBreaches), label: { show: true, position: 'top' } },
      { name: f.t('reports.support.series.ratings'), type: 'bar', xAxisIndex: 1, yAxisIndex: 1, data: total.ratings, label: { show: true, position: 'top' } },
    ],
  };
  const lines = [
    captionHead(f, 'support', period),
    f.t('reports.support.conversations', { count: total.conversations, closed: total.closed }),
    f.t('reports.support.first_reply', { p50: duration(f, total.firstReplyP50), p90: duration(f, total.firstReplyP90) }),
    f.t('reports.support.resolution', { p50: duration(f, total.resolutionP50), avg: duration(f, total.resolutionAvg) }),
    f.t('reports.support.csat', { avg: avg(f, total.ratingAvg), dist: total.ratings.map((n, i) => `${stars[i]} ${n}`).join(listSep(f)) }),
    f.t('reports.support.breaches', { count: total.slaBreaches }),
    ...agents.map((r) =>
      f.t('reports.support.agent_line', {
        name: escapeHtml(agentName(f, r)),
        count: r.conversations,
        p50: duration(f, r.firstReplyP50),
        avg: avg(f, r.ratingAvg),
        breaches: r.slaBreaches,
      }),
    ),
  ];
  const c = (k: string) => f.t(`reports.support.csv.${k}`);
  const csv = toCsv(
    [
      c('agent'),
      c('agent_id'),
      f.t('reports.support.series.conversations'),
      c('closed'),
      c('fr50'),
      c('fr90'),
      c('res50'),
      c('res_avg'),
      ...stars,
      c('rating_avg'),
      f.t('reports.support.series.breaches'),
    ],
    rows.map((r) => [
      r.dimension === 'total' ? f.t('reports.total') : agentName(f, r),
      r.agentId,
      r.conversations,
      r.closed,
      round(r.firstReplyP50),
      round(r.firstReplyP90),
      round(r.resolutionP50),
      round(r.resolutionAvg),
      ...r.ratings,
      r.ratingAvg === null ? null : r.ratingAvg.toFixed(2),
      r.slaBreaches,
    ]),
  );
  return { kind: 'support', option, caption: fitCaption(lines), csv, filename: csvName('support', period) };
}
