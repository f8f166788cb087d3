import { describe, expect, inject, it } from 'vitest';
import { runBench, smokeOptions } from '../bench/run.ts';

// The bench harness, a few calls per scenario, so it never rots. No timings are asserted:
// timings belong to `npm run bench`.
describe('bench smoke', () => {
  it('runs every scenario against the real server (answer and soak against the least-work reference too) and nothing fails', async () => {
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
    // The least-work reference ran the same answer and soak scenarios, and every compared figure has both values.
    expect(
      r.leastWork?.answer.map((a) => [a.report.calls, a.report.failed, a.report.duplicateAccepts, a.report.controlSocketsOpened]),
    ).toEqual([
      [smokeOptions.burst, 0, 0, smokeOptions.burst],
      [smokeOptions.burst, 0, 0, smokeOptions.burst],
      [smokeOptions.rate * smokeOptions.rateSeconds, 0, 0, smokeOptions.rate * smokeOptions.rateSeconds],
    ]);
    expect(r.leastWork?.soak?.level.live).toBe(smokeOptions.calls);
    expect(r.leastWork?.soak?.transferMs.count).toBeGreaterThan(0);
    expect(r.leastWork?.soak?.referenceTlsWsClientKB).toBeNull(); // the floor runs once, beside Switchboard
    expect(r.leastWork?.capacity?.levels.length).toBeGreaterThan(0);
    for (const s of [r.setupCpu, r.leastWork?.setupCpu]) expect(s?.calls).toBe(smokeOptions.rate * smokeOptions.rateSeconds);
    for (const e of [r.soak?.eventCpu, r.leastWork?.soak?.eventCpu]) {
      expect(e?.calls).toBe(smokeOptions.calls);
      expect(e?.events).toBeGreaterThan(0);
    }
    expect(r.comparison.map((c) => c.target)).toEqual(['≤ 1.0', '≤ 1.0', '≤ 1.0', '≤ 0.5', '≤ 1.5', '≤ 1.0', '≥ 1.0']);
    for (const c of r.comparison) {
      expect(Number.isFinite(c.switchboard), c.figure).toBe(true);
      expect(Number.isFinite(c.leastWork), c.figure).toBe(true);
    }
    // Two instances on PostgreSQL: one killed, every call it held taken over, none lost or accepted twice.
    expect(r.cluster?.takeover.orphaned).toBeGreaterThan(0);
    expect(r.cluster?.takeover).toMatchObject({ lost: 0, duplicateAccepts: 0, secondGreetings: 0 });
    expect(r.cluster?.takeover.takenOver).toBe(r.cluster?.takeover.orphaned);
    expect(r.cluster?.storm).toMatchObject({ calls: smokeOptions.burst, failed: 0, duplicateAccepts: 0 });
  }, 180_000);
});
