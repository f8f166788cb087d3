// Opening hours in one time zone: a weekly schedule and dated closures. Everything
// is wall-clock arithmetic on Intl's view of the instant, so DST needs no special case.
import { LocalClock, type LocalDateTime } from '../time/local-clock.ts';

export const weekdayKeys = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type WeekdayKey = (typeof weekdayKeys)[number];
const weekdayNames = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export interface OpenRange {
  /** Minutes after local midnight. */
  startMinute: number;
  /** May exceed 1440: the range runs past midnight into the next day. */
  endMinute: number;
}

export interface Closure {
  /** Inclusive local dates, `YYYY-MM-DD`. */
  from: string;
  to: string;
  reason?: string;
}

export interface ScheduleSpec {
  timeZone: string;
  /** Index 0 = Monday. */
  weekly: readonly (readonly OpenRange[])[];
  closures: readonly Closure[];
}

export type HoursStatus = { open: true } | { open: false; closure?: string; next: NextOpening | null };

export interface NextOpening {
  date: string;
  /** 0: later today, 1: tomorrow, … */
  inDays: number;
  weekday: string;
  /** `HH:MM`, local. */
  time: string;
}

const RANGE = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

/** `09:00-17:00`; `22:00-02:00` runs past midnight; `00:00-24:00` is the whole day. */
export function parseRange(text: string): OpenRange | null {
  const m = RANGE.exec(text.trim());
  if (!m) return null;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  if (end > 24 * 60 || start === end) return null;
  return { startMinute: start, endMinute: end > start ? end : end + 24 * 60 };
}

export function isIsoDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

/** Calendar arithmetic on a local date (no time zone involved). */
function addDays(date: string, days: number): { date: string; weekday: number } {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return { date: t.toISOString().slice(0, 10), weekday: (t.getUTCDay() + 6) % 7 };
}

const hhmm = (minute: number) => `${String(Math.floor(minute / 60) % 24).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

export class BusinessHours {
  readonly spec: ScheduleSpec;
  private readonly clock: LocalClock;

  constructor(spec: ScheduleSpec, clock: LocalClock = new LocalClock(spec.timeZone)) {
    this.spec = spec;
    this.clock = clock;
  }

  status(epochMs: number): HoursStatus {
    const local = this.clock.at(epochMs);
    const closure = this.closureOn(local.date);
    if (closure === null && this.openAt(local)) return { open: true };
    const next = this.nextOpening(local);
    return closure?.reason ? { open: false, closure: closure.reason, next } : { open: false, next };
  }

  isOpen(epochMs: number): boolean {
    return this.status(epochMs).open;
  }

  private closureOn(date: string): Closure | null {
    return this.spec.closures.find((c) => c.from <= date && date <= c.to) ?? null;
  }

  private openAt(local: LocalDateTime): boolean {
    if ((this.spec.weekly[local.weekday] ?? []).some((r) => r.startMinute <= local.minute && local.minute < r.endMinute)) return true;
    // A range from yesterday that runs past midnight, unless yesterday was closed.
    const yesterday = addDays(local.date, -1);
    if (this.closureOn(yesterday.date) !== null) return false;
    return (this.spec.weekly[yesterday.weekday] ?? []).some((r) => r.endMinute > 1440 && local.minute < r.endMinute - 1440);
  }

  /** The next time it opens, looking two weeks ahead (closures longer than that give null). */
  private nextOpening(local: LocalDateTime): NextOpening | null {
    for (let offset = 0; offset <= 14; offset++) {
      const day = offset === 0 ? { date: local.date, weekday: local.weekday } : addDays(local.date, offset);
      if (this.closureOn(day.date) !== null) continue;
      const starts = (this.spec.weekly[day.weekday] ?? [])
        .map((r) => r.startMinute)
        .filter((start) => offset > 0 || start > local.minute)
        .sort((a, b) => a - b);
      const start = starts[0];
      if (start !== undefined) return { date: day.date, inDays: offset, weekday: weekdayNames[day.weekday] ?? '', time: hhmm(start) };
    }
    return null;
  }
}

/** "today at 09:00", "tomorrow (Tuesday) at 09:00", "Monday 2026-03-16 at 09:00": easy for a model to say. */
export function describeNextOpening(next: NextOpening | null): string | null {
  if (next === null) return null;
  if (next.inDays === 0) return `today at ${next.time}`;
  if (next.inDays === 1) return `tomorrow (${next.weekday}) at ${next.time}`;
  return `${next.weekday} ${next.date} at ${next.time}`;
}
