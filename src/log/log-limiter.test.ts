import { describe, expect, it } from 'vitest';
import { createLogLimiter } from './log-limiter.ts';

describe('createLogLimiter', () => {
  it('lets max lines through per window, then says how many it held back', () => {
    let t = 0;
    const limiter = createLogLimiter({ max: 2, windowMs: 1_000, now: () => t });
    expect([limiter.take(), limiter.take(), limiter.take(), limiter.take(), limiter.take()]).toEqual([0, 0, false, false, false]);
    t = 999;
    expect(limiter.take()).toBe(false);
    t = 1_000;
    expect(limiter.take()).toBe(4);
    expect(limiter.take()).toBe(0);
    expect(limiter.take()).toBe(false);
  });
});
