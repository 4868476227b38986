import { localDateKey, zoneOffsetMs } from '../../shared/time.js';

/**
 * Quiet hours: nothing is sent to customers from 22:00 to 08:00 in the business time zone
 * (TZ_BUSINESS, Asia/Shanghai). A message due then waits until 08:00; the few that must not wait
 * (the 2-hour delivery reminder) are exempted by the caller.
 */
export const QUIET_START_HOUR = 22;
export const QUIET_END_HOUR = 8;

const hourFormats = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock hour (0–23) of `at` in `timeZone`. */
export function localHour(at: Date, timeZone: string): number {
  let f = hourFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hour: '2-digit', hourCycle: 'h23' });
    hourFormats.set(timeZone, f);
  }
  return Number(f.format(at));
}

export function isQuiet(at: Date, timeZone: string): boolean {
  const h = localHour(at, timeZone);
  return h >= QUIET_START_HOUR || h < QUIET_END_HOUR;
}

/** The instant of `hour`:00 wall-clock time on the local day `dateKey` ('YYYY-MM-DD'). */
function wallClock(dateKey: string, hour: number, timeZone: string): Date {
  const [y, m, d] = dateKey.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d, hour);
  // Offset taken at the guessed instant, then re-taken at the result: right across a DST change too.
  const first = guess - zoneOffsetMs(new Date(guess), timeZone);
  return new Date(guess - zoneOffsetMs(new Date(first), timeZone));
}

/** The end of the quiet period `at` falls in (08:00 the same morning, or the next one after 22:00). */
export function quietEnd(at: Date, timeZone: string): Date {
  const sameDay = wallClock(localDateKey(at, timeZone), QUIET_END_HOUR, timeZone);
  if (sameDay.getTime() > at.getTime()) return sameDay;
  // After 22:00: tomorrow's date is today's noon plus a day, which no DST shift can skip.
  const tomorrow = localDateKey(new Date(wallClock(localDateKey(at, timeZone), 12, timeZone).getTime() + 86_400_000), timeZone);
  return wallClock(tomorrow, QUIET_END_HOUR, timeZone);
}

/** When a message due at `due` may go out: `due` itself, or the end of the quiet period it falls in. */
export function sendableAt(due: Date, timeZone: string, exempt = false): Date {
  return exempt || !isQuiet(due, timeZone) ? due : quietEnd(due, timeZone);
}
