import type { Telegram } from 'telegraf';
import { periodPresets } from '../../domain/reports/period.js';
import { reportKinds, type ReportKind } from '../../domain/reports/service.js';
import { cb } from '../callback-data.js';
import type { Fmt } from '../format.js';
import type { RenderedReport } from '../reports/index.js';
import type { Screen } from '../screen.js';
import { button, menuButton } from './common.js';

/** /report: one button per report. */
export function reportMenuScreen(f: Fmt): Screen {
  return {
    text: f.t('reports.menu'),
    keyboard: [...reportKinds.map((kind) => [button(f.t(`reports.kind.${kind}`), cb.reportKind.pack({ kind }))]), [menuButton(f)]],
    noSupport: true,
  };
}

/** The periods of one report: today, 7 days, 30 days, or a range typed as dates. */
export function reportPeriodScreen(f: Fmt, kind: ReportKind): Screen {
  return {
    text: f.t('reports.pick_period', { report: f.t(`reports.kind.${kind}`) }),
    keyboard: [
      periodPresets.map((period) => button(f.t(`reports.period.${period}`), cb.reportRun.pack({ kind, period }))),
      [button(f.t('reports.period.custom'), cb.reportCustom.pack({ kind }))],
      [button(f.t('reports.back'), cb.reportMenu.pack({}))],
    ],
    noSupport: true,
  };
}

export function reportRangeScreen(f: Fmt, kind: ReportKind, problem?: string): Screen {
  const ask = f.t('reports.custom_ask', { report: f.t(`reports.kind.${kind}`) });
  return { text: problem ? `${problem}\n\n${ask}` : ask, keyboard: [[button(f.t('reports.back'), cb.reportKind.pack({ kind }))]], noSupport: true };
}

/**
 * Sends a rendered report: the chart as an uploaded photo with the key figures in its caption,
 * then the CSV of the same rows as a document (with a button back to the report menu).
 */
export async function sendReport(telegram: Telegram, chatId: number, f: Fmt, report: RenderedReport, opts: { intro?: string } = {}): Promise<void> {
  // The intro only when it fits: cutting HTML would break a tag, and the figures matter more.
  const withIntro = opts.intro ? `${opts.intro}\n\n${report.caption}` : report.caption;
  const caption = withIntro.length <= 1024 ? withIntro : report.caption;
  await telegram.sendPhoto(chatId, { source: report.png, filename: `${report.filename.replace(/\.csv$/, '')}.png` }, { caption, parse_mode: 'HTML' });
  await telegram.sendDocument(
    chatId,
    { source: report.csv, filename: report.filename },
    { reply_markup: { inline_keyboard: [[button(f.t('reports.another'), cb.reportMenu.pack({}))]] } },
  );
}
