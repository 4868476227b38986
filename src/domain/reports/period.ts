import { addDays, dayStartFromKey, localDateKey, zonedDayStart } from '../../shared/time.js';

export const periodPresets = ['today', '7d', '30d'] as const;
export type PeriodPreset = (typeof periodPresets)[number];

/** The longest custom range a report takes (a year and a day: a leap year's whole year fits). */
export const MAX_RANGE_DAYS = 366;

/**
 * A report's period: whole business days (TZ_BUSINESS), `from` inclusive and `to` exclusive as
 * instants, and the same as local dates (`lastDay` inclusive) for captions and the per-day axis.
 */
export interface Period {
  from: Date;
  to: Date;
  firstDay: string;
  lastDay: string;
  /** Every local date of the period, in order. */
  days: string[];
}

function periodOf(firstDay: string, lastDay: string, timeZone: string): Period {
  const from = dayStartFromKey(firstDay, timeZone);
  const days: string[] = [];
  let at = from;
  for (let key = firstDay; key <= lastDay; key = localDateKey(at, timeZone)) {
    days.push(key);
    at = addDays(at, 1, timeZone);
  }
  return { from, to: at, firstDay, lastDay, days };
}

/** Today, the last 7 days or the last 30 days, each ending with today (Beijing time by default). */
export function presetPeriod(preset: PeriodPreset, now: Date, timeZone: string): Period {
  const today = zonedDayStart(now, timeZone);
  const back = preset === 'today' ? 0 : preset === '7d' ? 6 : 29;
  return periodOf(localDateKey(addDays(today, -back, timeZone), timeZone), localDateKey(today, timeZone), timeZone);
}

export type RangeProblem = 'format' | 'order' | 'too_long';

/**
 * A custom range as a manager types it: two dates, `2026-11-01 2026-11-30` (also with `/` or `.`,
 * and any separator between them such as `~`, `至` or ` - `), both days included.
 */
export function parseRange(text: string, timeZone: string): { ok: true; period: Period } | { ok: false; problem: RangeProblem } {
  const dates = [...text.matchAll(/(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})/g)].map((m) => {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(y, mo - 1, d));
    const real = date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
    return real ? `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}` : null;
  });
  if (dates.length !== 2 || dates.some((d) => d === null)) return { ok: false, problem: 'format' };
  const [first, last] = dates as [string, string];
  if (first > last) return { ok: false, problem: 'order' };
  const period = periodOf(first, last, timeZone);
  if (period.days.length > MAX_RANGE_DAYS) return { ok: false, problem: 'too_long' };
  return { ok: true, period };
}

/** The period of two local dates (both included); callers have checked them (callback data, the job). */
export function rangePeriod(firstDay: string, lastDay: string, timeZone: string): Period {
  return periodOf(firstDay, lastDay, timeZone);
}
