import { describe, expect, inject, it } from 'vitest';
import { runBench, smokeOptions } from '../bench/run.ts';

// The bench harness, a few calls per scenario, so it never rots. No timings are asserted:
// timings belong to `npm run bench`.
describe('bench smoke', () => {
  it('runs every scenario against the real server and nothing fails', async () => {
    const r = await runBench({ ...smokeOptions, clusterDatabaseUrl: inject('databaseUrl') });
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
    // Two instances on PostgreSQL: one killed, every call it held taken over, none lost or accepted twice.
    expect(r.cluster?.takeover.orphaned).toBeGreaterThan(0);
    expect(r.cluster?.takeover).toMatchObject({ lost: 0, duplicateAccepts: 0, secondGreetings: 0 });
    expect(r.cluster?.takeover.takenOver).toBe(r.cluster?.takeover.orphaned);
    expect(r.cluster?.storm).toMatchObject({ calls: smokeOptions.burst, failed: 0, duplicateAccepts: 0 });
  }, 180_000);
});
