import type { ReportData } from '../../domain/reports/service.js';
import { renderChart, type PngOptions } from '../charts/render.js';
import type { Fmt } from '../format.js';
import { campaignsView } from './campaigns.js';
import type { ReportView } from './common.js';
import { fulfilmentView } from './fulfilment.js';
import { funnelView } from './funnel.js';
import { revenueView } from './revenue.js';
import { supportView } from './support.js';

export type { ReportView } from './common.js';
export { periodLabel } from './common.js';

/** A report's chart option, caption and CSV in the reader's language. */
export function reportView(f: Fmt, data: ReportData, now: Date): ReportView {
  switch (data.kind) {
    case 'funnel':
      return funnelView(f, data.period, data.rows);
    case 'revenue':
      return revenueView(f, data.period, data.rows);
    case 'campaigns':
      return campaignsView(f, data.period, data.rows);
    case 'support':
      return supportView(f, data.period, data.rows);
    case 'fulfilment':
      return fulfilmentView(f, data.period, data.report, now);
  }
}

export interface RenderedReport extends ReportView {
  png: Buffer;
}

/** The view with its chart drawn as a PNG (1200 × 800). */
export function renderReport(f: Fmt, data: ReportData, now: Date, opts: PngOptions = {}): RenderedReport {
  const view = reportView(f, data, now);
  return { ...view, png: renderChart(view.option, undefined, opts) };
}
