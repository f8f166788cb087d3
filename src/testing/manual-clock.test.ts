import { describe, expect, it } from 'vitest';
import { sleep } from '../time/clock.ts';
import { ManualClock } from './manual-clock.ts';

describe('ManualClock', () => {
  it('fires due timers in time order, including one a timer sets, and none early', () => {
    const clock = new ManualClock({ epochMs: 1_000_000 });
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 200);
    clock.setTimeout(() => {
      fired.push(`a@${clock.now()}`);
      clock.setTimeout(() => fired.push(`c@${clock.now()}`), 50);
    }, 100);
    const cancelled = clock.setTimeout(() => fired.push('never'), 10);
    cancelled.cancel();
    clock.advance(149);
    expect(fired).toEqual(['a@100']);
    clock.advance(51);
    expect(fired).toEqual(['a@100', 'c@150', 'b@200']);
    expect(clock.now()).toBe(200);
    expect(clock.epochMs()).toBe(1_000_200);
    expect(clock.pendingCount).toBe(0);
  });

  it('run() drives code that sleeps between async steps', async () => {
    const clock = new ManualClock();
    const steps = async () => {
      for (let i = 0; i < 3; i++) await sleep(clock, 1_000);
      return clock.now();
    };
    expect(await clock.run(steps())).toBe(3_000);
  });
});
