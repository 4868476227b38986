import type { CampaignRow } from '../../domain/reports/campaigns.js';
import type { Period } from '../../domain/reports/period.js';
import { escapeHtml } from '../../i18n.js';
import type { Fmt } from '../format.js';
import { captionHead, csvName, fitCaption, PALETTE, titleBlock, type ReportView } from './common.js';
import { toCsv, yuan } from './csv.js';

const SERIES = ['sent', 'delivered', 'blocked', 'clickers', 'orders', 'deposits'] as const;

const shortLabel = (row: CampaignRow) => `#${row.campaignId}${row.label ? ` ${row.label.length > 14 ? `${row.label.slice(0, 14)}…` : row.label}` : ''}`;

/** Per campaign: sent, delivered, blocked, people who clicked, and the orders and deposits their clicks brought. */
export function campaignsView(f: Fmt, period: Period, rows: CampaignRow[]): ReportView {
  const option = {
    color: PALETTE,
    title: titleBlock(f, 'campaigns', period),
    legend: { bottom: 16, textStyle: { fontSize: 16 } },
    grid: { left: 90, right: 40, top: 120, bottom: 140 },
    xAxis: { type: 'category', data: rows.map(shortLabel), axisLabel: { fontSize: 14, interval: 0, rotate: rows.length > 4 ? 20 : 0 } },
    yAxis: { type: 'log', logBase: 10, min: 1, axisLabel: { fontSize: 14 } },
    series: SERIES.map((s) => ({
      name: f.t(`reports.campaigns.series.${s}`),
      type: 'bar',
      // A log axis cannot draw 0: a zero is left out (no bar), its figure is in the caption and the CSV.
      data: rows.map((r) => (r[s] > 0 ? r[s] : null)),
      label: { show: rows.length <= 4, position: 'top', fontSize: 13 },
    })),
  };
  const lines = [captionHead(f, 'campaigns', period)];
  if (!rows.length) lines.push(f.t('reports.campaigns.none'));
  for (const r of rows)
    lines.push(
      f.t('reports.campaigns.line', {
        id: r.campaignId,
        label: escapeHtml(r.label.length > 24 ? `${r.label.slice(0, 24)}…` : r.label),
        sent: r.sent,
        delivered: r.delivered,
        blocked: r.blocked,
        clickers: r.clickers,
        orders: r.orders,
        deposits: r.deposits,
        amount: f.money(r.depositsFen),
      }),
    );
  lines.splice(1, 0, f.t('reports.campaigns.attribution'));
  const s = (k: (typeof SERIES)[number]) => f.t(`reports.campaigns.series.${k}`);
  const c = (k: string) => f.t(`reports.campaigns.csv.${k}`);
  const csv = toCsv(
    [c('campaign'), c('label'), s('sent'), s('delivered'), s('blocked'), s('clickers'), c('clicks'), s('orders'), s('deposits'), c('amount')],
    rows.map((r) => [r.campaignId, r.label, r.sent, r.delivered, r.blocked, r.clickers, r.clicks, r.orders, r.deposits, yuan(r.depositsFen)]),
  );
  return { kind: 'campaigns', option, caption: fitCaption(lines), csv, filename: csvName('campaigns', period) };
}
