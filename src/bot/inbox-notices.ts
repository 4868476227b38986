import type { ClaimedUpdate } from '../domain/inbox/index.js';
import type { Locale } from '../domain/customers/service.js';
import type { AppDeps } from '../deps.js';
import { escapeHtml } from '../i18n.js';

/**
 * Tells every admin (staff role admin, src/domain/staff) about an update the inbox parked after its
 * last try: one message per parked update, in the admin's language, with the ops commands that
 * retry or drop it (src/ops/inbox.ts). Sent over the API client of src/deps.ts, outside any update.
 */
export async function noticeParked(deps: AppDeps, row: ClaimedUpdate, reason: string): Promise<void> {
  const admins = await deps.services.staff.idsWith('admin');
  if (admins.length === 0) return;
  const langs = new Map<number, string>();
  const rows = await deps.dbHandle.sql`select telegram_id, language from customers where telegram_id = any(${admins.map(String)}::bigint[])`;
  for (const r of rows) langs.set(Number(r.telegram_id), String(r.language));
  const received = new Intl.DateTimeFormat('en-CA', { timeZone: deps.config.timeZone, dateStyle: 'short', timeStyle: 'medium', hourCycle: 'h23' }).format(deps.now());
  await Promise.all(
    admins.map(async (id) => {
      const locale = (langs.get(id) ?? deps.config.defaultLocale) as Locale;
      const t = deps.i18n.t(locale);
      const text = t('inbox.parked', {
        attempts: row.attempts,
        id: row.updateId,
        kind: escapeHtml(row.kind),
        chat: escapeHtml(row.chatKey),
        received,
        reason: escapeHtml(reason.slice(0, 500)),
      });
      try {
        await deps.telegram.sendMessage(id, text, { parse_mode: 'HTML' });
      } catch (err) {
        deps.logger.warn({ err, admin: id, updateId: row.updateId }, 'could not tell an admin about a parked update');
      }
    }),
  );
}
