import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accepted, transferCall } from '../../test/support/call-event-fixtures.ts';
import { captureLogs } from '../../test/support/capture-logs.ts';
import type { CallEvent } from '../calls/call-events.ts';
import { createLogger } from '../log/logger.ts';
import { ManualClock } from '../testing/manual-clock.ts';
import type { TimelineEntry } from './call-record.ts';
import { Recorder, type RecorderOptions } from './recorder.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { Store, StoreBatch } from './store.ts';

const log = createLogger('silent');

/** A real (in-memory SQLite) store that remembers every batch and fails when told. */
async function spyStore() {
  const inner = await openSqliteStore(':memory:');
  const batches: StoreBatch[] = [];
  let failures = 0;
  const store: Store = Object.create(inner) as Store;
  store.writeBatch = async (batch) => {
    batches.push(structuredClone(batch));
    if (failures > 0) {
      failures--;
      throw new Error('database is down');
    }
    await inner.writeBatch(batch);
  };
  return { store, batches, failNext: (n: number) => void (failures = n), close: () => inner.close() };
}

describe('Recorder', () => {
  let spy: Awaited<ReturnType<typeof spyStore>>;
  let clock: ManualClock;
  const make = (over: Partial<RecorderOptions> = {}) =>
    new Recorder({ store: spy.store, log, batchMs: 1000, callEvents: true, clock, ...over });

  beforeEach(async () => {
    spy = await spyStore();
    clock = new ManualClock({ epochMs: Date.parse('2025-06-01T12:00:00.000Z') });
  });
  afterEach(() => spy.close());

  it('says how long its oldest unwritten event has waited, and warns once the store falls 10 s behind', async () => {
    const logs = captureLogs('warn');
    const recorder = make({ log: logs.logger });
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    const write = spy.store.writeBatch;
    spy.store.writeBatch = async (batch) => {
      await stalled; // a store that does not answer
      await write(batch);
    };
    expect(recorder.lagMs).toBe(0);
    recorder.start();
    for (const e of transferCall('rtc_lag')) recorder.record(e);
    await clock.advanceAsync(3_000);
    expect(recorder.lagMs).toBe(3_000);
    expect(logs.lines).toEqual([]);
    await clock.advanceAsync(8_000);
    expect(recorder.lagMs).toBe(11_000);
    recorder.record(accepted('rtc_lag_2')); // a new event, while the write is still stalled
    recorder.record(accepted('rtc_lag_3')); // warned once, not per event
    release();
    await clock.advanceAsync(1_000);
    const warned = logs.lines.filter((l) => l.msg?.startsWith('call records are falling behind'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ bufferedEvents: expect.any(Number) });
    expect(warned[0]?.behindMs).toBeGreaterThanOrEqual(10_000);
    await recorder.flush();
    expect(recorder.lagMs).toBe(0); // everything written
    await recorder.close();
  });

  it('only buffers on record(): nothing is written until a flush', async () => {
    const recorder = make();
    for (const e of transferCall('rtc_1')) recorder.record(e);
    expect(spy.batches).toHaveLength(0);
    expect((await recorder.detail('rtc_1'))?.outcome).toBe('transferred');
    await recorder.flush();
    expect(spy.batches).toHaveLength(1);
  });

  it('never throws into the call path, even for events it cannot fold', () => {
    const recorder = make();
    expect(() => recorder.record({ type: 'usage', callId: 'rtc_x', usage: null } as unknown as CallEvent)).not.toThrow();
  });

  it('writes a full call that a store read gives back whole', async () => {
    const recorder = make();
    for (const e of transferCall('rtc_full')) recorder.record(e);
    clock.advance(1000);
    await recorder.flush();
    const got = await spy.store.getCall('rtc_full');
    expect(got).toEqual((await recorder.detail('rtc_full')) ?? got); // still in memory or already the same
    expect(got).toMatchObject({
      outcome: 'transferred',
      transfer: { status: 'referred' },
      usage: { totalTokens: 370 },
      transcript: [{ speaker: 'agent' }, { speaker: 'caller', text: 'I would like to talk to a person, please.' }],
    });
    expect(got?.timeline).toHaveLength(transferCall('x').length);
  });

  it('writes only what changed since the last batch', async () => {
    const recorder = make();
    recorder.record(accepted('rtc_inc'));
    recorder.record({ type: 'transcript', callId: 'rtc_inc', speaker: 'agent', text: 'Hi', itemId: 'i1' });
    await recorder.flush();
    recorder.record({ type: 'transcript', callId: 'rtc_inc', speaker: 'caller', text: 'Hello', itemId: 'i2' });
    recorder.record({ type: 'transcript.interrupted', callId: 'rtc_inc', itemId: 'i1' });
    await recorder.flush();
    await recorder.flush(); // nothing new: no write
    expect(spy.batches).toHaveLength(2);
    const second = spy.batches[1]!;
    expect(second.turns.map((t) => [t.turn.seq, t.turn.interrupted]).sort()).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(second.events.map((e) => e.entry.seq)).toEqual([3, 4]);
    expect((await spy.store.getCall('rtc_inc'))?.transcript.map((t) => t.interrupted)).toEqual([true, false]);
  });

  it("writes a live call's running totals as a progress update, and the whole row when anything else changed", async () => {
    const recorder = make();
    recorder.record(accepted('rtc_prog'));
    await recorder.flush();
    expect(spy.batches[0]?.calls.map((c) => c.callId)).toEqual(['rtc_prog']);
    const usage = { inputTokens: 100, outputTokens: 40, totalTokens: 140 };
    clock.advance(1000);
    recorder.record({ type: 'transcript', callId: 'rtc_prog', speaker: 'caller', text: 'Hello', itemId: 'i1' });
    recorder.record({ type: 'usage', callId: 'rtc_prog', usage });
    await recorder.flush();
    const second = spy.batches[1]!;
    expect(second.calls).toEqual([]);
    expect(second.progress).toEqual([expect.objectContaining({ callId: 'rtc_prog', usage, updatedAt: '2025-06-01T12:00:01.000Z' })]);
    expect(await spy.store.getCall('rtc_prog')).toMatchObject({ usage, updatedAt: '2025-06-01T12:00:01.000Z', outcome: 'in_progress' });
    recorder.record({ type: 'error', callId: 'rtc_prog', message: 'rate limited' });
    await recorder.flush();
    expect(spy.batches[2]).toMatchObject({ calls: [{ callId: 'rtc_prog', errors: [{ message: 'rate limited' }] }], progress: [] });
  });

  it('builds a big batch a few ms at a time: the loop runs before the batch reaches the store', async () => {
    const recorder = make();
    for (let i = 0; i < 20_000; i++) recorder.record(accepted(`rtc_many_${i}`));
    let loopRan = false;
    let loopRanBeforeWrite: boolean | null = null;
    const write = spy.store.writeBatch;
    spy.store.writeBatch = async (batch) => {
      loopRanBeforeWrite = loopRan;
      return write(batch);
    };
    setImmediate(() => (loopRan = true));
    await recorder.flush();
    expect(loopRanBeforeWrite).toBe(true);
    expect(spy.batches[0]?.calls).toHaveLength(20_000);
  });

  it('with call-event webhooks off, written transcript turns leave memory but for the last few; the detail and the record stay whole', async () => {
    const finished: { callerSpoke: boolean }[] = [];
    const recorder = make({ callEvents: false, onFinish: (_record, transcript) => void finished.push(transcript) });
    recorder.record(accepted('rtc_long'));
    const say = (n: number) =>
      recorder.record({
        type: 'transcript',
        callId: 'rtc_long',
        speaker: n === 1 ? 'caller' : 'agent',
        text: `turn ${n}`,
        itemId: `i${n}`,
      });
    for (let n = 1; n <= 10; n++) say(n);
    expect(recorder.heldTranscriptTurns).toBe(10); // nothing written yet
    await recorder.flush();
    expect(recorder.heldTranscriptTurns).toBe(4);
    recorder.record({ type: 'transcript.interrupted', callId: 'rtc_long', itemId: 'i9' }); // a written turn still in memory
    say(11);
    const detail = await recorder.detail('rtc_long');
    expect(detail?.transcript.map((t) => t.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(detail?.transcript.find((t) => t.seq === 9)?.interrupted).toBe(true);
    recorder.record({ type: 'call.ended', callId: 'rtc_long', reason: 'caller_hangup', endedAt: clock.epochMs() });
    await recorder.close();
    const stored = await spy.store.getCall('rtc_long');
    expect(stored?.transcript.map((t) => [t.seq, t.interrupted])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, false],
      [5, false],
      [6, false],
      [7, false],
      [8, false],
      [9, true],
      [10, false],
      [11, false],
    ]);
    expect(finished).toEqual([{ callerSpoke: true }]); // the caller's only turn had left memory
  });

  it('with call-event webhooks on, the whole transcript stays in memory for call.ended', async () => {
    const recorder = make({ callEvents: true });
    recorder.record(accepted('rtc_kept'));
    for (let n = 1; n <= 10; n++)
      recorder.record({ type: 'transcript', callId: 'rtc_kept', speaker: 'agent', text: `turn ${n}`, itemId: `i${n}` });
    await recorder.flush();
    expect(recorder.heldTranscriptTurns).toBe(10);
    await recorder.close();
  });

  it('keeps a failed batch and writes it with the next one', async () => {
    const recorder = make();
    recorder.record(accepted('rtc_f'));
    spy.failNext(1);
    await recorder.flush();
    expect(await spy.store.getCall('rtc_f')).toBeNull();
    recorder.record({ type: 'transcript', callId: 'rtc_f', speaker: 'agent', text: 'Hi', itemId: 'i1' });
    await recorder.flush();
    const got = await spy.store.getCall('rtc_f');
    expect(got?.timeline.map((e) => e.type)).toEqual(['call.accepted', 'transcript']);
    expect(await spy.store.outboxStats()).toEqual({ pending: 1, dead: 0 }); // call.started survived the failure, once
  });

  it('queues call.started, call.transferred and, after the grace period, call.ended with the transcript', async () => {
    const recorder = make({ endGraceMs: 500 });
    for (const e of transferCall('rtc_ev')) recorder.record(e);
    clock.advance(Date.parse('2025-06-01T12:01:00.100Z') - clock.epochMs()); // 100 ms after the end: still in grace
    await recorder.flush();
    expect(spy.batches[0]!.outbox.map((m) => m.type)).toEqual(['call.started', 'call.transferred']);
    clock.advance(1000);
    await recorder.flush();
    const ended = spy.batches[1]!.outbox;
    expect(ended.map((m) => m.type)).toEqual(['call.ended']);
    const body = JSON.parse(ended[0]!.payload);
    expect(body).toMatchObject({
      type: 'call.ended',
      timestamp: '2025-06-01T12:01:00.000Z',
      data: { callId: 'rtc_ev', outcome: 'transferred' },
    });
    expect(body.data.transcript).toHaveLength(2);
    const ids = [...spy.batches[0]!.outbox, ...ended].map((m) => m.id);
    expect(new Set(ids).size).toBe(3);
    expect(ids.every((id) => /^msg_[0-9a-f]{32}$/.test(id))).toBe(true);
    // the record left memory once its last state was written
    expect(await recorder.detail('rtc_ev')).toBeNull();
    expect(recorder.bufferedCalls).toBe(0);
  });

  it('lets a late event join the record during the grace period', async () => {
    const recorder = make({ endGraceMs: 500 });
    recorder.record(accepted('rtc_late'));
    recorder.record({ type: 'call.ended', callId: 'rtc_late', reason: 'agent_hangup', endedAt: clock.epochMs() });
    recorder.record({
      type: 'tool.completed',
      callId: 'rtc_late',
      toolCallId: 'tc',
      name: 'end_call',
      output: { ok: true },
      durationMs: 3,
    });
    clock.advance(600);
    await recorder.flush();
    const ended = JSON.parse(spy.batches[0]!.outbox.find((m) => m.type === 'call.ended')!.payload);
    expect(ended.data.tools).toMatchObject([{ toolCallId: 'tc', name: 'end_call' }]);
  });

  it('merges an event that comes after the record left memory into the stored record, never over it', async () => {
    const recorder = make({ endGraceMs: 0 });
    recorder.record(accepted('rtc_m'));
    recorder.record({ type: 'tool.called', callId: 'rtc_m', toolCallId: 'tc', name: 'lookup', arguments: '{}' });
    recorder.record({ type: 'call.ended', callId: 'rtc_m', reason: 'caller_hangup', endedAt: clock.epochMs() });
    await recorder.flush();
    expect(recorder.bufferedCalls).toBe(0);
    const before = await spy.store.getCall('rtc_m');

    // The tool answers after the hangup and after the record was written.
    recorder.record({ type: 'tool.completed', callId: 'rtc_m', toolCallId: 'tc', name: 'lookup', output: { ok: true }, durationMs: 4000 });
    await recorder.flush();
    const after = await spy.store.getCall('rtc_m');
    expect(after).toMatchObject({
      caller: before?.caller,
      acceptedAt: before?.acceptedAt,
      outcome: 'completed',
      endReason: 'caller_hangup',
    });
    expect(after?.tools).toMatchObject([{ toolCallId: 'tc', output: { ok: true }, durationMs: 4000 }]);
    expect(after?.timeline.map((e) => [e.seq, e.type])).toEqual([
      [1, 'call.accepted'],
      [2, 'tool.called'],
      [3, 'call.ended'],
      [4, 'tool.completed'],
    ]);
    // Already announced: no second call.ended.
    expect(spy.batches.flatMap((b) => b.outbox).filter((m) => m.type === 'call.ended')).toHaveLength(1);
  });

  it('an accept that succeeds after a failed attempt continues the same record, with fresh webhook ids', async () => {
    const recorder = make({ endGraceMs: 0 });
    const first = accepted('x') as Extract<CallEvent, { type: 'call.accepted' }>;
    recorder.record({
      type: 'call.failed',
      callId: 'rtc_r',
      parties: first.parties,
      sipHeaders: first.sipHeaders,
      message: 'accepting the call failed: deadline passed',
    });
    await recorder.flush(); // written, announced (call.ended failed), out of memory
    recorder.record(accepted('rtc_r'));
    recorder.record({ type: 'control.connected', callId: 'rtc_r', attempt: 0 });
    recorder.record({ type: 'call.ended', callId: 'rtc_r', reason: 'caller_hangup', endedAt: clock.epochMs() });
    await recorder.flush();
    await recorder.flush();
    const got = await spy.store.getCall('rtc_r');
    expect(got).toMatchObject({ outcome: 'completed', endReason: 'caller_hangup', acceptedAt: expect.any(String) });
    expect(got?.timeline.map((e) => e.type)).toEqual(['call.failed', 'call.accepted', 'control.connected', 'call.ended']);
    const outbox = spy.batches.flatMap((b) => b.outbox);
    expect(outbox.map((m) => m.type)).toEqual(['call.ended', 'call.started', 'call.ended']);
    expect(new Set(outbox.map((m) => m.id)).size).toBe(3);
    expect(JSON.parse(outbox[2]!.payload).data).toMatchObject({ outcome: 'completed' });
  });

  it('records the first invalid events of a call, not the repeats the metric counts', async () => {
    const recorder = make();
    recorder.record(accepted('rtc_inv'));
    recorder.record({ type: 'server_event.invalid', callId: 'rtc_inv', eventType: 'response.done', problem: 'response: required' });
    recorder.record({
      type: 'server_event.invalid',
      callId: 'rtc_inv',
      eventType: 'response.done',
      problem: 'response: required',
      repeated: true,
    });
    expect((await recorder.detail('rtc_inv'))?.errors).toEqual([
      { at: expect.any(String), message: 'response.done dropped: response: required', code: 'invalid_server_event' },
    ]);
  });

  it('drops late events for a call that has no record, instead of writing a blank one', async () => {
    const recorder = make();
    recorder.record({ type: 'tool.completed', callId: 'rtc_ghost', toolCallId: 'tc', name: 'lookup', output: {}, durationMs: 1 });
    await recorder.flush();
    expect(await spy.store.getCall('rtc_ghost')).toBeNull();
    expect(recorder.bufferedCalls).toBe(0);
  });

  it('restore() goes on from a stored call: sequence numbers continue, call.ended is new', async () => {
    const recorder = make({ endGraceMs: 0 });
    recorder.record(accepted('rtc_back'));
    recorder.record({ type: 'control.connected', callId: 'rtc_back', attempt: 0 });
    await recorder.flush();
    const stored = await spy.store.getCall('rtc_back');
    const next = make({ endGraceMs: 0 }); // a new process
    next.restore(stored!);
    next.record({ type: 'call.ended', callId: 'rtc_back', reason: 'gone', endedAt: clock.epochMs() });
    await next.flush();
    const got = await spy.store.getCall('rtc_back');
    expect(got?.timeline.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(got?.outcome).toBe('completed');
    expect(spy.batches.flatMap((b) => b.outbox).map((m) => m.type)).toEqual(['call.started', 'call.ended']);
  });

  it('a rejected call gets only call.ended, with its outcome', async () => {
    const recorder = make({ endGraceMs: 0 });
    const first = accepted('x') as Extract<CallEvent, { type: 'call.accepted' }>;
    recorder.record({
      type: 'call.rejected',
      callId: 'rtc_rej',
      parties: first.parties,
      sipHeaders: first.sipHeaders,
      statusCode: 486,
      reason: 'blocked caller',
    });
    await recorder.flush();
    const outbox = spy.batches.flatMap((b) => b.outbox);
    expect(outbox.map((m) => m.type)).toEqual(['call.ended']);
    expect(JSON.parse(outbox[0]!.payload).data).toMatchObject({
      callId: 'rtc_rej',
      outcome: 'rejected',
      endReason: 'blocked caller',
      caller: '+19195551234',
    });
    expect((await spy.store.getCall('rtc_rej'))?.outcome).toBe('rejected');
  });

  it('queues no webhooks when call events are off', async () => {
    const recorder = make({ callEvents: false });
    for (const e of transferCall('rtc_off')) recorder.record(e);
    await recorder.close();
    expect(spy.batches.flatMap((b) => b.outbox)).toEqual([]);
    expect((await spy.store.getCall('rtc_off'))?.outcome).toBe('transferred');
  });

  it('close() writes everything at once, ended calls included', async () => {
    const recorder = make({ endGraceMs: 60_000 });
    for (const e of transferCall('rtc_c')) recorder.record(e);
    recorder.record(accepted('rtc_live'));
    await recorder.close();
    expect(
      spy.batches
        .flatMap((b) => b.outbox)
        .map((m) => m.type)
        .sort(),
    ).toEqual(['call.ended', 'call.started', 'call.started', 'call.transferred']);
    expect((await spy.store.getCall('rtc_live'))?.outcome).toBe('in_progress');
  });

  it('flushes on its own every batch window', async () => {
    const recorder = make();
    recorder.start();
    expect(clock.pendingDelaysMs()).toEqual([1000]);
    recorder.record(accepted('rtc_t'));
    await clock.advanceAsync(999);
    expect(spy.batches).toHaveLength(0);
    await clock.advanceAsync(1);
    expect(spy.batches).toHaveLength(1);
    expect(clock.pendingDelaysMs()).toEqual([1000]); // the next window is scheduled
    await recorder.close();
    expect(clock.pendingCount).toBe(0);
  });

  describe('a capped buffer while the store fails', () => {
    const transcript = (callId: string, i: number): CallEvent => ({
      type: 'transcript',
      callId,
      speaker: 'caller',
      text: `words ${i}`,
      itemId: `i${i}`,
    });
    const ended = (callId: string): CallEvent => ({ type: 'call.ended', callId, reason: 'caller_hangup', endedAt: clock.epochMs() });

    it('never holds more unwritten events than the cap: ended calls go first, then live events that do not decide the outcome', async () => {
      const lines: Array<Record<string, any>> = [];
      const capturing = createLogger('info', { write: (chunk: string) => void lines.push(JSON.parse(chunk)) });
      let dropped = 0;
      const recorder = make({ log: capturing, maxBufferedEvents: 50, onDropped: (n) => void (dropped += n) });
      spy.failNext(1_000);
      // An ended call whose record cannot be written: 1 + 20 + 1 events, and call.started and call.ended queued.
      recorder.record(accepted('rtc_old'));
      for (let i = 0; i < 20; i++) recorder.record(transcript('rtc_old', i));
      recorder.record(ended('rtc_old'));
      await recorder.flush(true).catch(() => undefined); // fails: everything stays in memory
      expect(recorder.bufferedEvents).toBe(22 + 2);
      // A live call talks on; the store is still down.
      recorder.record(accepted('rtc_live'));
      for (let i = 0; i < 200; i++) {
        recorder.record(transcript('rtc_live', i));
        expect(recorder.bufferedEvents).toBeLessThanOrEqual(50);
      }
      await recorder.flush().catch(() => undefined);
      expect(recorder.bufferedEvents).toBeLessThanOrEqual(50 + 1); // + the call.started it queued
      // The old ended record went whole, and was said to go.
      expect(await recorder.detail('rtc_old')).toBeNull();
      expect(lines).toContainEqual(
        expect.objectContaining({
          msg: 'call record dropped: the store is behind and the memory buffer is full',
          callId: 'rtc_old',
          events: 22,
        }),
      );
      // The live call kept what decides its outcome: its end still closes the record, which says what it lost.
      recorder.record(ended('rtc_live'));
      expect((await recorder.detail('rtc_live'))?.outcome).toBe('completed');
      const lost = lines.filter((l) => l.msg === 'call events not recorded: the store is behind and the memory buffer is full');
      expect(lost).toHaveLength(1); // once per call, not once per event
      spy.failNext(0);
      await recorder.close();
      const stored = await spy.store.getCall('rtc_live');
      const liveDropped = dropped - 22;
      expect(liveDropped).toBeGreaterThan(0);
      expect(stored?.timeline.length).toBe(1 + 200 - liveDropped + 1);
      expect(stored?.errors).toContainEqual(
        expect.objectContaining({
          code: 'events_dropped',
          message: `${liveDropped} events not recorded: the store was behind and the memory buffer full`,
        }),
      );
      expect(recorder.bufferedEvents).toBe(0);
    });

    it('counts back to zero once everything is written', async () => {
      const recorder = make();
      for (const e of transferCall('rtc_count')) recorder.record(e);
      expect(recorder.bufferedEvents).toBe(transferCall('x').length + 2); // + call.started, call.transferred
      spy.failNext(1);
      await recorder.flush().catch(() => undefined);
      expect(recorder.bufferedEvents).toBe(transferCall('x').length + 2);
      await recorder.close();
      expect(recorder.bufferedEvents).toBe(0);
    });

    it('counts a late event merged into a stored record once, and back to zero', async () => {
      const recorder = make({ endGraceMs: 0 });
      recorder.record(accepted('rtc_merge'));
      recorder.record({ type: 'call.ended', callId: 'rtc_merge', reason: 'caller_hangup', endedAt: clock.epochMs() });
      await recorder.flush();
      expect(recorder.has('rtc_merge')).toBe(false); // written and out of memory
      recorder.record({
        type: 'tool.completed',
        callId: 'rtc_merge',
        toolCallId: 'late',
        name: 'lookup',
        output: { ok: true },
        durationMs: 9,
      });
      await recorder.flush(); // read back, merged, written
      expect(recorder.bufferedEvents).toBe(0);
      expect((await spy.store.getCall('rtc_merge'))?.timeline.at(-1)?.type).toBe('tool.completed');
    });
  });

  describe('follow', () => {
    it('replays after a sequence number, then follows live until the end', () => {
      const recorder = make();
      const events = transferCall('rtc_s');
      events.slice(0, 4).forEach((e) => recorder.record(e));
      const got: TimelineEntry[] = [];
      const sub = recorder.follow('rtc_s', 1, { onEntry: (e) => got.push(e) });
      expect(sub?.ended).toBe(false);
      expect(got.map((e) => e.seq)).toEqual([2, 3, 4]);
      events.slice(4).forEach((e) => recorder.record(e));
      expect(got.map((e) => e.seq)).toEqual(events.slice(1).map((_, i) => i + 2));
      expect(got.at(-1)?.type).toBe('call.ended');
      recorder.record({ type: 'error', callId: 'other', message: 'x' });
      expect(got).toHaveLength(events.length - 1);
    });

    it('says a finished call is over after replaying it, and knows nothing of calls not in memory', () => {
      const recorder = make();
      transferCall('rtc_done').forEach((e) => recorder.record(e));
      const got: string[] = [];
      expect(recorder.follow('rtc_done', 0, { onEntry: (e) => got.push(e.type) })?.ended).toBe(true);
      expect(got.at(-1)).toBe('call.ended');
      expect(recorder.follow('rtc_unknown', 0, { onEntry: () => undefined })).toBeNull();
    });

    it('stops sending after unsubscribe', () => {
      const recorder = make();
      recorder.record(accepted('rtc_u'));
      const got: number[] = [];
      const sub = recorder.follow('rtc_u', 0, { onEntry: (e) => got.push(e.seq) });
      sub?.unsubscribe();
      recorder.record({ type: 'greeting.requested', callId: 'rtc_u' });
      expect(got).toEqual([1]);
    });
  });

  describe('calls that change instance', () => {
    it('a call taken over goes on from its stored record: sequence numbers continue, call.started is not sent again, call.ended once', async () => {
      const first = make();
      const events = transferCall('rtc_move');
      const upTo = events.findIndex((e) => e.type === 'transcript');
      for (const e of events.slice(0, upTo)) first.record(e);
      await first.flush();
      const stored = await spy.store.getCall('rtc_move');
      const before = stored!.timeline.length;

      const second = make();
      second.restore(stored!);
      second.record({ type: 'control.reattached', callId: 'rtc_move' });
      for (const e of events.slice(upTo)) second.record(e);
      clock.advance(120_000); // past the fixture's end time and the grace
      await second.flush();
      await second.flush();
      const got = await spy.store.getCall('rtc_move');
      expect(got?.timeline.map((e) => e.seq)).toEqual(Array.from({ length: before + 1 + events.length - upTo }, (_, i) => i + 1));
      expect(got?.timeline[before]?.type).toBe('control.reattached');
      expect(got?.outcome).toBe('transferred');
      const outbox = spy.batches.flatMap((b) => b.outbox.map((m) => `${m.type}:${m.id}`));
      expect(outbox.filter((m) => m.startsWith('call.started'))).toHaveLength(1);
      expect(outbox.filter((m) => m.startsWith('call.ended'))).toHaveLength(1);
      expect(new Set(outbox).size).toBe(outbox.length);
    });

    it('a call handed over: what is buffered is written, then it leaves memory unfinished and later events are not recorded here', async () => {
      const recorder = make();
      const events = transferCall('rtc_gone');
      for (const e of events.slice(0, 4)) recorder.record(e);
      recorder.release('rtc_gone');
      expect(await recorder.detail('rtc_gone')).toBeNull();
      recorder.record(events[4]!);
      await recorder.flush();
      expect(recorder.has('rtc_gone')).toBe(false);
      const stored = await spy.store.getCall('rtc_gone');
      expect(stored?.outcome).toBe('in_progress');
      expect(stored?.timeline).toHaveLength(4);
      expect(spy.batches.flatMap((b) => b.outbox).filter((m) => m.type === 'call.ended')).toEqual([]);
    });
  });
});
