import { describe, expect, it } from 'vitest';
import { isQuiet, localHour, quietEnd, sendableAt } from '../../src/domain/reminders/quiet-hours.js';

const TZ = 'Asia/Shanghai';
/** An instant given as Shanghai wall-clock time (UTC+8, no DST). */
const sh = (local: string) => new Date(`${local}+08:00`);

describe('quiet hours (22:00–08:00 Asia/Shanghai)', () => {
  it.each([
    ['2026-03-10T21:59:59', false],
    ['2026-03-10T22:00:00', true],
    ['2026-03-10T23:59:00', true],
    ['2026-03-11T00:00:00', true],
    ['2026-03-11T03:30:00', true],
    ['2026-03-11T07:59:59', true],
    ['2026-03-11T08:00:00', false],
    ['2026-03-11T12:00:00', false],
  ])('%s is quiet: %s', (local, quiet) => {
    expect(isQuiet(sh(local), TZ)).toBe(quiet);
  });

  it('reads the hour in the business zone, not the machine zone', () => {
    // 15:00 UTC is 23:00 in Shanghai: quiet there, whatever TZ the process runs in.
    const at = new Date('2026-03-10T15:00:00Z');
    expect(localHour(at, TZ)).toBe(23);
    expect(isQuiet(at, TZ)).toBe(true);
    expect(isQuiet(at, 'Europe/London')).toBe(false);
  });

  it('a time after 22:00 waits until 08:00 the next morning', () => {
    expect(quietEnd(sh('2026-03-10T22:00:00'), TZ)).toEqual(sh('2026-03-11T08:00:00'));
    expect(quietEnd(sh('2026-03-10T23:45:10'), TZ)).toEqual(sh('2026-03-11T08:00:00'));
  });

  it('a time after midnight waits until 08:00 the same morning', () => {
    expect(quietEnd(sh('2026-03-11T00:00:00'), TZ)).toEqual(sh('2026-03-11T08:00:00'));
    expect(quietEnd(sh('2026-03-11T07:59:59'), TZ)).toEqual(sh('2026-03-11T08:00:00'));
  });

  it('crosses month and year ends', () => {
    expect(quietEnd(sh('2026-12-31T23:00:00'), TZ)).toEqual(sh('2027-01-01T08:00:00'));
    expect(quietEnd(sh('2026-02-28T22:30:00'), TZ)).toEqual(sh('2026-03-01T08:00:00'));
  });

  it('lands on 08:00 local time across a daylight-saving change (TZ_BUSINESS may be another zone)', () => {
    // Berlin moves from UTC+1 to UTC+2 at 02:00 on 29 March 2026: 08:00 that morning is 06:00 UTC.
    expect(quietEnd(new Date('2026-03-28T22:30:00Z'), 'Europe/Berlin')).toEqual(new Date('2026-03-29T06:00:00Z'));
    // …and back on 25 October: 08:00 is 07:00 UTC again.
    expect(quietEnd(new Date('2026-10-24T21:30:00Z'), 'Europe/Berlin')).toEqual(new Date('2026-10-25T07:00:00Z'));
  });

  it('sendableAt keeps a daytime due time, defers a quiet one, and lets an exempt one through', () => {
    const day = sh('2026-03-10T14:00:00');
    const night = sh('2026-03-10T23:00:00');
    expect(sendableAt(day, TZ)).toEqual(day);
    expect(sendableAt(night, TZ)).toEqual(sh('2026-03-11T08:00:00'));
    expect(sendableAt(night, TZ, true)).toEqual(night);
  });
});
