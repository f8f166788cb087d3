import { describe, expect, it } from 'vitest';
import type { CallStats } from '../stats/call-stats.ts';
import {
  formatMs,
  formatPercent,
  formatUsd,
  headlineFigures,
  parseHeaderLines,
  planRequest,
  presetRange,
  stackedSeries,
  statsQuery,
} from './stats-lib.js';

const zero = { in_progress: 0, completed: 0, transferred: 0, rejected: 0, failed: 0, missed: 0 };

function stats(byOutcome: Partial<Record<keyof typeof zero, number[]>>, n = 3): CallStats {
  const series = Object.fromEntries(
    Object.keys(zero).map((o) => [o, byOutcome[o as keyof typeof zero] ?? new Array(n).fill(0)]),
  ) as CallStats['series']['byOutcome'];
  return {
    from: '2026-11-30T00:00:00.000Z',
    to: '2026-11-30T03:00:00.000Z',
    bucket: 'hour',
    series: { starts: ['2026-11-30T00:00:00.000Z', '2026-11-30T01:00:00.000Z', '2026-11-30T02:00:00.000Z'].slice(0, n), byOutcome: series },
    totals: { calls: 9, answered: 7, byOutcome: zero },
    answerMs: { p50: 212.4, p95: 15_250, count: 7 },
    transfers: { count: 2, rate: 2 / 7, topReasons: [] },
    duration: { averageSeconds: 125.4, count: 7 },
    cost: { totalUsd: 1.2345, averageUsd: 0.1764, count: 7 },
    analysis: { done: 4, success: 3, failure: 1 },
    busiestNumbers: [],
    busiestProfiles: [],
  };
}

describe('the overview helpers', () => {
  it('stacks the outcomes that have calls, top layer first, each the running total below and including it', () => {
    const s = stackedSeries(stats({ completed: [5, 0, 1], transferred: [2, 1, 0], rejected: [0, 0, 3] }));
    expect(s.layers.map((l) => l.outcome)).toEqual(['rejected', 'transferred', 'completed']);
    expect(s.layers.map((l) => l.values)).toEqual([
      [7, 1, 4],
      [7, 1, 1],
      [5, 0, 1],
    ]);
    expect(s.layers.map((l) => l.raw)).toEqual([
      [0, 0, 3],
      [2, 1, 0],
      [5, 0, 1],
    ]);
    expect(s.max).toBe(7);
    expect(s.x[0]).toBe(Date.parse('2026-11-30T00:30:00Z') / 1000); // the middle of the hour
  });

  it('ranges start on a local hour or day, so the buckets match the clock', () => {
    const now = new Date(2026, 10, 30, 14, 25).getTime();
    const day = presetRange('24h', now);
    expect(new Date(day.to).getHours()).toBe(15);
    expect(new Date(day.to).getMinutes()).toBe(0);
    expect(day.to - day.from).toBe(24 * 3_600_000);
    const today = presetRange('today', now);
    expect([new Date(today.from).getHours(), new Date(today.from).getDate()]).toEqual([0, 30]);
    expect(presetRange('30d', now).bucket).toBe('day');
    expect(statsQuery({ from: Date.parse('2026-11-30T00:00:00Z'), to: Date.parse('2026-12-01T00:00:00Z'), bucket: 'hour' })).toBe(
      '?from=2026-11-30T00%3A00%3A00.000Z&to=2026-12-01T00%3A00%3A00.000Z&bucket=hour',
    );
  });

  it('writes the headline figures plainly', () => {
    expect(headlineFigures(stats({}))).toEqual([
      { id: 'calls', label: 'Calls', value: '9', note: '7 answered' },
      { id: 'answer', label: 'Answer time p50 / p95', value: '212 ms / 15.3 s', note: 'webhook → accept, 7 calls' },
      { id: 'transfers', label: 'Transfer rate', value: '28.6%', note: '2 transferred' },
      { id: 'duration', label: 'Average duration', value: '2:05', note: '7 answered calls' },
      { id: 'cost', label: 'Average cost', value: '$0.18', note: '$1.23 in all' },
      { id: 'success', label: 'Success', value: '75%', note: '4 judged by the analysis' },
    ]);
    expect([formatUsd(0.0042), formatUsd(0), formatUsd(null), formatPercent(null), formatMs(null)]).toEqual([
      '$0.0042',
      '$0.00',
      '—',
      '—',
      '—',
    ]);
  });

  it('builds the routing preview request from the form, headers one a line', () => {
    expect(
      planRequest({
        from: ' +19195551234 ',
        to: '+19195550100',
        at: '2026-12-24T10:00',
        headers: 'X-Account-Id: 42\n\nDiversion=<sip:+1800@x>',
      }),
    ).toEqual({
      body: {
        from: '+19195551234',
        to: '+19195550100',
        at: '2026-12-24T10:00',
        headers: [
          { name: 'X-Account-Id', value: '42' },
          { name: 'Diversion', value: '<sip:+1800@x>' },
        ],
      },
      error: null,
    });
    expect(planRequest({ from: '', to: '+1' }).body).toEqual({ from: null, to: '+1' });
    expect(parseHeaderLines('ok: 1\nnot a header').error).toBe('line 2: expected Name: value');
  });
});
