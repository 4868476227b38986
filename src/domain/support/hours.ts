import { zoneOffsetMs } from '../../shared/time.js';

/** Support team hours: minutes after local midnight; `end` before `start` is an overnight window. */
export interface SupportHours {
  start: number;
  end: number;
}

/** Minutes after local midnight of `at` in `timeZone`. */
function localMinutes(at: Date, timeZone: string): number {
  const local = new Date(at.getTime() + zoneOffsetMs(at, timeZone));
  return local.getUTCHours() * 60 + local.getUTCMinutes();
}

/** True when agents are on duty at `at`. */
export function isOpen(hours: SupportHours, at: Date, timeZone: string): boolean {
  const m = localMinutes(at, timeZone);
  return hours.start < hours.end ? m >= hours.start && m < hours.end : m >= hours.start || m < hours.end;
}

/**
 * When agents are next on duty: `at` itself when open now, otherwise the next local `start`
 * (minute precision; zone offsets are taken at `at`, fine for Asia/Shanghai which has no DST).
 */
export function nextOpening(hours: SupportHours, at: Date, timeZone: string): Date {
  if (isOpen(hours, at, timeZone)) return at;
  const m = localMinutes(at, timeZone);
  const ahead = (hours.start - m + 1440) % 1440;
  const base = Math.floor(at.getTime() / 60_000) * 60_000;
  return new Date(base + ahead * 60_000);
}
