// One contract, two databases: SQLite in a temp dir and a real PostgreSQL (test/support/test-database.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { emptyUsageDetail } from '../cost/usage.ts';
import type { OutboxMessage } from '../outbox/outbox-store.ts';
import type { CallAnalysis, CallRecord, TranscriptTurn } from './call-record.ts';
import { openPostgresStore } from './postgres-store.ts';
import { openSqliteStore } from './sqlite-store.ts';
import { emptyBatch, type Store, type StoreBatch } from './store.ts';

const testDatabaseUrl = inject('databaseUrl');

interface Harness {
  /** Several processes may share the database (PostgreSQL); SQLite belongs to one process. */
  shared: boolean;
  /** The next open() gets a new, empty database. */
  fresh(): void;
  open(): Promise<Store>;
  cleanup(): Promise<void>;
}

function sqliteHarness(): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'sb-store-'));
  let n = 0;
  let path = '';
  return {
    shared: false,
    async open() {
      return openSqliteStore(path);
    },
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
    fresh() {
      path = join(dir, `db-${++n}.sqlite`);
    },
  };
}

function postgresHarness(): Harness {
  const prefix = `sb_test_${process.pid}_${Date.now().toString(36)}`;
  const schemas: string[] = [];
  let schema = '';
  let n = 0;
  return {
    shared: true,
    async open() {
      return openPostgresStore({ connectionString: testDatabaseUrl, schema, maxConnections: 4 });
    },
    async cleanup() {
      const client = new pg.Client({ connectionString: testDatabaseUrl });
      await client.connect();
      for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await client.end();
    },
    fresh() {
      schema = `${prefix}_${++n}`;
      schemas.push(schema);
    },
  };
}

const t0 = Date.parse('2025-06-01T12:00:00.000Z');
const at = (offsetMs: number) => new Date(t0 + offsetMs).toISOString();

function callRecord(callId: string, over: Partial<CallRecord> = {}): CallRecord {
  return {
    callId,
    caller: '+19195551234',
    dialed: '+18005550000',
    sipCallId: `sip-${callId}`,
    sipHeaders: [
      { name: 'From', value: '"Ann" <sip:+19195551234@sip.example.com>' },
      { name: 'To', value: '<sip:+18005550000@sip.example.com>' },
    ],
    profile: 'default',
    surface: 'realtime',
    recording: false,
    outcome: 'completed',
    endReason: 'caller_hangup',
    startedAt: at(0),
    acceptedAt: at(120),
    connectedAt: at(300),
    endedAt: at(60_000),
    answerMs: 119.5,
    transfer: null,
    usage: { inputTokens: 10, outputTokens: 20, totalTokens: 30 },
    tools: [],
    errors: [],
    reconnects: 0,
    updatedAt: at(60_000),
    owner: null,
    model: 'gpt-realtime',
    transcriptionModel: 'gpt-4o-mini-transcribe',
    usageDetail: emptyUsageDetail(),
    cost: null,
    analysis: null,
    ...over,
  };
}

function turn(seq: number, speaker: 'caller' | 'agent', text: string, over: Partial<TranscriptTurn> = {}): TranscriptTurn {
  return { seq, speaker, text, at: at(seq * 1000), itemId: `item_${seq}`, interrupted: false, ...over };
}

function batch(over: Partial<StoreBatch>): StoreBatch {
  return { ...emptyBatch(), ...over };
}

function message(id: string, callId: string, type: OutboxMessage['type'] = 'call.started'): OutboxMessage {
  return { id, callId, type, payload: JSON.stringify({ type, data: { callId } }), createdAt: at(0) };
}

const harnesses: [string, () => Harness][] = [
  ['sqlite', sqliteHarness],
  ['postgres', postgresHarness],
];

describe.each(harnesses)('Store contract: %s', (_name, make) => {
  const harness = make();
  let store: Store;
  const open: Store[] = [];

  beforeEach(async () => {
    harness.fresh();
    store = await harness.open();
    open.push(store);
    return async () => {
      for (const s of open.splice(0)) await s.close();
    };
  });
  afterAll(() => harness.cleanup());

  it('round-trips a call with its transcript and timeline', async () => {
    const record = callRecord('rtc_1', {
      transfer: {
        target: 'sip:+19195554321@67.231.5.176:5061;transport=tls',
        status: 'referred',
        error: null,
        durationMs: 42.5,
        at: at(30_000),
      },
      tools: [
        {
          toolCallId: 'tc_1',
          name: 'transfer_call',
          arguments: '{"reason":"ü"}',
          output: { ok: true },
          error: null,
          durationMs: 43,
          at: at(29_000),
        },
      ],
      errors: [{ at: at(10_000), message: 'boom', code: null }],
      outcome: 'transferred',
      endReason: 'transferred',
    });
    await store.writeBatch(
      batch({
        calls: [record],
        turns: [
          { callId: 'rtc_1', turn: turn(1, 'agent', 'Hello! How can I help?') },
          { callId: 'rtc_1', turn: turn(2, 'caller', 'Ich möchte bitte mit einem Menschen sprechen 👋') },
        ],
        events: [
          { callId: 'rtc_1', entry: { seq: 1, at: at(0), type: 'call.accepted', data: { answerMs: 119.5 } } },
          { callId: 'rtc_1', entry: { seq: 2, at: at(300), type: 'control.connected', data: { attempt: 0 } } },
        ],
      }),
    );
    const got = await store.getCall('rtc_1');
    expect(got).toEqual({
      ...record,
      transcript: [turn(1, 'agent', 'Hello! How can I help?'), turn(2, 'caller', 'Ich möchte bitte mit einem Menschen sprechen 👋')],
      timeline: [
        { seq: 1, at: at(0), type: 'call.accepted', data: { answerMs: 119.5 } },
        { seq: 2, at: at(300), type: 'control.connected', data: { attempt: 0 } },
      ],
    });
    expect(await store.getCall('rtc_missing')).toBeNull();
  });

  it("a progress update changes only a stored call's running totals, and nothing for a call not stored", async () => {
    const record = callRecord('rtc_prog', { outcome: 'in_progress', endedAt: null, endReason: null, tools: [], errors: [] });
    await store.writeBatch(batch({ calls: [record] }));
    const usageDetail = emptyUsageDetail();
    usageDetail.realtime.audioIn = 900;
    usageDetail.transcription.seconds = 12.5;
    const progress = (callId: string, totalTokens: number) => ({
      callId,
      usage: { inputTokens: totalTokens - 10, outputTokens: 10, totalTokens },
      usageDetail,
      updatedAt: at(61_000),
    });
    // Many at once: more rows than one PostgreSQL statement takes parameters for.
    const others = Array.from({ length: 4_000 }, (_, i) => progress(`rtc_absent_${i}`, i));
    await store.writeBatch(batch({ progress: [progress('rtc_prog', 500), ...others] }));
    expect(await store.getCall('rtc_prog')).toEqual({
      ...record,
      usage: { inputTokens: 490, outputTokens: 10, totalTokens: 500 },
      usageDetail,
      updatedAt: at(61_000),
      transcript: [],
      timeline: [],
    });
    expect(await store.getCall('rtc_absent_0')).toBeNull();
    // With the whole row in the same batch, the row wins.
    const ended = { ...record, outcome: 'completed' as const, endedAt: at(70_000), updatedAt: at(70_000) };
    await store.writeBatch(batch({ calls: [ended], progress: [progress('rtc_prog', 7)] }));
    expect(await store.getCall('rtc_prog')).toMatchObject({ outcome: 'completed', usage: ended.usage, updatedAt: at(70_000) });
  });

  it('writes a batch larger than one statement holds, every row of it', async () => {
    // 1,200 calls are more parameters than one multi-row statement takes on PostgreSQL.
    const calls = Array.from({ length: 1_200 }, (_, i) => callRecord(`rtc_big_${i}`, { outcome: 'completed' }));
    await store.writeBatch(
      batch({
        calls,
        turns: calls.map((c) => ({ callId: c.callId, turn: turn(1, 'caller', `hello ${c.callId}`) })),
        events: calls.flatMap((c) =>
          [1, 2, 3].map((seq) => ({ callId: c.callId, entry: { seq, at: at(seq), type: 'call.accepted' as const, data: { seq } } })),
        ),
      }),
    );
    for (const i of [0, 599, 1_199]) {
      const got = await store.getCall(`rtc_big_${i}`);
      expect(got?.transcript.map((t) => t.text)).toEqual([`hello rtc_big_${i}`]);
      expect(got?.timeline.map((e) => e.seq)).toEqual([1, 2, 3]);
    }
  });

  it('keeps nulls as nulls', async () => {
    const record = callRecord('rtc_n', {
      caller: null,
      dialed: null,
      sipCallId: null,
      profile: null,
      endReason: null,
      acceptedAt: null,
      connectedAt: null,
      endedAt: null,
      answerMs: null,
      outcome: 'rejected',
    });
    await store.writeBatch(batch({ calls: [record] }));
    expect(await store.getCall('rtc_n')).toMatchObject({ ...record, transcript: [], timeline: [] });
  });

  it('updates a call and a turn in place, and a replayed batch changes nothing', async () => {
    const live = callRecord('rtc_2', { outcome: 'in_progress', endedAt: null, endReason: null });
    const first = batch({
      calls: [live],
      turns: [{ callId: 'rtc_2', turn: turn(1, 'agent', 'Let me explain our opening hours') }],
      events: [{ callId: 'rtc_2', entry: { seq: 1, at: at(0), type: 'call.accepted', data: {} } }],
      outbox: [message('evt_a', 'rtc_2')],
    });
    await store.writeBatch(first);
    await store.writeBatch(first);
    const ended = callRecord('rtc_2', { usage: { inputTokens: 100, outputTokens: 200, totalTokens: 300 } });
    await store.writeBatch(
      batch({
        calls: [ended],
        turns: [{ callId: 'rtc_2', turn: turn(1, 'agent', 'Let me explain our opening hours', { interrupted: true }) }],
        events: [{ callId: 'rtc_2', entry: { seq: 1, at: at(5), type: 'call.accepted', data: { changed: true } } }],
        outbox: [message('evt_a', 'rtc_2')],
      }),
    );
    const got = await store.getCall('rtc_2');
    expect(got?.outcome).toBe('completed');
    expect(got?.usage.totalTokens).toBe(300);
    expect(got?.transcript).toEqual([turn(1, 'agent', 'Let me explain our opening hours', { interrupted: true })]);
    expect(got?.timeline).toEqual([{ seq: 1, at: at(0), type: 'call.accepted', data: {} }]);
    expect(await store.outboxStats()).toEqual({ pending: 1, dead: 0 });
  });

  it('finds calls left in progress, all of them or by the instance that controlled them', async () => {
    await store.writeBatch(
      batch({
        calls: [
          callRecord('rtc_mine', { outcome: 'in_progress', endedAt: null, endReason: null, owner: 'a:3000' }),
          callRecord('rtc_theirs', { outcome: 'in_progress', endedAt: null, endReason: null, owner: 'b:3000' }),
          callRecord('rtc_done', { owner: 'a:3000' }),
        ],
        events: [{ callId: 'rtc_mine', entry: { seq: 1, at: at(0), type: 'call.accepted', data: {} } }],
      }),
    );
    const mine = await store.inProgressCalls({ owner: 'a:3000' });
    expect(mine.map((c) => c.callId)).toEqual(['rtc_mine']);
    expect(mine[0]).toMatchObject({ owner: 'a:3000', timeline: [{ seq: 1, type: 'call.accepted' }] });
    expect((await store.inProgressCalls()).map((c) => c.callId).sort()).toEqual(['rtc_mine', 'rtc_theirs']);
  });

  it('rolls back a failing batch as a whole', async () => {
    const bad = batch({
      calls: [callRecord('rtc_rb')],
      turns: [{ callId: 'rtc_rb', turn: { ...turn(1, 'agent', 'x'), text: null as unknown as string } }],
    });
    await expect(store.writeBatch(bad)).rejects.toThrow();
    expect(await store.getCall('rtc_rb')).toBeNull();
  });

  describe('listCalls', () => {
    beforeEach(async () => {
      const calls = [
        callRecord('rtc_a', { startedAt: at(1_000), caller: '+19195550001', outcome: 'completed' }),
        callRecord('rtc_b', { startedAt: at(2_000), caller: '+19195550002', outcome: 'transferred', dialed: '+18005551111' }),
        callRecord('rtc_c', { startedAt: at(3_000), caller: '+19195550001', outcome: 'missed' }),
        callRecord('rtc_d', { startedAt: at(3_000), caller: '+19195550003', outcome: 'rejected' }), // same start as rtc_c
        callRecord('rtc_e', { startedAt: at(4_000), caller: '+19195550001', outcome: 'in_progress' }),
      ];
      await store.writeBatch(
        batch({
          calls,
          turns: [
            { callId: 'rtc_a', turn: turn(1, 'caller', 'What are your OPENING hours?') },
            { callId: 'rtc_b', turn: turn(1, 'caller', 'I want a refund, 100% of it') },
            { callId: 'rtc_c', turn: turn(1, 'caller', 'opening_hours please') },
          ],
        }),
      );
    });

    const ids = (page: { calls: CallRecord[] }) => page.calls.map((c) => c.callId);

    it('lists newest first, ties broken by call id', async () => {
      expect(ids(await store.listCalls({ limit: 10 }))).toEqual(['rtc_e', 'rtc_d', 'rtc_c', 'rtc_b', 'rtc_a']);
    });

    it('filters by caller, dialed number, outcome and time range', async () => {
      expect(ids(await store.listCalls({ limit: 10, caller: '+19195550001' }))).toEqual(['rtc_e', 'rtc_c', 'rtc_a']);
      expect(ids(await store.listCalls({ limit: 10, dialed: '+18005551111' }))).toEqual(['rtc_b']);
      expect(ids(await store.listCalls({ limit: 10, outcome: 'missed' }))).toEqual(['rtc_c']);
      expect(ids(await store.listCalls({ limit: 10, from: at(2_000), to: at(4_000) }))).toEqual(['rtc_d', 'rtc_c', 'rtc_b']);
      expect(ids(await store.listCalls({ limit: 10, caller: '+19195550001', outcome: 'completed' }))).toEqual(['rtc_a']);
    });

    it('searches transcripts case-insensitively, taking % and _ literally', async () => {
      expect(ids(await store.listCalls({ limit: 10, text: 'opening hours' }))).toEqual(['rtc_a']);
      expect(ids(await store.listCalls({ limit: 10, text: 'OPENING' }))).toEqual(['rtc_c', 'rtc_a']);
      expect(ids(await store.listCalls({ limit: 10, text: '100%' }))).toEqual(['rtc_b']);
      expect(ids(await store.listCalls({ limit: 10, text: 'g_h' }))).toEqual(['rtc_c']);
      expect(ids(await store.listCalls({ limit: 10, text: '%' }))).toEqual(['rtc_b']);
      expect(ids(await store.listCalls({ limit: 10, text: 'nothing like this' }))).toEqual([]);
    });

    it('pages with a cursor, each call exactly once, across equal start times', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      const sizes: number[] = [];
      do {
        const page = await store.listCalls({ limit: 2, ...(cursor ? { cursor } : {}) });
        sizes.push(page.calls.length);
        seen.push(...ids(page));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(['rtc_e', 'rtc_d', 'rtc_c', 'rtc_b', 'rtc_a']);
      expect(sizes).toEqual([2, 2, 1]);
    });

    it('pages within a filter', async () => {
      const first = await store.listCalls({ limit: 1, caller: '+19195550001' });
      expect(ids(first)).toEqual(['rtc_e']);
      const second = await store.listCalls({ limit: 5, caller: '+19195550001', cursor: first.nextCursor ?? '' });
      expect(ids(second)).toEqual(['rtc_c', 'rtc_a']);
      expect(second.nextCursor).toBeNull();
    });
  });

  it('purges ended calls older than the cutoff with their transcripts, keeping live calls and pending events', async () => {
    await store.writeBatch(
      batch({
        calls: [
          callRecord('rtc_old', { startedAt: at(0) }),
          callRecord('rtc_old_live', { startedAt: at(0), outcome: 'in_progress' }),
          callRecord('rtc_new', { startedAt: at(10 * 86_400_000) }),
        ],
        turns: [
          { callId: 'rtc_old', turn: turn(1, 'caller', 'old words') },
          { callId: 'rtc_new', turn: turn(1, 'caller', 'new words') },
        ],
        events: [{ callId: 'rtc_old', entry: { seq: 1, at: at(0), type: 'call.accepted', data: {} } }],
        outbox: [message('evt_old_pending', 'rtc_old'), message('evt_old_done', 'rtc_old', 'call.ended')],
      }),
    );
    const [claimed] = await store.claimOutbox({ now: new Date(t0), limit: 1, leaseMs: 1000 });
    await store.markDelivered(claimed!.id, new Date(t0));
    const purged = await store.purge(new Date(t0 + 86_400_000));
    expect(purged.calls).toBe(1);
    expect(await store.getCall('rtc_old')).toBeNull();
    expect(await store.getCall('rtc_old_live')).not.toBeNull();
    expect((await store.getCall('rtc_new'))?.transcript).toHaveLength(1);
    expect((await store.listCalls({ limit: 10, text: 'old words' })).calls).toEqual([]);
    expect(purged.outbox).toBe(1); // the delivered one; the pending one waits for delivery
    expect(await store.outboxStats()).toEqual({ pending: 1, dead: 0 });
  });

  describe('outbox', () => {
    const now = new Date(t0);
    const later = (msLater: number) => new Date(t0 + msLater);

    it('claims due messages oldest first, once per lease', async () => {
      await store.writeBatch(batch({ outbox: [message('evt_1', 'rtc_x'), message('evt_2', 'rtc_y'), message('evt_3', 'rtc_z')] }));
      const first = await store.claimOutbox({ now, limit: 2, leaseMs: 10_000 });
      expect(first.map((m) => [m.id, m.attempts])).toEqual([
        ['evt_1', 0],
        ['evt_2', 0],
      ]);
      expect(first[0]).toMatchObject({
        callId: 'rtc_x',
        type: 'call.started',
        payload: message('evt_1', 'rtc_x').payload,
        createdAt: at(0),
      });
      expect((await store.claimOutbox({ now, limit: 10, leaseMs: 10_000 })).map((m) => m.id)).toEqual(['evt_3']);
      expect(await store.claimOutbox({ now: later(5_000), limit: 10, leaseMs: 10_000 })).toEqual([]);
      // an expired lease (the holder died) makes the message due again
      expect((await store.claimOutbox({ now: later(10_000), limit: 10, leaseMs: 10_000 })).map((m) => m.id)).toEqual([
        'evt_1',
        'evt_2',
        'evt_3',
      ]);
    });

    it("holds a call's later events until the earlier one is settled", async () => {
      await store.writeBatch(batch({ outbox: [message('evt_s', 'rtc_o', 'call.started'), message('evt_e', 'rtc_o', 'call.ended')] }));
      const [started] = await store.claimOutbox({ now, limit: 10, leaseMs: 1_000 });
      expect(started?.id).toBe('evt_s');
      await store.markRetry('evt_s', { attempts: 1, nextAttemptAt: later(5_000), error: 'HTTP 500' });
      expect(await store.claimOutbox({ now: later(1_000), limit: 10, leaseMs: 1_000 })).toEqual([]);
      const [retry] = await store.claimOutbox({ now: later(5_000), limit: 10, leaseMs: 1_000 });
      expect(retry).toMatchObject({ id: 'evt_s', attempts: 1 });
      await store.markDelivered('evt_s', later(5_000));
      expect((await store.claimOutbox({ now: later(5_000), limit: 10, leaseMs: 1_000 })).map((m) => m.id)).toEqual(['evt_e']);
    });

    it('counts the backlog; dead and delivered messages leave it', async () => {
      await store.writeBatch(batch({ outbox: [message('evt_1', 'rtc_1'), message('evt_2', 'rtc_2'), message('evt_3', 'rtc_3')] }));
      expect(await store.outboxStats()).toEqual({ pending: 3, dead: 0 });
      await store.claimOutbox({ now, limit: 10, leaseMs: 1_000 });
      await store.markDelivered('evt_1', now);
      await store.markDead('evt_2', { attempts: 20, error: 'HTTP 410' });
      expect(await store.outboxStats()).toEqual({ pending: 1, dead: 1 });
      expect((await store.claimOutbox({ now: later(1_000), limit: 10, leaseMs: 1_000 })).map((m) => m.id)).toEqual(['evt_3']);
    });

    it('releases leases for messages it will not send', async () => {
      await store.writeBatch(batch({ outbox: [message('evt_1', 'rtc_1')] }));
      await store.claimOutbox({ now, limit: 10, leaseMs: 60_000 });
      expect(await store.claimOutbox({ now, limit: 10, leaseMs: 60_000 })).toEqual([]);
      await store.releaseLeases(['evt_1']);
      expect((await store.claimOutbox({ now, limit: 10, leaseMs: 60_000 })).map((m) => m.id)).toEqual(['evt_1']);
    });

    it('releases every lease at once (the leases of a run that died)', async () => {
      await store.writeBatch(batch({ outbox: [message('m1', 'rtc_a'), message('m2', 'rtc_b')] }));
      expect(await store.claimOutbox({ now: new Date(t0), limit: 10, leaseMs: 60_000 })).toHaveLength(2);
      expect(await store.claimOutbox({ now: new Date(t0 + 1), limit: 10, leaseMs: 60_000 })).toHaveLength(0);
      expect(await store.releaseAllLeases()).toBe(2);
      expect((await store.claimOutbox({ now: new Date(t0 + 2), limit: 10, leaseMs: 60_000 })).map((m) => m.id).sort()).toEqual([
        'm1',
        'm2',
      ]);
    });

    it('never hands one message to two claimers at once (instances sharing PostgreSQL)', async () => {
      const other = harness.shared ? await harness.open() : store;
      if (other !== store) open.push(other);
      const outbox = Array.from({ length: 30 }, (_, i) => message(`evt_${i}`, `rtc_${i}`));
      await store.writeBatch(batch({ outbox }));
      const claims = await Promise.all([
        store.claimOutbox({ now, limit: 10, leaseMs: 60_000 }),
        other.claimOutbox({ now, limit: 10, leaseMs: 60_000 }),
        store.claimOutbox({ now, limit: 10, leaseMs: 60_000 }),
        other.claimOutbox({ now, limit: 10, leaseMs: 60_000 }),
      ]);
      const ids = claims.flat().map((m) => m.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(30);
    });
  });

  it('migrates once: reopening an existing database keeps its data', async () => {
    await store.writeBatch(batch({ calls: [callRecord('rtc_keep')] }));
    const again = await harness.open();
    open.push(again);
    expect((await again.getCall('rtc_keep'))?.callId).toBe('rtc_keep');
  });

  describe('post-call analysis', () => {
    const pending = (_callId: string, dueMs: number): CallAnalysis => ({
      status: 'pending',
      model: 'gpt-6-luna',
      attempts: 0,
      summary: null,
      success: null,
      fields: null,
      tokens: null,
      costUsd: null,
      error: null,
      requestedAt: at(60_000),
      completedAt: null,
      nextAttemptAt: at(dueMs),
    });
    const done = (fields: Record<string, unknown>, success: boolean | null): CallAnalysis => ({
      ...pending('x', 0),
      status: 'done',
      attempts: 1,
      summary: 'The caller asked about an order.',
      success,
      fields,
      tokens: { inputTokens: 500, cachedTokens: 0, cacheWriteTokens: 0, outputTokens: 60 },
      costUsd: 0.00008,
      completedAt: at(61_000),
      nextAttemptAt: null,
    });
    const cost = {
      totalUsd: 0.12,
      realtimeUsd: 0.11992,
      transcriptionUsd: 0,
      liveUsd: 0,
      analysisUsd: 0.00008,
      unpriced: [],
      pricesCheckedOn: '2026-12-01',
    };

    it('claims due analyses once per lease; a save releases the lease, writes the cost and queues the webhook in one go', async () => {
      await store.writeBatch(
        batch({
          calls: [
            callRecord('rtc_a', { analysis: pending('rtc_a', 60_000) }),
            callRecord('rtc_b', { analysis: pending('rtc_b', 90_000) }),
            callRecord('rtc_c'),
          ],
        }),
      );
      const now = new Date(t0 + 70_000);
      expect(await store.claimAnalyses({ now, limit: 10, leaseMs: 30_000 })).toEqual(['rtc_a']);
      expect(await store.claimAnalyses({ now, limit: 10, leaseMs: 30_000 })).toEqual([]); // leased
      expect((await store.claimAnalyses({ now: new Date(t0 + 100_001), limit: 10, leaseMs: 30_000 })).sort()).toEqual(['rtc_a', 'rtc_b']); // lease ran out; b is due

      await store.saveAnalysis('rtc_a', {
        analysis: done({ resolved: true }, true),
        cost,
        outbox: message('msg_an', 'rtc_a', 'call.analyzed'),
      });
      const got = await store.getCall('rtc_a');
      expect(got?.analysis).toEqual(done({ resolved: true }, true));
      expect(got?.cost).toEqual(cost);
      expect((await store.claimOutbox({ now: new Date(t0 + 100_000), limit: 10, leaseMs: 1000 })).map((m) => m.type)).toEqual([
        'call.analyzed',
      ]);
      expect(await store.claimAnalyses({ now: new Date(t0 + 200_000), limit: 10, leaseMs: 30_000 })).toEqual(['rtc_b']);

      // A retry moves the due time; the recorder rewriting the record later never undoes the worker's work.
      await store.saveAnalysis('rtc_b', { analysis: { ...pending('rtc_b', 500_000), attempts: 1, error: 'HTTP 500' } });
      expect(await store.claimAnalyses({ now: new Date(t0 + 400_000), limit: 10, leaseMs: 30_000 })).toEqual([]);
      await store.writeBatch(batch({ calls: [callRecord('rtc_a', { analysis: pending('rtc_a', 0), endReason: 'agent_hangup' })] }));
      expect(await store.getCall('rtc_a')).toMatchObject({ endReason: 'agent_hangup', analysis: { status: 'done' }, cost });
    });

    it('filters on success and on extracted fields, whatever their JSON type', async () => {
      await store.writeBatch(
        batch({
          calls: [
            callRecord('rtc_1', {
              startedAt: at(1),
              analysis: done({ resolved: true, orderNumber: 'A-1234', visits: 2, customer: { tier: 'gold' } }, true),
            }),
            callRecord('rtc_2', {
              startedAt: at(2),
              analysis: done({ resolved: false, orderNumber: '42', visits: 0, customer: { tier: 'basic' } }, false),
            }),
            callRecord('rtc_3', { startedAt: at(3), analysis: pending('rtc_3', 0) }),
            callRecord('rtc_4', { startedAt: at(4) }),
          ],
        }),
      );
      const ids = async (q: Partial<Parameters<Store['listCalls']>[0]>) =>
        (await store.listCalls({ limit: 50, ...q })).calls.map((c) => c.callId);
      expect(await ids({ success: true })).toEqual(['rtc_1']);
      expect(await ids({ success: false })).toEqual(['rtc_2']);
      expect(await ids({ analysis: 'pending' })).toEqual(['rtc_3']);
      expect(await ids({ fields: [{ path: ['resolved'], value: 'true' }] })).toEqual(['rtc_1']);
      expect(await ids({ fields: [{ path: ['resolved'], value: 'false' }] })).toEqual(['rtc_2']);
      expect(await ids({ fields: [{ path: ['orderNumber'], value: 'A-1234' }] })).toEqual(['rtc_1']);
      expect(await ids({ fields: [{ path: ['orderNumber'], value: '42' }] })).toEqual(['rtc_2']); // a string that looks like a number
      expect(await ids({ fields: [{ path: ['visits'], value: '2' }] })).toEqual(['rtc_1']);
      expect(await ids({ fields: [{ path: ['customer', 'tier'], value: 'basic' }] })).toEqual(['rtc_2']);
      expect(
        await ids({
          fields: [
            { path: ['resolved'], value: 'true' },
            { path: ['visits'], value: '0' },
          ],
        }),
      ).toEqual([]);
      expect(await ids({ fields: [{ path: ['nothing'], value: 'x' }] })).toEqual([]);
    });
  });
});
