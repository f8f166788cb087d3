// The overview's figures against a seeded store: SQLite in a temp dir and the PostgreSQL at 127.0.0.1:5432/test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CallAnalysis, CallRecord, Outcome } from '../records/call-record.ts';
import { openPostgresStore } from '../records/postgres-store.ts';
import { openSqliteStore } from '../records/sqlite-store.ts';
import { emptyBatch, type Store } from '../records/store.ts';

const testDatabaseUrl = inject('databaseUrl');
const t0 = Date.parse('2026-11-30T00:00:00.000Z');
const hour = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

interface Seed {
  at: number;
  outcome: Outcome;
  answerMs?: number;
  seconds?: number;
  costUsd?: number;
  reason?: string | null;
  dialed?: string;
  profile?: string | null;
  success?: boolean | null;
}

function record(i: number, s: Seed): CallRecord {
  const answered = s.answerMs !== undefined;
  const acceptedAt = answered ? s.at + s.answerMs! : null;
  const analysis: CallAnalysis | null =
    s.success === undefined
      ? null
      : {
          status: 'done',
          model: 'gpt-6-luna',
          attempts: 1,
          summary: 's',
          success: s.success,
          fields: {},
          tokens: null,
          costUsd: 0,
          error: null,
          requestedAt: iso(s.at),
          completedAt: iso(s.at),
          nextAttemptAt: null,
        };
  return {
    callId: `rtc_${String(i).padStart(3, '0')}`,
    caller: '+19195551234',
    dialed: s.dialed ?? '+19195550100',
    sipCallId: null,
    sipHeaders: [],
    profile: s.profile === undefined ? 'reception' : s.profile,
    outcome: s.outcome,
    endReason: null,
    startedAt: iso(s.at),
    acceptedAt: acceptedAt === null ? null : iso(acceptedAt),
    connectedAt: null,
    endedAt: s.outcome === 'in_progress' ? null : iso((acceptedAt ?? s.at) + (s.seconds ?? 0) * 1000),
    answerMs: s.answerMs ?? null,
    transfer:
      s.reason === undefined
        ? null
        : { target: 'sip:x@y', status: 'referred', error: null, durationMs: 5, at: iso(s.at), reason: s.reason, destination: 'billing' },
    usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
    tools: [],
    errors: [],
    reconnects: 0,
    updatedAt: iso(s.at),
    owner: null,
    surface: 'realtime',
    recording: false,
    cost: {
      totalUsd: s.costUsd ?? 0,
      realtimeUsd: s.costUsd ?? 0,
      transcriptionUsd: 0,
      liveUsd: 0,
      analysisUsd: 0,
      unpriced: [],
      pricesCheckedOn: '2026-12-01',
    },
    analysis,
  };
}

const seeds: Seed[] = [
  // hour 0
  { at: t0 + 60_000, outcome: 'completed', answerMs: 100, seconds: 60, costUsd: 0.1, success: true },
  { at: t0 + 120_000, outcome: 'completed', answerMs: 200, seconds: 120, costUsd: 0.3, success: false },
  { at: t0 + 180_000, outcome: 'rejected', profile: null },
  // hour 1
  {
    at: t0 + hour + 1,
    outcome: 'transferred',
    answerMs: 300,
    seconds: 30,
    costUsd: 0.05,
    reason: 'Billing question',
    dialed: '+19195550199',
    profile: 'support',
  },
  {
    at: t0 + hour + 2,
    outcome: 'transferred',
    answerMs: 400,
    seconds: 30,
    costUsd: 0.05,
    reason: ' billing question ',
    dialed: '+19195550199',
    profile: 'support',
  },
  { at: t0 + hour + 3, outcome: 'missed' },
  // hour 3
  { at: t0 + 3 * hour + 10, outcome: 'completed', answerMs: 1000, seconds: 90, costUsd: 0.02, dialed: '+19195550199' },
  { at: t0 + 3 * hour + 20, outcome: 'failed' },
  // outside the range
  { at: t0 - 1, outcome: 'completed', answerMs: 5, seconds: 5, costUsd: 9 },
  { at: t0 + 6 * hour, outcome: 'transferred', answerMs: 5, seconds: 5, costUsd: 9, reason: 'elsewhere' },
];

const harnesses: [string, () => Promise<{ store: Store; cleanup: () => Promise<void> }>][] = [
  [
    'sqlite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sb-stats-'));
      const store = await openSqliteStore(join(dir, 'stats.db'));
      return { store, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
  [
    'postgres',
    async () => {
      const schema = `sb_stats_${process.pid}_${Date.now().toString(36)}`;
      const store = await openPostgresStore({ connectionString: testDatabaseUrl, schema, maxConnections: 2 });
      return {
        store,
        cleanup: async () => {
          const client = new pg.Client({ connectionString: testDatabaseUrl });
          await client.connect();
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await client.end();
        },
      };
    },
  ],
];

describe.each(harnesses)('call stats: %s', (_name, open) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await open());
    await store.writeBatch({ ...emptyBatch(), calls: seeds.map((s, i) => record(i, s)) });
  });
  afterAll(async () => {
    await store.close();
    await cleanup();
  });

  it('counts calls per hour by outcome, and the totals', async () => {
    const stats = await store.stats({ fromMs: t0, toMs: t0 + 6 * hour, bucket: 'hour', top: 5 });
    expect(stats.series.starts).toEqual([0, 1, 2, 3, 4, 5].map((h) => iso(t0 + h * hour)));
    expect(stats.series.byOutcome).toEqual({
      in_progress: [0, 0, 0, 0, 0, 0],
      completed: [2, 0, 0, 1, 0, 0],
      transferred: [0, 2, 0, 0, 0, 0],
      rejected: [1, 0, 0, 0, 0, 0],
      failed: [0, 0, 0, 1, 0, 0],
      missed: [0, 1, 0, 0, 0, 0],
    });
    expect(stats.totals).toEqual({
      calls: 8,
      answered: 5,
      byOutcome: { in_progress: 0, completed: 3, transferred: 2, rejected: 1, failed: 1, missed: 1 },
    });
  });

  it('computes answer-time percentiles, transfers and their top reasons, duration, cost, success, and the busiest numbers and profiles', async () => {
    const stats = await store.stats({ fromMs: t0, toMs: t0 + 6 * hour, bucket: 'hour', top: 5 });
    expect(stats.answerMs).toEqual({ p50: 300, p95: 1000, count: 5 });
    expect(stats.transfers).toEqual({ count: 2, rate: 0.4, topReasons: [{ key: 'billing question', calls: 2 }] });
    expect(stats.duration).toEqual({ averageSeconds: 66, count: 5 });
    expect(stats.cost).toEqual({ totalUsd: 0.52, averageUsd: 0.104, count: 5 });
    expect(stats.analysis).toEqual({ done: 2, success: 1, failure: 1 });
    expect(stats.busiestNumbers).toEqual([
      { key: '+19195550100', calls: 5 },
      { key: '+19195550199', calls: 3 },
    ]);
    expect(stats.busiestProfiles).toEqual([
      { key: 'reception', calls: 5 },
      { key: 'support', calls: 2 },
    ]);
  });

  it('buckets by day, limits the lists, and answers an empty range with zeros and nulls', async () => {
    const day = await store.stats({ fromMs: t0 - 86_400_000, toMs: t0 + 86_400_000, bucket: 'day', top: 1 });
    expect(day.series.byOutcome.completed).toEqual([1, 3]);
    expect(day.busiestNumbers).toEqual([{ key: '+19195550100', calls: 7 }]);
    const empty = await store.stats({ fromMs: t0 + 100 * hour, toMs: t0 + 101 * hour, bucket: 'hour', top: 5 });
    expect(empty).toMatchObject({
      totals: { calls: 0, answered: 0 },
      answerMs: { p50: null, p95: null, count: 0 },
      transfers: { count: 0, rate: null, topReasons: [] },
      duration: { averageSeconds: null, count: 0 },
      cost: { totalUsd: 0, averageUsd: null, count: 0 },
      busiestNumbers: [],
    });
    expect(empty.series.byOutcome.completed).toEqual([0]);
  });
});
