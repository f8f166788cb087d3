// The emulator reads time through this, so tests can control it.
export interface Clock {
  /** Monotonic milliseconds (performance.now() style); all CallRecord timestamps use it. */
  now(): number;
  /** Wall-clock epoch milliseconds, for webhook timestamps and `created_at`. */
  epochMs(): number;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  epochMs: () => Date.now(),
};
