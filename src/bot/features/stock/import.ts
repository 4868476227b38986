import { Composer } from 'telegraf';
import { message } from 'telegraf/filters';
import { importDeliveryCsv, MAX_DELIVERY_BYTES, StockError } from '../../../domain/stock/index.js';
import { stockCb } from '../../../telegram/callback-data-stock.js';
import { fmtOf } from '../../../telegram/format.js';
import { stockErrorText } from '../../../telegram/screens/catalog-ops.js';
import { stockImportAskScreen, stockImportRefusedText, stockImportReport } from '../../../telegram/screens/stock-import.js';
import type { BotContext } from '../../context.js';
import { downloadFile } from '../../files.js';
import { notice, show } from '../../ui.js';

/**
 * A delivery of stock sent to /stock as a CSV file (ops, admins, managers: src/bot/features/stock/index.ts
 * mounts this behind its role check). "📥 Import a delivery (CSV)" asks for the file; the file is
 * fetched from Telegram and goes through the one import the CLI uses too (importDeliveryCsv): every
 * line checked, all applied in one transaction or none, each restock audited with `staff:<telegram id>`.
 * The reply reports every line: applied, with the stock before and after; or refused, every bad line
 * with its number and why.
 */
export const stockImport = new Composer<BotContext>();

/** Names and types a spreadsheet's CSV export arrives with. */
const CSV_NAME = /\.csv$/i;
const CSV_TYPES = new Set(['text/csv', 'text/comma-separated-values', 'application/csv']);

export async function showImport(ctx: BotContext, opts: { fresh: boolean }): Promise<void> {
  ctx.go('stock.import', {});
  await show(ctx, stockImportAskScreen(fmtOf(ctx)), opts);
}

stockImport.action(stockCb.import.trigger, (ctx) => showImport(ctx, { fresh: false }));

stockImport.command('cancel', async (ctx, next) => {
  if (ctx.session.step !== 'stock.import') return next();
  ctx.go('stock.home', {});
  await ctx.steps.renderer('stock.home')(ctx, { fresh: true });
});

stockImport.on(message('document'), async (ctx, next) => {
  if (ctx.session.step !== 'stock.import') return next();
  const f = fmtOf(ctx);
  const doc = ctx.message.document;
  const name = doc.file_name ?? '';
  if (!CSV_NAME.test(name) && !CSV_TYPES.has(doc.mime_type ?? '')) return notice(ctx, stockImportRefusedText(f, 'not_csv'));
  if ((doc.file_size ?? 0) > MAX_DELIVERY_BYTES) return notice(ctx, stockImportRefusedText(f, 'too_large'));
  let bytes: Buffer | 'too_large';
  try {
    bytes = await downloadFile(ctx, doc.file_id, MAX_DELIVERY_BYTES);
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message, fileId: doc.file_id }, 'delivery file download failed');
    return notice(ctx, stockImportRefusedText(f, 'download_failed'));
  }
  if (bytes === 'too_large') return notice(ctx, stockImportRefusedText(f, 'too_large'));
  // Bytes that are not UTF-8 become U+FFFD, which the import refuses as not text.
  const text = new TextDecoder('utf-8').decode(bytes);
  let done;
  try {
    // Named by its message: the same update handled again (after a crash) does not restock twice.
    const source = `bot ${name.slice(0, 64)} (message ${ctx.message.message_id})`;
    done = await importDeliveryCsv(ctx.deps.services.stock, text, `staff:${ctx.from.id}`, source, { once: true });
  } catch (err) {
    // Already imported, or a variant deleted between the check and the change: nothing applied.
    if (!(err instanceof StockError)) throw err;
    return notice(ctx, stockErrorText(f, err));
  }
  if (done.refused) return notice(ctx, stockImportRefusedText(f, done.refused));
  ctx.log.info({ actor: `staff:${ctx.from.id}`, lines: done.results.length, applied: done.applied }, 'delivery imported');
  const report = stockImportReport(f, done, name);
  // Applied: back to the products; refused: still waiting for the corrected file.
  if (done.applied) ctx.go('stock.home', {});
  await show(ctx, report.screen, { fresh: true });
  if (report.full) await ctx.replyWithDocument({ source: Buffer.from(report.full, 'utf8'), filename: `${name.replace(/\.csv$/i, '') || 'delivery'}-report.txt` });
});

// Text, a photo or a sticker where the file is expected: say what is wanted (commands go on).
stockImport.on('message', async (ctx, next) => {
  if (ctx.session.step !== 'stock.import' || ('text' in ctx.message && ctx.message.text.startsWith('/'))) return next();
  await notice(ctx, ctx.t('catalogOps.import.hint'));
});
