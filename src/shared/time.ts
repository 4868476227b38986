/**
 * Time helpers for the business time zone. Instants are plain Dates (UTC inside); only
 * formatting and "which local day" questions involve the zone.
 */

const partFormatters = new Map<string, Intl.DateTimeFormat>();

/** Building an Intl.DateTimeFormat costs far more than using one: one per zone, reused. */
function partFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = partFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partFormatters.set(timeZone, f);
  }
  return f;
}

function zonedParts(date: Date, timeZone: string) {
  const parts = partFormatter(timeZone).formatToParts(date);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** Offset of `timeZone` from UTC at `date`, in milliseconds (Asia/Shanghai: +8 h). */
export function zoneOffsetMs(date: Date, timeZone: string): number {
  const p = zonedParts(date, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(date.getTime() / 1000) * 1000;
}

/** The instant of local midnight that starts the day containing `date` in `timeZone`. */
export function zonedDayStart(date: Date, timeZone: string): Date {
  const p = zonedParts(date, timeZone);
  const guess = Date.UTC(p.year, p.month - 1, p.day);
  return new Date(guess - zoneOffsetMs(new Date(guess), timeZone));
}

/** Local midnight `days` days after the local day starting at `dayStart`. */
export function addDays(dayStart: Date, days: number, timeZone: string): Date {
  return zonedDayStart(new Date(dayStart.getTime() + days * 86_400_000 + 12 * 3_600_000), timeZone);
}

/** 'YYYY-MM-DD' of the local day containing `date`. */
export function localDateKey(date: Date, timeZone: string): string {
  const p = zonedParts(date, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** Local midnight for a 'YYYY-MM-DD' key. */
export function dayStartFromKey(key: string, timeZone: string): Date {
  const [y, m, d] = key.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d);
  return new Date(guess - zoneOffsetMs(new Date(guess), timeZone));
}
