export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** 0..1; default Math.random. */
  random?: () => number;
}

/** Delay before the next attempt after `attempts` failures: doubling from baseMs, capped at maxMs, ±20 % jitter. */
export function retryDelayMs(attempts: number, opts: BackoffOptions): number {
  const exp = Math.min(opts.baseMs * 2 ** Math.max(0, attempts - 1), opts.maxMs);
  const jitter = 0.8 + (opts.random ?? Math.random)() * 0.4;
  return Math.round(exp * jitter);
}
