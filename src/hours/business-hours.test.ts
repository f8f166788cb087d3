import { describe, expect, it } from 'vitest';
import { BusinessHours, describeNextOpening, type OpenRange, parseRange } from './business-hours.ts';

const r = (text: string): OpenRange => {
  const range = parseRange(text);
  if (!range) throw new Error(`bad range ${text}`);
  return range;
};
const weekdays = (ranges: OpenRange[]) => [ranges, ranges, ranges, ranges, ranges, [], []];
const utc = (iso: string) => Date.parse(iso);

describe('parseRange', () => {
  it('parses day, overnight and whole-day ranges, refuses nonsense', () => {
    expect(parseRange('09:00-17:30')).toEqual({ startMinute: 540, endMinute: 1050 });
    expect(parseRange('22:00-02:00')).toEqual({ startMinute: 1320, endMinute: 1560 });
    expect(parseRange('00:00-24:00')).toEqual({ startMinute: 0, endMinute: 1440 });
    for (const bad of ['9-17', '09:00-09:00', '25:00-26:00', '09:00-24:30', '09:60-10:00']) expect(parseRange(bad)).toBeNull();
  });
});

describe('BusinessHours in America/New_York across DST', () => {
  const office = new BusinessHours({ timeZone: 'America/New_York', weekly: weekdays([r('09:00-17:00')]), closures: [] });

  it('opens at 09:00 local before the spring change (UTC-5)', () => {
    expect(office.isOpen(utc('2025-03-07T13:59:00Z'))).toBe(false); // Fri 08:59 EST
    expect(office.isOpen(utc('2025-03-07T14:00:00Z'))).toBe(true); // Fri 09:00 EST
  });

  it('opens at 09:00 local after the spring change (UTC-4): the same UTC instant is now 09:30', () => {
    // 2025-03-09 02:00 EST → 03:00 EDT. A fixed -5 offset would call 13:30Z 08:30 and say closed.
    expect(office.isOpen(utc('2025-03-10T12:59:00Z'))).toBe(false); // Mon 08:59 EDT
    expect(office.isOpen(utc('2025-03-10T13:30:00Z'))).toBe(true); // Mon 09:30 EDT
    expect(office.isOpen(utc('2025-03-10T21:00:00Z'))).toBe(false); // Mon 17:00 EDT
  });

  it('follows the autumn change back to UTC-5', () => {
    expect(office.isOpen(utc('2025-10-31T20:59:00Z'))).toBe(true); // Fri 16:59 EDT
    expect(office.isOpen(utc('2025-11-03T13:30:00Z'))).toBe(false); // Mon 08:30 EST
    expect(office.isOpen(utc('2025-11-03T14:00:00Z'))).toBe(true); // Mon 09:00 EST
  });

  it('is closed at weekends and says when it opens next', () => {
    const status = office.status(utc('2025-03-08T15:00:00Z')); // Sat 10:00 EST
    expect(status).toEqual({ open: false, next: { date: '2025-03-10', inDays: 2, weekday: 'Monday', time: '09:00' } });
    expect(!status.open && describeNextOpening(status.next)).toBe('Monday 2025-03-10 at 09:00');
  });
});

describe('closures', () => {
  const shop = new BusinessHours({
    timeZone: 'America/Los_Angeles',
    weekly: [
      [r('08:00-23:00')],
      [r('08:00-23:00')],
      [r('08:00-23:00')],
      [r('08:00-23:00')],
      [r('08:00-23:00')],
      [r('08:00-23:00')],
      [r('08:00-23:00')],
    ],
    closures: [
      { from: '2025-12-25', to: '2025-12-25', reason: 'Christmas Day' },
      { from: '2025-12-31', to: '2026-01-01' },
    ],
  });

  it('applies a closure on the local date, not the UTC one', () => {
    // 2025-12-26T06:00Z is still 25 December, 22:00, in Los Angeles.
    expect(shop.status(utc('2025-12-26T06:00:00Z'))).toEqual({
      open: false,
      closure: 'Christmas Day',
      next: { date: '2025-12-26', inDays: 1, weekday: 'Friday', time: '08:00' },
    });
    // 2025-12-25T07:30Z is 24 December, 23:30: after hours, but not the closure.
    expect(shop.status(utc('2025-12-25T07:30:00Z'))).toMatchObject({ open: false, next: { date: '2025-12-26' } });
    expect(shop.isOpen(utc('2025-12-26T17:00:00Z'))).toBe(true); // 26 Dec 09:00
  });

  it('says "today" and "tomorrow" when it reopens soon', () => {
    const early = shop.status(utc('2025-12-26T15:00:00Z')); // 26 Dec 07:00
    expect(!early.open && describeNextOpening(early.next)).toBe('today at 08:00');
    const late = shop.status(utc('2025-12-27T07:30:00Z')); // 26 Dec 23:30
    expect(!late.open && describeNextOpening(late.next)).toBe('tomorrow (Saturday) at 08:00');
  });

  it('spans a multi-day closure and reopens after it', () => {
    expect(shop.isOpen(utc('2025-12-31T18:00:00Z'))).toBe(false);
    expect(shop.status(utc('2026-01-01T18:00:00Z'))).toMatchObject({ open: false, next: { date: '2026-01-02', time: '08:00' } });
  });
});

describe('overnight ranges', () => {
  const night = new BusinessHours({ timeZone: 'Europe/London', weekly: [[], [], [], [], [r('22:00-02:00')], [], []], closures: [] });
  it('stay open past midnight into the next day', () => {
    expect(night.isOpen(utc('2025-06-06T20:59:00Z'))).toBe(false); // Fri 21:59 BST
    expect(night.isOpen(utc('2025-06-06T21:00:00Z'))).toBe(true); // Fri 22:00 BST
    expect(night.isOpen(utc('2025-06-07T00:30:00Z'))).toBe(true); // Sat 01:30 BST
    expect(night.isOpen(utc('2025-06-07T01:00:00Z'))).toBe(false); // Sat 02:00 BST
  });
  it('do not run on from a closed day', () => {
    const closed = new BusinessHours({ ...night.spec, closures: [{ from: '2025-06-06', to: '2025-06-06' }] });
    expect(closed.isOpen(utc('2025-06-07T00:30:00Z'))).toBe(false);
  });
});
