import type { EChartsCoreOption } from 'echarts';
import type { LocalizedText } from '../../db/schema/catalog.js';
import type { Period } from '../../domain/reports/period.js';
import type { ReportKind } from '../../domain/reports/service.js';
import type { Fmt } from '../format.js';

/** What a report becomes: a chart, its caption (HTML, ≤ 1,024 characters) and a CSV of the same rows. */
export interface ReportView {
  kind: ReportKind;
  option: EChartsCoreOption;
  caption: string;
  csv: Buffer;
  filename: string;
}

export const PALETTE = ['#3e6ae1', '#e31937', '#171a20', '#2a9d8f', '#f4a261', '#8e44ad', '#7f8c8d', '#e76f51', '#264653', '#a8dadc'];

/** 28 Nov – 4 Dec, or one day. */
export function periodLabel(f: Fmt, period: Period): string {
  return period.firstDay === period.lastDay ? f.day(period.firstDay) : f.t('reports.period.range', { from: f.day(period.firstDay), to: f.day(period.lastDay) });
}

/** 'model-y' → 'Model Y' (the catalog's ids are the names in lower case with dashes). */
export const modelName = (id: string): string =>
  id
    .split('-')
    .map((w) => (w.length <= 1 ? w.toUpperCase() : w[0]!.toUpperCase() + w.slice(1)))
    .join(' ');

export const localized = (f: Fmt, value: LocalizedText | null, fallback: string): string => (value ? f.plain(value) : fallback);

/** 12.5% (one decimal), or — when there is nothing to divide by. */
export function pct(f: Fmt, ratio: number | null): string {
  return ratio === null ? f.t('reports.none') : f.t('reports.pct', { value: (Math.round(ratio * 1000) / 10).toString() });
}

/** The chart's title block: the report's name and the period under it. */
export function titleBlock(f: Fmt, kind: ReportKind, period: Period): EChartsCoreOption['title'] {
  return {
    text: f.t(`reports.title.${kind}`),
    subtext: periodLabel(f, period),
    left: 'center',
    top: 16,
    textStyle: { fontSize: 30, fontWeight: 'bold', color: '#171a20' },
    subtextStyle: { fontSize: 20, color: '#5c5e62' },
  };
}

export const captionHead = (f: Fmt, kind: ReportKind, period: Period): string =>
  f.t('reports.caption_head', { title: f.t(`reports.title.${kind}`), period: periodLabel(f, period) });

/** Keeps a caption within Telegram's 1,024 characters, dropping whole lines from the end. */
export function fitCaption(lines: string[], limit = 1024): string {
  const kept = [...lines];
  while (kept.length > 1 && kept.join('\n').length > limit) kept.pop();
  return kept.join('\n').slice(0, limit);
}

export const csvName = (kind: ReportKind, period: Period): string => `${kind}_${period.firstDay}_${period.lastDay}.csv`;

export const listSep = (f: Fmt): string => (f.locale === 'en' ? ', ' : '，');
