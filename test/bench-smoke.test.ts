import { describe, expect, it } from 'vitest';
import { runBench, smokeOptions } from '../bench/run.ts';

// The bench harness, a few calls per scenario, so it never rots. No timings are asserted:
// timings belong to `npm run bench`.
describe('bench smoke', () => {
  it('runs every scenario against the real server and nothing fails', async () => {
    const r = await runBench(smokeOptions);
    expect(r.failures).toEqual([]);
    expect(r.answer.map((a) => [a.report.calls, a.report.failed, a.report.duplicateAccepts])).toEqual([
      [smokeOptions.burst, 0, 0], // fresh server
      [smokeOptions.burst, 0, 0], // after the warm-up
      [smokeOptions.rate * smokeOptions.rateSeconds, 0, 0],
      [smokeOptions.burst, 0, 0], // emulated round trip, fresh server
      [smokeOptions.burst, 0, 0], // emulated round trip, after the warm-up
    ]);
    expect(r.burstSweep?.sizes.map((x) => x.burst)).toEqual(smokeOptions.burstSweep);
    expect(r.answer.every((a) => a.report.controlSocketsOpened === a.report.calls)).toBe(true);
    expect(r.soak?.level.live).toBe(smokeOptions.calls);
    expect(r.soak?.level.standIn.eventsSent).toBeGreaterThan(0);
    expect(r.soak?.transferMs.count).toBeGreaterThan(0);
    expect(r.capacity?.levels.length).toBeGreaterThan(0);
    expect(r.coldStart?.runsMs).toHaveLength(smokeOptions.coldStarts);
    expect(r.targets.length).toBeGreaterThan(0);
  }, 120_000);
});
