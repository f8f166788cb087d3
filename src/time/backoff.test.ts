import { describe, expect, it } from 'vitest';
import { backoffMs } from './backoff.ts';

describe('backoffMs', () => {
  it('doubles from the base and stops at the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) => backoffMs(attempt, { baseMs: 100, maxMs: 1_000, jitter: 0 }));
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('spreads each delay by the jitter fraction, both ways', () => {
    const opts = { baseMs: 1_000, maxMs: 60_000 };
    expect(backoffMs(1, { ...opts, random: () => 0 })).toBe(800);
    expect(backoffMs(1, { ...opts, random: () => 1 })).toBe(1_200);
    expect(backoffMs(3, { ...opts, jitter: 0.5, random: () => 0 })).toBe(2_000);
  });
});
