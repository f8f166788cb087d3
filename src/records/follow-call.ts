// One call's timeline, followed wherever the call is: in this process's memory (live
// here, or ended and not yet written) or only in the store (held by another instance
// on shared PostgreSQL, or long over).
import { isTerminalEvent } from '../calls/call-events.ts';
import type { Logger } from '../log/logger.ts';
import { type Clock, sleep } from '../time/clock.ts';
import type { TimelineEntry } from './call-record.ts';
import type { Recorder } from './recorder.ts';
import type { Store } from './store.ts';

export interface FollowCallDeps {
  recorder: Recorder;
  store: Store;
  clock: Clock;
  /** How often a call held by another instance is read again from the store. */
  storePollMs: number;
  log: Logger;
}

/** Entries after `afterSeq`, in order; ends once the call is over and everything is out, or when the signal aborts. */
export async function* followCall(
  deps: FollowCallDeps,
  callId: string,
  afterSeq: number,
  signal?: AbortSignal,
): AsyncGenerator<TimelineEntry> {
  let after = afterSeq;
  const inMemory = followInMemory(deps.recorder, callId, afterSeq, signal);
  if (inMemory) {
    try {
      // What memory no longer holds was written before the replay began: the store has it.
      if (inMemory.storedBelow > after + 1) {
        const stored = await deps.store.getCall(callId);
        for (const entry of stored?.timeline ?? []) {
          if (entry.seq <= after || entry.seq >= inMemory.storedBelow) continue;
          after = entry.seq;
          yield entry;
        }
      }
      for await (const entry of inMemory.entries) {
        after = entry.seq;
        yield entry;
      }
    } finally {
      inMemory.stop(); // also when the store read failed or the reader left before the live part
    }
    // Handed to another instance while followed: go on from the store, where it is written.
    if (!inMemory.left()) return;
  }
  let record = await deps.store.getCall(callId);
  while (record && !signal?.aborted) {
    for (const entry of record.timeline) {
      if (entry.seq <= after) continue;
      after = entry.seq;
      yield entry;
      if (isTerminalEvent(entry.type)) return;
    }
    if (record.outcome !== 'in_progress') return;
    await sleep(deps.clock, deps.storePollMs, signal);
    if (signal?.aborted) return;
    record = await deps.store.getCall(callId).catch((err: Error) => {
      deps.log.warn({ callId, err: err.message }, 'following a call: store read failed');
      return record;
    });
  }
}

/**
 * null when the call is not in memory. Subscribes now, in the same tick as the replay, so no entry
 * is missed or doubled. left(): the entries stopped because the call left this process unfinished.
 */
function followInMemory(
  recorder: Recorder,
  callId: string,
  afterSeq: number,
  signal?: AbortSignal,
): { entries: AsyncGenerator<TimelineEntry>; storedBelow: number; left: () => boolean; stop: () => void } | null {
  const queue: TimelineEntry[] = [];
  let over = false;
  let left = false;
  let wake: (() => void) | null = null;
  const following = recorder.follow(callId, afterSeq, {
    onEntry(entry) {
      queue.push(entry);
      if (isTerminalEvent(entry.type)) over = true;
      wake?.();
    },
    onLeave() {
      left = true;
      over = true;
      wake?.();
    },
  });
  if (!following) return null;
  if (following.ended) over = true;
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort, { once: true });
  const stop = () => {
    following.unsubscribe();
    signal?.removeEventListener('abort', onAbort);
  };
  const entries = (async function* () {
    try {
      for (;;) {
        while (queue.length > 0 && !signal?.aborted) yield queue.shift() as TimelineEntry;
        if (over || signal?.aborted) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    } finally {
      stop();
    }
  })();
  return { entries, storedBelow: following.storedBelow, left: () => left, stop };
}
