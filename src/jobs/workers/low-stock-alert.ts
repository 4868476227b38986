import { inArray } from 'drizzle-orm';
import type { Telegram } from 'telegraf';
import { staff } from '../../db/schema/index.js';
import type { AppDeps } from '../../deps.js';
import { STOCK_ROLES } from '../../domain/stock/roles.js';
import { createFmt } from '../../telegram/format.js';
import { lowStockAlertText } from '../../telegram/screens/catalog-ops.js';

/**
 * Tells ops (and everyone else who manages stock) that a variant runs low, once per crossing: the
 * job's id names the crossing, and the variant is read again first, so a restock in between (the
 * alert re-armed) or a rerun of the job sends nothing more. One staff member's chat failing does
 * not keep the others from hearing (logged, not retried: a retry would tell the others twice).
 */
export async function lowStockAlert(deps: AppDeps, telegram: Telegram, variantId: string, alertedAt: number): Promise<'sent' | 'skipped'> {
  const variant = await deps.services.stock.variant(variantId);
  if (!variant || !variant.lowAlerted || variant.stock >= variant.threshold) return 'skipped';
  const locale = deps.config.defaultLocale;
  const f = createFmt(locale, deps.i18n.t(locale), deps.config.timeZone);
  const text = lowStockAlertText(f, variant);
  const rows = await deps.db
    .selectDistinct({ id: staff.telegramId })
    .from(staff)
    .where(inArray(staff.role, [...STOCK_ROLES]));
  for (const { id } of rows) {
    await telegram
      .sendMessage(id, text, { parse_mode: 'HTML' })
      .catch((err: unknown) => deps.logger.warn({ err, staff: id, variantId, alertedAt }, 'could not tell staff about low stock'));
  }
  return 'sent';
}
