// A clock a test moves by hand: timers fire only when the test advances time past them.
import type { Clock, Timer } from '../time/clock.ts';

interface Pending {
  at: number;
  order: number;
  fn: () => void;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class ManualClock implements Clock {
  private monotonicMs = 0;
  private readonly epochAtZero: number;
  private readonly pending = new Set<Pending>();
  private order = 0;

  /** @param opts.epochMs the wall clock at the start (default 2026-01-05T12:00:00Z, a Monday) */
  constructor(opts: { epochMs?: number } = {}) {
    this.epochAtZero = opts.epochMs ?? Date.parse('2026-01-05T12:00:00Z');
  }

  now(): number {
    return this.monotonicMs;
  }

  epochMs(): number {
    return this.epochAtZero + this.monotonicMs;
  }

  setTimeout(fn: () => void, delayMs: number): Timer {
    const entry: Pending = { at: this.monotonicMs + Math.max(0, delayMs), order: this.order++, fn };
    this.pending.add(entry);
    const timer: Timer = { cancel: () => void this.pending.delete(entry), unref: () => timer };
    return timer;
  }

  /** Timers waiting to fire. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** How far ahead each waiting timer is, soonest first. */
  pendingDelaysMs(): number[] {
    return this.sorted().map((t) => t.at - this.monotonicMs);
  }

  /** Moves time forward by ms, firing every timer due on the way, in order (a timer set by one that fires runs too if due). */
  advance(ms: number): void {
    const end = this.monotonicMs + ms;
    for (let next = this.next(end); next; next = this.next(end)) this.fire(next);
    this.monotonicMs = end;
  }

  /**
   * Like advance, but lets promise chains settle before and after each timer, for code
   * that awaits between timers (a goodbye, then a hang-up).
   */
  async advanceAsync(ms: number): Promise<void> {
    const end = this.monotonicMs + ms;
    await turn();
    for (let next = this.next(end); next; next = this.next(end)) {
      this.fire(next);
      await turn();
    }
    this.monotonicMs = end;
    await turn();
  }

  /** Fires timers one by one, letting promise chains run between them, until the promise settles. */
  async run<T>(promise: Promise<T>): Promise<T> {
    let settled = false;
    const watched = promise.finally(() => void (settled = true));
    watched.catch(() => undefined);
    for (let idle = 0; !settled && idle < 100; ) {
      await turn();
      if (settled) break;
      const next = this.sorted()[0];
      if (next) {
        this.fire(next);
        idle = 0;
      } else {
        idle++; // waiting on something other than a timer
      }
    }
    return watched;
  }

  private sorted(): Pending[] {
    return [...this.pending].sort((a, b) => a.at - b.at || a.order - b.order);
  }

  private next(end: number): Pending | undefined {
    const first = this.sorted()[0];
    return first && first.at <= end ? first : undefined;
  }

  private fire(entry: Pending): void {
    this.pending.delete(entry);
    this.monotonicMs = Math.max(this.monotonicMs, entry.at);
    entry.fn();
  }
}
