// The one clock: monotonic time for durations, wall time for records and
// signatures, and one-shot timers. Passed in, so tests advance time by hand
// (the testing entry point's ManualClock) instead of sleeping.

export interface Timer {
  cancel(): void;
  /** Lets the process exit while this timer waits (background work: flushes, polls). */
  unref(): Timer;
}

export interface Clock {
  /** Monotonic milliseconds (performance.now() style): for durations and deadlines. */
  now(): number;
  /** Wall-clock epoch milliseconds: for timestamps and opening hours. */
  epochMs(): number;
  /** Runs fn once after delayMs. */
  setTimeout(fn: () => void, delayMs: number): Timer;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  epochMs: () => Date.now(),
  setTimeout(fn, delayMs) {
    const handle = setTimeout(fn, delayMs);
    const timer: Timer = {
      cancel: () => clearTimeout(handle),
      unref: () => {
        handle.unref();
        return timer;
      },
    };
    return timer;
  },
};

/** Resolves after ms on the clock, or at once when the signal aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => {
      timer.cancel();
      resolve();
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
