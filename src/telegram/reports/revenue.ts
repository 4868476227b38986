import type { Period } from '../../domain/reports/period.js';
import type { RevenueRow } from '../../domain/reports/revenue.js';
import type { Fmt } from '../format.js';
import { captionHead, csvName, fitCaption, listSep, modelName, PALETTE, titleBlock, type ReportView } from './common.js';
import { toCsv, yuan } from './csv.js';

const keyLabel = (f: Fmt, row: Pick<RevenueRow, 'kind' | 'key'>) => (row.kind === 'deposit' ? modelName(row.key) : f.t(`reports.category.${row.key}`));

function totals(rows: RevenueRow[], kind: RevenueRow['kind']) {
  const byKey = new Map<string, number>();
  let fen = 0;
  let count = 0;
  for (const r of rows.filter((r) => r.kind === kind)) {
    byKey.set(r.key, (byKey.get(r.key) ?? 0) + r.amountFen);
    fen += r.amountFen;
    count += r.count;
  }
  return { fen, count, byKey: [...byKey.entries()].sort((a, b) => b[1] - a[1]) };
}

/** Deposits (stacked by model) and store goods (stacked by category) per day, in yuan. */
export function revenueView(f: Fmt, period: Period, rows: RevenueRow[]): ReportView {
  const deposits = totals(rows, 'deposit');
  const store = totals(rows, 'store');
  const series = (kind: RevenueRow['kind'], keys: string[]) =>
    keys.map((key) => {
      const byDay = new Map(rows.filter((r) => r.kind === kind && r.key === key).map((r) => [r.day, r.amountFen]));
      return {
        name: f.t(kind === 'deposit' ? 'reports.revenue.deposit_series' : 'reports.revenue.store_series', { key: keyLabel(f, { kind, key }) }),
        type: 'bar',
        stack: kind,
        data: period.days.map((d) => (byDay.get(d) ?? 0) / 100),
      };
    });
  const option = {
    color: PALETTE,
    title: titleBlock(f, 'revenue', period),
    legend: { bottom: 16, textStyle: { fontSize: 16 } },
    grid: { left: 110, right: 40, top: 120, bottom: 120 },
    xAxis: { type: 'category', data: period.days.map((d) => f.day(d)), axisLabel: { fontSize: 14, rotate: period.days.length > 10 ? 45 : 0 } },
    yAxis: { type: 'value', name: f.t('reports.revenue.axis'), nameTextStyle: { fontSize: 16 }, axisLabel: { fontSize: 14 } },
    series: [
      ...series(
        'deposit',
        deposits.byKey.map(([k]) => k),
      ),
      ...series(
        'store',
        store.byKey.map(([k]) => k),
      ),
    ],
  };
  const sep = listSep(f);
  const lines = [
    captionHead(f, 'revenue', period),
    f.t('reports.revenue.deposits', { amount: f.money(deposits.fen), count: deposits.count }),
    f.t('reports.revenue.store', { amount: f.money(store.fen), count: store.count }),
  ];
  if (deposits.byKey.length) lines.push(f.t('reports.revenue.by_model', { list: deposits.byKey.map(([k, fen]) => `${modelName(k)} ${f.money(fen)}`).join(sep) }));
  if (store.byKey.length)
    lines.push(f.t('reports.revenue.by_category', { list: store.byKey.map(([k, fen]) => `${keyLabel(f, { kind: 'store', key: k })} ${f.money(fen)}`).join(sep) }));
  const c = (k: string) => f.t(`reports.revenue.csv.${k}`);
  const csv = toCsv(
    [c('kind'), c('day'), c('key'), c('count'), c('amount')],
    rows.map((r) => [c(r.kind), r.day, keyLabel(f, r), r.count, yuan(r.amountFen)]),
  );
  return { kind: 'revenue', option, caption: fitCaption(lines), csv, filename: csvName('revenue', period) };
}
