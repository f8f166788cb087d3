// `--at 2026-12-24T10:00` means 10:00 in the business's time zone; with Z or an offset it is that instant.
import { LocalClock } from '../time/local-clock.ts';

const localPattern = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const instantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;

const asUtcMinutes = (date: string, minute: number): number => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) / 60_000 + minute;
};

/** Epoch ms for a wall-clock time in `timeZone`; DST gaps move forward like a clock does. */
export function zonedToEpoch(local: { date: string; minute: number; second?: number }, timeZone: string): number {
  const clock = new LocalClock(timeZone);
  const wanted = asUtcMinutes(local.date, local.minute);
  let guess = wanted * 60_000;
  for (let i = 0; i < 3; i++) {
    const seen = clock.at(guess);
    const diff = wanted - asUtcMinutes(seen.date, seen.minute);
    if (diff === 0) break;
    guess += diff * 60_000;
  }
  return guess + (local.second ?? 0) * 1000;
}

/** null when the text is neither a local date-time nor an ISO 8601 instant. */
export function parseAt(text: string, timeZone: string): number | null {
  const trimmed = text.trim();
  if (instantPattern.test(trimmed)) {
    const ms = Date.parse(trimmed);
    return Number.isNaN(ms) ? null : ms;
  }
  const m = localPattern.exec(trimmed);
  if (!m) return null;
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  const check = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(check.getTime()) || check.toISOString().slice(0, 10) !== date) return null;
  const hour = Number(m[4] ?? 0);
  const minute = Number(m[5] ?? 0);
  const second = Number(m[6] ?? 0);
  if (hour > 23 || minute > 59 || second > 59) return null;
  return zonedToEpoch({ date, minute: hour * 60 + minute, second }, timeZone);
}
