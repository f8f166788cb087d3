export interface BackoffOptions {
  /** The first delay. */
  baseMs: number;
  /** No delay grows past this (before jitter). */
  maxMs: number;
  /** Spread each delay by ±this fraction, so many retries do not land together; 0 for exact delays. Default 0.2. */
  jitter?: number;
  /** 0..1; default Math.random. */
  random?: () => number;
}

/** Delay before retry number `attempt` (1 = the first retry): doubling from baseMs, capped at maxMs, with jitter. */
export function backoffMs(attempt: number, opts: BackoffOptions): number {
  const exp = Math.min(opts.baseMs * 2 ** Math.max(0, attempt - 1), opts.maxMs);
  const jitter = opts.jitter ?? 0.2;
  if (jitter === 0) return exp;
  const factor = 1 - jitter + (opts.random ?? Math.random)() * 2 * jitter;
  return Math.round(exp * factor);
}
