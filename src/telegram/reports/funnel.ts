import { conversions, funnelSteps, type FunnelRow } from '../../domain/reports/funnel.js';
import type { Period } from '../../domain/reports/period.js';
import { escapeHtml } from '../../i18n.js';
import type { Fmt } from '../format.js';
import { captionHead, csvName, fitCaption, listSep, localized, modelName, PALETTE, pct, titleBlock, type ReportView } from './common.js';
import { toCsv } from './csv.js';

const cityLabel = (f: Fmt, row: FunnelRow) => localized(f, row.cityName, row.key ?? '');

/** The funnel: bars per step stacked by model, conversion under each step; caption and CSV with cities too. */
export function funnelView(f: Fmt, period: Period, rows: FunnelRow[]): ReportView {
  const total = rows.find((r) => r.dimension === 'total')!;
  const models = rows.filter((r) => r.dimension === 'model');
  const cities = rows.filter((r) => r.dimension === 'city');
  const steps = funnelSteps.map((s) => f.t(`reports.funnel.step.${s}`));
  const conv = conversions(total);
  const axis = steps.map((label, i) => (i === 0 ? label : `${label}\n${pct(f, conv[i - 1]!)}`));
  const option = {
    color: PALETTE,
    title: titleBlock(f, 'funnel', period),
    legend: { bottom: 16, textStyle: { fontSize: 18 } },
    grid: { left: 80, right: 40, top: 120, bottom: 130 },
    xAxis: { type: 'category', data: axis, axisLabel: { fontSize: 18, lineHeight: 26 } },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { fontSize: 16 } },
    series: [
      ...models.map((m) => ({ name: modelName(m.key!), type: 'bar', stack: 'funnel', barWidth: '55%', data: funnelSteps.map((s) => m[s]) })),
      // The total over each bar (an invisible series carrying the labels).
      {
        name: f.t('reports.total'),
        type: 'bar',
        stack: 'funnel',
        data: funnelSteps.map(() => 0),
        label: { show: true, position: 'top', fontSize: 20, fontWeight: 'bold', formatter: (p: { dataIndex: number }) => String(total[funnelSteps[p.dataIndex]!]) },
        itemStyle: { color: 'transparent' },
        legendHoverLink: false,
      },
    ],
  };
  const sep = listSep(f);
  const lines = [
    captionHead(f, 'funnel', period),
    ...funnelSteps.map((s, i) =>
      i === 0 || conv[i - 1] === null
        ? f.t('reports.funnel.line', { step: f.t(`reports.funnel.step.${s}`), count: total[s] })
        : f.t('reports.funnel.line_conv', { step: f.t(`reports.funnel.step.${s}`), count: total[s], pct: pct(f, conv[i - 1]!) }),
    ),
  ];
  if (models.length) lines.push(f.t('reports.funnel.models', { list: models.map((m) => `${modelName(m.key!)} ${m.ordered}`).join(sep) }));
  const topCities = [...cities].sort((a, b) => b.ordered - a.ordered).slice(0, 5);
  if (topCities.length) lines.push(f.t('reports.funnel.cities', { list: topCities.map((c) => `${escapeHtml(cityLabel(f, c))} ${c.ordered}`).join(sep) }));
  const header = [f.t('reports.funnel.csv.dimension'), f.t('reports.funnel.csv.key'), ...steps];
  const csvRows = rows.map((r) => [
    f.t(`reports.funnel.csv.by_${r.dimension}`),
    r.dimension === 'model' ? modelName(r.key!) : r.dimension === 'city' ? cityLabel(f, r) : f.t('reports.total'),
    ...funnelSteps.map((s) => r[s]),
  ]);
  return { kind: 'funnel', option, caption: fitCaption(lines), csv: toCsv(header, csvRows), filename: csvName('funnel', period) };
}
