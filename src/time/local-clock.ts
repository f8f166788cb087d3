// Wall-clock date and time in one time zone. Intl formatters are costly to build
// and cheap to use, so they are built once per time zone at load.

export interface LocalDateTime {
  /** `YYYY-MM-DD` in the zone. */
  date: string;
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
  /** Minutes since local midnight. */
  minute: number;
}

const WEEKDAYS: Readonly<Record<string, number>> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function isLocale(locale: string): boolean {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([locale]).length > 0;
  } catch {
    return false;
  }
}

export class LocalClock {
  readonly timeZone: string;
  private readonly parts: Intl.DateTimeFormat;
  private readonly spokenDate: Intl.DateTimeFormat;
  private readonly spokenTime: Intl.DateTimeFormat;
  private readonly spokenWeekday: Intl.DateTimeFormat;

  constructor(timeZone: string, locale = 'en-US') {
    this.timeZone = timeZone;
    this.parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
    });
    this.spokenDate = new Intl.DateTimeFormat(locale, { timeZone, weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
    this.spokenTime = new Intl.DateTimeFormat(locale, { timeZone, hour: 'numeric', minute: '2-digit' });
    this.spokenWeekday = new Intl.DateTimeFormat(locale, { timeZone, weekday: 'long' });
  }

  /** The wall clock in this zone at an instant (DST is Intl's business). */
  at(epochMs: number): LocalDateTime {
    const p: Record<string, string> = {};
    for (const part of this.parts.formatToParts(epochMs)) p[part.type] = part.value;
    return {
      date: `${p.year}-${p.month}-${p.day}`,
      weekday: WEEKDAYS[p.weekday ?? ''] ?? 0,
      minute: Number(p.hour) * 60 + Number(p.minute),
    };
  }

  date(epochMs: number): string {
    return this.spokenDate.format(epochMs);
  }

  time(epochMs: number): string {
    return this.spokenTime.format(epochMs);
  }

  weekday(epochMs: number): string {
    return this.spokenWeekday.format(epochMs);
  }
}
