// Keeps a line that outsiders can trigger (a refused webhook) from flooding the log:
// at most `max` lines per window; the first line of the next window says how many were held back.

export interface LogLimiter {
  /** false: skip this line. A number: log it, with this many lines suppressed since the last one. */
  take(): number | false;
}

export function createLogLimiter(opts: { max: number; windowMs: number; now?: () => number }): LogLimiter {
  const now = opts.now ?? (() => performance.now());
  let windowStart = Number.NEGATIVE_INFINITY;
  let used = 0;
  let suppressed = 0;
  return {
    take() {
      const t = now();
      if (t - windowStart >= opts.windowMs) {
        windowStart = t;
        used = 0;
      }
      if (used >= opts.max) {
        suppressed++;
        return false;
      }
      used++;
      const held = suppressed;
      suppressed = 0;
      return held;
    },
  };
}
