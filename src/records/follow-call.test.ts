import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accepted, transferCall } from '../../test/support/call-event-fixtures.ts';
import { createLogger } from '../log/logger.ts';
import { ManualClock } from '../testing/manual-clock.ts';
import { RecordsService } from './records-service.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { Store } from './store.ts';

const log = createLogger('silent');

async function collect<T>(items: AsyncIterable<T>, each?: (item: T) => void): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) {
    out.push(item);
    each?.(item);
  }
  return out;
}

describe('RecordsService.getCall and follow', () => {
  let store: Store;
  let records: RecordsService;
  beforeEach(async () => {
    store = await openSqliteStore(':memory:');
    records = new RecordsService({ store, log, batchMs: 1000, retentionDays: 0, callEvents: null, clock: new ManualClock() });
  });
  afterEach(() => store.close());

  it('a live call: replays after the sequence number, follows, and ends with the terminal event', async () => {
    const events = transferCall('rtc_1');
    for (const e of events.slice(0, 5)) records.recorder.record(e);
    const followed = collect(records.follow('rtc_1', 2), (entry) => {
      // The call goes on while it is followed.
      if (entry.seq === 5) for (const e of events.slice(5)) records.recorder.record(e);
    });
    const got = await followed;
    expect(got.map((e) => e.seq)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(got.at(-1)?.type).toBe('call.ended');
    expect((await records.getCall('rtc_1'))?.outcome).toBe('transferred');
  });

  it('the same call once written and gone from memory: read from the store, same answer', async () => {
    for (const e of transferCall('rtc_2')) records.recorder.record(e);
    const fromMemory = await records.getCall('rtc_2');
    await records.recorder.close();
    expect(records.recorder.has('rtc_2')).toBe(false);
    expect(await records.getCall('rtc_2')).toEqual(fromMemory);
    expect((await collect(records.follow('rtc_2', 10))).map((e) => e.type)).toEqual(['usage', 'call.ended']);
    expect(await collect(records.follow('rtc_2', 12))).toEqual([]); // already seen the end: nothing more comes
    expect(await records.getCall('rtc_none')).toBeNull();
    expect(await collect(records.follow('rtc_none', 0))).toEqual([]);
  });

  it('a live call whose written timeline left memory: the answer and the replay join the store and memory', async () => {
    const events = transferCall('rtc_long');
    const firstPart = events.slice(0, 6);
    for (const e of firstPart) records.recorder.record(e);
    const before = await records.getCall('rtc_long');
    await records.recorder.flush();
    // Written: only what came since is held in memory (a long call's memory does not grow with its timeline).
    expect(records.recorder.has('rtc_long')).toBe(true);
    expect(records.recorder.heldTimelineEntries).toBe(0);
    records.recorder.record(events[6]!);
    expect(records.recorder.heldTimelineEntries).toBe(1);
    expect(await records.getCall('rtc_long')).toMatchObject({
      outcome: 'in_progress',
      timeline: [...before!.timeline, expect.objectContaining({ seq: 7, type: events[6]!.type })],
    });
    const followed = collect(records.follow('rtc_long', 2), (entry) => {
      if (entry.seq === 7) for (const e of events.slice(7)) records.recorder.record(e);
    });
    const got = await followed;
    expect(got.map((e) => e.seq)).toEqual(events.slice(2).map((_, i) => i + 3));
    expect(got.at(-1)?.type).toBe('call.ended');
    expect((await records.getCall('rtc_long'))?.timeline.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });

  it('stops following a live call when the signal aborts', async () => {
    records.recorder.record(accepted('rtc_3'));
    const stop = new AbortController();
    const got = await collect(records.follow('rtc_3', 0, { signal: stop.signal }), () => stop.abort());
    expect(got.map((e) => e.type)).toEqual(['call.accepted']);
  });

  it('a call handed to another instance while followed: goes on from the store, where the new instance writes it', async () => {
    // The real clock here: the follower polls the store once the call has left.
    const here = new RecordsService({ store, log, batchMs: 1000, retentionDays: 0, callEvents: null, storePollMs: 5 });
    const events = transferCall('rtc_3');
    for (const e of events.slice(0, 4)) here.recorder.record(e);
    const got: number[] = [];
    const done = collect(here.follow('rtc_3', 0), (entry) => got.push(entry.seq));
    await new Promise((r) => setImmediate(r));
    here.recorder.release('rtc_3');
    await here.recorder.flush();
    // The new instance: the rest of the call, written to the shared store.
    const other = new RecordsService({ store, log, batchMs: 1000, retentionDays: 0, callEvents: null, clock: new ManualClock() });
    other.recorder.restore((await store.getCall('rtc_3'))!);
    for (const e of events.slice(4)) other.recorder.record(e);
    await other.recorder.close();
    await done;
    expect(got).toEqual(events.map((_, i) => i + 1));
  });
});
