import { isTerminalEvent, type CallEvent } from '../calls/call-events.ts';
import type { Logger } from '../log/logger.ts';
import { callEventMessage } from '../outbox/call-event-message.ts';
import type { OutboxMessage } from '../outbox/outbox-store.ts';
import { systemClock, type Clock, type Timer } from '../time/clock.ts';
import type { CallDetail, TimelineEntry } from './call-record.ts';
import { CallState, type WantedCallEvent } from './call-state.ts';
import { batchSize, emptyBatch, type Store, type StoreBatch } from './store.ts';

export interface RecorderOptions {
  store: Store;
  log: Logger;
  /** How long events wait in memory before they are written: the most a crash can lose. */
  batchMs: number;
  /** Queue call-event webhooks (CALL_EVENTS_URL is set). */
  callEvents: boolean;
  /** After a call ends, how long late events (a tool finishing) may still join its record before call.ended goes out. Default: batchMs. */
  endGraceMs?: number;
  /** Past this many calls held in memory (the store is failing), the oldest ended ones are dropped. */
  maxBufferedCalls?: number;
  /** Batch timer and record timestamps (wall time). */
  clock?: Clock;
  /** After each successful write: how long it took and how many webhooks it queued. */
  onWritten?: (info: { durationMs: number; rows: number; outbox: number }) => void;
  onWriteFailed?: (err: Error) => void;
}

export interface TimelineSubscriber {
  onEntry(entry: TimelineEntry): void;
}

/**
 * Folds CallEvents into call records in memory and writes them in batches.
 * record() is synchronous and does no I/O: the call path never waits on the
 * database. A failed write is kept and retried with the next batch.
 */
export class Recorder {
  private readonly opts: RecorderOptions;
  private readonly clock: Clock;
  private readonly calls = new Map<string, CallState>();
  private readonly subscribers = new Map<string, Set<TimelineSubscriber>>();
  private outbox: OutboxMessage[] = [];
  private timer: Timer | null = null;
  private flushing: Promise<void> | null = null;
  private closed = false;

  constructor(opts: RecorderOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
  }

  /** Starts the periodic flush. */
  start(): void {
    if (this.timer || this.closed) return;
    const tick = () => {
      this.timer = null;
      void this.flush().finally(() => {
        if (!this.closed) this.timer = this.clock.setTimeout(tick, this.opts.batchMs).unref();
      });
    };
    this.timer = this.clock.setTimeout(tick, this.opts.batchMs).unref();
  }

  /** The CallEvent listener. Never throws, never waits. */
  readonly record = (event: CallEvent): void => {
    try {
      const nowMs = this.clock.epochMs();
      let state = this.calls.get(event.callId);
      if (!state) {
        state = new CallState(event.callId, new Date(nowMs).toISOString());
        this.calls.set(event.callId, state);
      } else if (state.finalized) {
        this.opts.log.warn({ callId: event.callId, eventType: event.type }, 'call event after the record was closed; not recorded');
        return;
      }
      const { entry, wanted } = state.apply(event, nowMs);
      for (const w of wanted) this.want(state.callId, w);
      this.publish(state.callId, entry);
    } catch (err) {
      this.opts.log.error({ callId: event.callId, eventType: event.type, err }, 'recording a call event failed');
    }
  };

  /** The call is in memory: live, or ended and not yet written. */
  has(callId: string): boolean {
    return this.calls.has(callId);
  }

  /** The call as known in memory (live, or ended and not yet written); null otherwise. */
  detail(callId: string): CallDetail | null {
    return this.calls.get(callId)?.detail() ?? null;
  }

  /**
   * Replays the call's timeline after `afterSeq` and then follows it live.
   * Returns null when the call is not in memory. `ended` is true when nothing more will come.
   */
  follow(callId: string, afterSeq: number, subscriber: TimelineSubscriber): { ended: boolean; unsubscribe: () => void } | null {
    const state = this.calls.get(callId);
    if (!state) return null;
    // Replay and subscribe in the same tick: no entry is missed or sent twice.
    for (const entry of state.timeline) if (entry.seq > afterSeq) subscriber.onEntry(entry);
    if (state.ended) return { ended: true, unsubscribe: () => undefined };
    let set = this.subscribers.get(callId);
    if (!set) this.subscribers.set(callId, (set = new Set()));
    set.add(subscriber);
    return {
      ended: false,
      unsubscribe: () => {
        set.delete(subscriber);
        if (set.size === 0 && this.subscribers.get(callId) === set) this.subscribers.delete(callId);
      },
    };
  }

  get bufferedCalls(): number {
    return this.calls.size;
  }

  /** Writes everything pending. Concurrent calls share one write at a time. */
  flush(final = false): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.flushing) await this.flushing.catch(() => undefined);
      await this.writeOnce(final);
    };
    const p = run();
    this.flushing = p;
    return p.finally(() => {
      if (this.flushing === p) this.flushing = null;
    });
  }

  /** Stops the timer and writes everything, ending records of calls that are over. */
  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    await this.flush(true);
  }

  private want(callId: string, w: WantedCallEvent): void {
    if (this.opts.callEvents) this.outbox.push(callEventMessage(w.type, callId, w.ordinal, w.at, w.data));
  }

  private publish(callId: string, entry: TimelineEntry): void {
    const set = this.subscribers.get(callId);
    if (!set) return;
    for (const s of [...set]) {
      try {
        s.onEntry(entry);
      } catch (err) {
        this.opts.log.warn({ callId, err }, 'timeline subscriber failed');
      }
    }
    if (isTerminalEvent(entry.type)) this.subscribers.delete(callId);
  }

  private async writeOnce(final: boolean): Promise<void> {
    const nowMs = this.clock.epochMs();
    const graceMs = this.opts.endGraceMs ?? this.opts.batchMs;
    const batch: StoreBatch = emptyBatch();
    const written: { state: CallState; turns: number[]; eventsFrom: number; eventsTo: number }[] = [];
    for (const state of this.calls.values()) {
      if (state.ended && !state.finalized && (final || nowMs - (state.endedAtMs ?? nowMs) >= graceMs)) {
        this.want(state.callId, state.finish());
      }
      const turns = [...state.dirtyTurns];
      const eventsFrom = state.unwrittenFrom;
      const eventsTo = state.timeline.length;
      if (!state.callDirty && turns.length === 0 && eventsFrom === eventsTo) continue;
      if (state.callDirty) batch.calls.push(state.snapshot());
      for (const seq of turns) {
        const turn = state.turns[seq - 1];
        if (turn) batch.turns.push({ callId: state.callId, turn: { ...turn } });
      }
      for (const entry of state.timeline.slice(eventsFrom, eventsTo)) batch.events.push({ callId: state.callId, entry });
      state.callDirty = false;
      state.dirtyTurns.clear();
      state.unwrittenFrom = eventsTo;
      written.push({ state, turns, eventsFrom, eventsTo });
    }
    batch.outbox = this.outbox;
    this.outbox = [];
    if (batchSize(batch) === 0) return this.dropWritten();
    const startedAt = this.clock.now();
    try {
      await this.opts.store.writeBatch(batch);
    } catch (err) {
      // Put it all back: the next flush writes it (every part is an upsert).
      for (const w of written) {
        w.state.callDirty = true;
        for (const seq of w.turns) w.state.dirtyTurns.add(seq);
        w.state.unwrittenFrom = Math.min(w.state.unwrittenFrom, w.eventsFrom);
      }
      this.outbox = [...batch.outbox, ...this.outbox];
      this.opts.log.error({ err: (err as Error).message, calls: batch.calls.length, bufferedCalls: this.calls.size }, 'writing call records failed; will retry');
      this.opts.onWriteFailed?.(err as Error);
      this.shed();
      if (final) throw err;
      return;
    }
    this.opts.onWritten?.({ durationMs: this.clock.now() - startedAt, rows: batchSize(batch), outbox: batch.outbox.length });
    this.dropWritten();
  }

  /** Calls whose final state is written leave memory. */
  private dropWritten(): void {
    for (const [callId, state] of this.calls) {
      if (state.finalized && !state.callDirty && state.dirtyTurns.size === 0 && state.unwrittenFrom === state.timeline.length) {
        this.calls.delete(callId);
      }
    }
  }

  private shed(): void {
    const max = this.opts.maxBufferedCalls ?? 10_000;
    if (this.calls.size <= max) return;
    for (const [callId, state] of this.calls) {
      if (this.calls.size <= max) break;
      if (!state.ended) continue;
      this.calls.delete(callId);
      this.opts.log.error({ callId }, 'call record dropped: the store has been failing and memory is full');
    }
  }
}
