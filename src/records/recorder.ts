import { type CallEvent, isTerminalEvent } from '../calls/call-events.ts';
import type { WireErrorCode } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { callEventMessage } from '../outbox/call-event-message.ts';
import type { OutboxMessage } from '../outbox/outbox-store.ts';
import { type Clock, systemClock, type Timer } from '../time/clock.ts';
import type { CallDetail, CallRecord, TimelineEntry } from './call-record.ts';
import { CallState, type CallStateOptions, type WantedCallEvent } from './call-state.ts';
import { writeSliceMs, yieldToLoop } from './loop-slices.ts';
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
  /**
   * How long a call is remembered after its record left memory, so that a late event (a tool
   * or a REFER finishing after the hangup, a retried accept) is merged into the stored record
   * instead of starting a blank one. Default 10 minutes.
   */
  rememberEndedMs?: number;
  /** This instance: recorded as the owner of the calls it accepts or takes over (crash reconciliation finds them by it). */
  instanceId?: string;
  /** Batch timer and record timestamps (wall time). */
  clock?: Clock;
  /**
   * Past this many events not yet written (timeline entries and queued call-event webhooks,
   * while the store fails or stalls): the oldest ended calls are dropped whole, then live
   * calls' events that do not decide the outcome. Default 100000.
   */
  maxBufferedEvents?: number;
  /** Events dropped by the cap (counted, and logged per call). */
  onDropped?: (events: number) => void;
  /** After each successful write: how long it took and how many webhooks it queued. */
  onWritten?: (info: { durationMs: number; rows: number; outbox: number }) => void;
  onWriteFailed?: (err: Error) => void;
  /** When a record closes, before its last write and its call.ended webhook: fills in what is known only then (cost, a queued analysis). */
  onFinish?: (record: CallRecord, transcript: { callerSpoke: boolean }, nowMs: number) => void;
}

/** The events that begin a call's record; anything else for an unknown call is late. */
function startsACall(event: CallEvent): boolean {
  return event.type === 'call.accepted' || event.type === 'call.rejected' || event.type === 'call.missed' || event.type === 'call.failed';
}

/** Events a record always keeps, full buffer or not: without them it could not close or would end wrong. */
const decidesOutcome = new Set<CallEvent['type']>([
  'call.accepted',
  'call.rejected',
  'call.missed',
  'call.failed',
  'call.ended',
  'control.connected',
  'transfer.completed',
]);

export interface TimelineSubscriber {
  onEntry(entry: TimelineEntry): void;
  /** The call left this process without ending (handed to another instance): follow it from the store. */
  onLeave?(): void;
}

/** How long events of a call handed over are ignored here (a tool answering late on the old session). */
const releasedMemoryMs = 10 * 60_000;

/**
 * Folds CallEvents into call records in memory and writes them in batches.
 * record() is synchronous and does no I/O: the call path never waits on the
 * database. A failed write is kept and retried with the next batch.
 */
export class Recorder {
  private readonly opts: RecorderOptions;
  private readonly clock: Clock;
  /** Every call's state: the whole transcript stays in memory only for the call.ended webhook. */
  private readonly stateOptions: CallStateOptions;
  private readonly calls = new Map<string, CallState>();
  /** Calls whose record left memory, by when: an event for one is merged into the stored record. */
  private readonly written = new Map<string, number>();
  /** Events for calls not in memory, waiting for their stored record to be read (at the next flush). */
  private readonly late = new Map<string, { event: CallEvent; atMs: number }[]>();
  private readonly subscribers = new Map<string, Set<TimelineSubscriber>>();
  /** Calls handed to another instance, by when: their events are no longer recorded here. */
  private readonly released = new Map<string, number>();
  private outbox: OutboxMessage[] = [];
  private timer: Timer | null = null;
  private flushing: Promise<void> | null = null;
  private closed = false;
  /** Timeline entries and outbox messages in memory that no write has stored yet. */
  private unwritten = 0;
  /** Per live call: events not recorded because the buffer was full. */
  private readonly droppedByCall = new Map<string, number>();
  /** Monotonic ms: the oldest unwritten event is no older than this (null: nothing unwritten). */
  private unwrittenSince: number | null = null;
  private lagWarnedAt = Number.NEGATIVE_INFINITY;

  constructor(opts: RecorderOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.stateOptions = { keepTranscript: opts.callEvents };
  }

  /** Starts the periodic flush. */
  start(): void {
    if (this.timer || this.closed) return;
    const tick = () => {
      this.timer = null;
      void this.flush().finally(() => {
        this.warnIfBehind();
        if (!this.closed) this.timer = this.clock.setTimeout(tick, this.opts.batchMs).unref();
      });
    };
    this.timer = this.clock.setTimeout(tick, this.opts.batchMs).unref();
  }

  /** The CallEvent listener. Never throws, never waits. */
  readonly record = (event: CallEvent): void => {
    if (event.type === 'server_event.invalid' && event.repeated) return; // counted by the metric, not recorded again
    try {
      const nowMs = this.clock.epochMs();
      if (this.released.has(event.callId)) {
        this.opts.log.debug(
          { callId: event.callId, eventType: event.type },
          'call event after the call was handed over; recorded by its new instance',
        );
        return;
      }
      let state = this.calls.get(event.callId);
      if (!state) {
        const waiting = this.late.get(event.callId);
        if (waiting || this.written.has(event.callId) || !startsACall(event)) {
          // Not a new call: never a blank record over the stored one. Merged at the next flush.
          if (waiting) waiting.push({ event, atMs: nowMs });
          else this.late.set(event.callId, [{ event, atMs: nowMs }]);
          this.capLate();
          return;
        }
        state = new CallState(event.callId, new Date(nowMs).toISOString(), this.stateOptions);
        this.calls.set(event.callId, state);
      } else if (state.finalized) {
        this.opts.log.info({ callId: event.callId, eventType: event.type }, 'late call event merged into the finished record');
      }
      if (this.unwritten >= this.maxBufferedEvents && !decidesOutcome.has(event.type) && !this.makeRoom()) {
        this.dropLiveEvent(state, event.type);
        return;
      }
      this.apply(state, event, nowMs);
    } catch (err) {
      this.opts.log.error({ callId: event.callId, eventType: event.type, err }, 'recording a call event failed');
    }
  };

  /**
   * Puts a stored call back in memory to go on from (a call re-attached after a restart): its
   * timeline continues from the stored sequence numbers. No-op when the call is in memory.
   */
  restore(detail: CallDetail): void {
    this.released.delete(detail.callId);
    if (this.calls.has(detail.callId)) return;
    const state = CallState.restore(detail, this.stateOptions);
    // This instance answers for the call now.
    state.record.owner = this.opts.instanceId ?? state.record.owner;
    state.callDirty = true;
    this.calls.set(detail.callId, state);
    this.written.delete(detail.callId);
    const waiting = this.late.get(detail.callId) ?? [];
    this.late.delete(detail.callId);
    for (const { event, atMs } of waiting) this.apply(state, event, atMs);
  }

  private apply(state: CallState, event: CallEvent, nowMs: number): void {
    if (event.type === 'call.accepted') state.record.owner = this.opts.instanceId ?? null;
    const { entry, wanted } = state.apply(event, nowMs);
    this.unwritten++;
    this.unwrittenSince ??= this.clock.now();
    this.warnIfBehind(); // here too: a stalled write holds up the flush timer
    for (const w of wanted) this.want(state.callId, w);
    this.publish(state.callId, entry);
  }

  /** While the store cannot be read, late events wait; past the cap the oldest are dropped, and said so. */
  private capLate(): void {
    const max = this.opts.maxBufferedCalls ?? 10_000;
    for (const [callId, events] of this.late) {
      if (this.late.size <= max) break;
      this.late.delete(callId);
      this.opts.log.error({ callId, events: events.length }, 'late call events dropped: the store has been failing and memory is full');
    }
  }

  /** Reads the stored record of each call that got late events, and merges them in. */
  private async mergeLate(): Promise<void> {
    for (const [callId, events] of [...this.late]) {
      let stored: CallDetail | null;
      try {
        stored = await this.opts.store.getCall(callId);
      } catch (err) {
        this.opts.log.warn({ callId, err: (err as Error).message }, 'reading a call record to merge late events failed; will retry');
        continue;
      }
      this.late.delete(callId);
      let state = this.calls.get(callId); // events that arrived meanwhile may have started it
      if (!state && stored) state = CallState.restore(stored, this.stateOptions);
      if (!state && events[0] && startsACall(events[0].event))
        state = new CallState(callId, new Date(events[0].atMs).toISOString(), this.stateOptions);
      if (!state) {
        this.opts.log.error({ callId, events: events.map((e) => e.event.type) }, 'call events for a call without a record: dropped');
        continue;
      }
      this.calls.set(callId, state);
      this.written.delete(callId);
      if (stored)
        this.opts.log.info(
          { callId, events: events.length, fromSeq: (stored.timeline.at(-1)?.seq ?? 0) + 1 },
          'late call events merged into the stored record',
        );
      for (const { event, atMs } of events) this.apply(state, event, atMs);
    }
  }

  /**
   * The call goes on at another instance: nothing more is recorded here. What is buffered is
   * still written (flush before the new instance reads it); then it leaves memory unfinished, and
   * whoever follows it here goes on from the store.
   */
  release(callId: string): void {
    this.released.set(callId, this.clock.epochMs());
    const set = this.subscribers.get(callId);
    this.subscribers.delete(callId);
    for (const s of set ?? []) {
      try {
        s.onLeave?.();
      } catch (err) {
        this.opts.log.warn({ callId, err }, 'timeline subscriber failed');
      }
    }
  }

  /** The call is in memory: live, or ended and not yet written. */
  has(callId: string): boolean {
    return this.calls.has(callId);
  }

  /**
   * The call as known in memory (live, or ended and not yet written), with the part of its
   * timeline already written read back from the store; null when it is not in memory.
   */
  async detail(callId: string): Promise<CallDetail | null> {
    if (this.released.has(callId)) return null; // its new instance writes it: the store has it
    const state = this.calls.get(callId);
    if (!state) return null;
    // Memory first: whatever is dropped from it meanwhile is in the store by then.
    const from = state.timelineFrom;
    const turnsFrom = state.transcriptFrom;
    const detail = state.detail();
    if (from <= 1 && turnsFrom <= 1) return detail;
    const stored = await this.opts.store.getCall(callId);
    return {
      ...detail,
      timeline: [...(stored?.timeline.filter((e) => e.seq < from) ?? []), ...detail.timeline],
      transcript: [...(stored?.transcript.filter((t) => t.seq < turnsFrom) ?? []), ...detail.transcript],
    };
  }

  /**
   * Replays the call's timeline after `afterSeq` from memory and then follows it live. Entries
   * below `storedBelow` are no longer in memory: they are in the store. Returns null when the
   * call is not in memory. `ended` is true when nothing more will come.
   */
  follow(
    callId: string,
    afterSeq: number,
    subscriber: TimelineSubscriber,
  ): { ended: boolean; storedBelow: number; unsubscribe: () => void } | null {
    const state = this.released.has(callId) ? undefined : this.calls.get(callId);
    if (!state) return null;
    const storedBelow = state.timelineFrom;
    // Replay and subscribe in the same tick: no entry is missed or sent twice.
    for (const entry of state.timeline) if (entry.seq > afterSeq) subscriber.onEntry(entry);
    if (state.ended) return { ended: true, storedBelow, unsubscribe: () => undefined };
    let set = this.subscribers.get(callId);
    if (!set) this.subscribers.set(callId, (set = new Set()));
    set.add(subscriber);
    return {
      ended: false,
      storedBelow,
      unsubscribe: () => {
        set.delete(subscriber);
        if (set.size === 0 && this.subscribers.get(callId) === set) this.subscribers.delete(callId);
      },
    };
  }

  get bufferedCalls(): number {
    return this.calls.size;
  }

  /** Transcript turns held in memory, across calls: with call-event webhooks off, the unwritten and the last few of each call. */
  get heldTranscriptTurns(): number {
    let held = 0;
    for (const state of this.calls.values()) held += state.turns.length;
    return held;
  }

  /** Timeline entries held in memory, across calls: only those not yet stored. */
  get heldTimelineEntries(): number {
    let held = 0;
    for (const state of this.calls.values()) held += state.timeline.length;
    return held;
  }

  /** Events in memory not yet written (timeline entries and queued call-event webhooks). */
  get bufferedEvents(): number {
    return this.unwritten;
  }

  /**
   * How long the oldest event in memory has waited to be written: about one batch while the store
   * keeps up. A crash loses what is unwritten, and a call taken over needs its record in the store.
   */
  get lagMs(): number {
    return this.unwrittenSince === null || this.unwritten === 0 ? 0 : Math.max(0, this.clock.now() - this.unwrittenSince);
  }

  private warnIfBehind(): void {
    const behindMs = this.lagMs;
    const nowMs = this.clock.now();
    if (behindMs < Math.max(10_000, 10 * this.opts.batchMs) || nowMs - this.lagWarnedAt < 60_000) return;
    this.lagWarnedAt = nowMs;
    this.opts.log.warn(
      { behindMs: Math.round(behindMs), bufferedEvents: this.unwritten },
      'call records are falling behind: the store is not keeping up (a crash now loses the unwritten ones)',
    );
  }

  private get maxBufferedEvents(): number {
    return this.opts.maxBufferedEvents ?? 100_000;
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
    if (!this.opts.callEvents) return;
    this.outbox.push(callEventMessage(w.type, callId, w.ordinal, w.at, w.data));
    this.unwritten++;
    this.unwrittenSince ??= this.clock.now();
  }

  /** Drops the oldest ended calls until the buffer is below its cap; false if it still is not. */
  private makeRoom(): boolean {
    for (const [callId, state] of this.calls) {
      if (this.unwritten < this.maxBufferedEvents) break;
      if (state.ended) this.dropCall(callId, state);
    }
    return this.unwritten < this.maxBufferedEvents;
  }

  /** A whole record leaves memory unwritten: said in the log and counted. */
  private dropCall(callId: string, state: CallState): void {
    this.calls.delete(callId);
    this.droppedByCall.delete(callId);
    const events = state.timeline.length; // what memory holds is not stored yet
    this.unwritten -= events;
    this.opts.onDropped?.(events);
    this.opts.log.error(
      { callId, events, outcome: state.record.outcome },
      'call record dropped: the store is behind and the memory buffer is full',
    );
  }

  /** A live call's event that does not decide its outcome is not recorded; the record says how many were lost. */
  private dropLiveEvent(state: CallState, eventType: string): void {
    const before = this.droppedByCall.get(state.callId) ?? 0;
    this.droppedByCall.set(state.callId, before + 1);
    this.opts.onDropped?.(1);
    if (before === 0) {
      this.opts.log.error(
        { callId: state.callId, eventType, bufferedEvents: this.unwritten },
        'call events not recorded: the store is behind and the memory buffer is full',
      );
    }
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
    if (this.late.size > 0) await this.mergeLate();
    const nowMs = this.clock.epochMs();
    const graceMs = this.opts.endGraceMs ?? this.opts.batchMs;
    const batch: StoreBatch = emptyBatch();
    const written: { state: CallState; turns: number[]; eventsFrom: number; eventsTo: number }[] = [];
    // Built a few ms at a time: with a thousand live calls, one pass held the loop 15–25 ms a batch
    // (a transfer or an accept waiting behind it). An event that comes in meanwhile waits for the next batch.
    let sliceFrom = performance.now();
    for (const state of this.calls.values()) {
      if (performance.now() - sliceFrom >= writeSliceMs) {
        await yieldToLoop();
        sliceFrom = performance.now();
      }
      if (state.ended && !state.finalized && (final || nowMs - (state.endedAtMs ?? nowMs) >= graceMs)) {
        const dropped = this.droppedByCall.get(state.callId);
        if (dropped) {
          this.droppedByCall.delete(state.callId);
          state.record.errors.push({
            at: new Date(nowMs).toISOString(),
            message: `${dropped} events not recorded: the store was behind and the memory buffer full`,
            code: 'events_dropped' satisfies WireErrorCode,
          });
          this.opts.log.warn({ callId: state.callId, events: dropped }, 'call record closed with events missing');
        }
        try {
          this.opts.onFinish?.(state.record, { callerSpoke: state.callerSpoke }, nowMs);
        } catch (err) {
          this.opts.log.error({ callId: state.callId, err }, 'closing a call record failed');
        }
        state.callDirty = true;
        const ended = state.finish(this.opts.callEvents);
        if (ended) this.want(state.callId, ended);
      }
      if (state.stored) continue;
      const turns = [...state.dirtyTurns];
      const eventsFrom = state.unwrittenFrom;
      const eventsTo = state.timeline.length;
      if (state.callDirty) batch.calls.push(state.snapshot());
      else if (state.progressDirty) batch.progress.push(state.progress());
      for (const seq of turns) {
        const turn = state.turn(seq);
        if (turn) batch.turns.push({ callId: state.callId, turn: { ...turn } });
      }
      for (const entry of state.timeline.slice(eventsFrom, eventsTo)) batch.events.push({ callId: state.callId, entry });
      state.callDirty = false;
      state.progressDirty = false;
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
      // Put it all back: the next flush writes it (every part is an upsert; the whole row covers a progress update).
      for (const w of written) {
        w.state.callDirty = true;
        for (const seq of w.turns) w.state.dirtyTurns.add(seq);
        w.state.unwrittenFrom = Math.min(w.state.unwrittenFrom, w.eventsFrom);
      }
      this.outbox = [...batch.outbox, ...this.outbox];
      this.opts.log.error(
        { err: (err as Error).message, calls: batch.calls.length, bufferedCalls: this.calls.size },
        'writing call records failed; will retry',
      );
      this.opts.onWriteFailed?.(err as Error);
      this.shed();
      if (final) throw err;
      return;
    }
    this.unwritten -= batch.outbox.length;
    for (const w of written) {
      // A call dropped while this write ran was taken off the count then.
      if (this.calls.get(w.state.callId) !== w.state) continue;
      this.unwritten -= w.eventsTo - w.eventsFrom;
      w.state.dropStored(w.eventsTo); // stored: a long call's timeline does not pile up in memory
      w.state.dropWrittenTurns(); // nor its transcript, unless the call.ended webhook needs it
    }
    // What is left came in while this batch was built and written: no older than its start.
    this.unwrittenSince = this.unwritten > 0 ? startedAt : null;
    this.opts.onWritten?.({ durationMs: this.clock.now() - startedAt, rows: batchSize(batch), outbox: batch.outbox.length });
    this.dropWritten();
  }

  /** Calls whose final state is written leave memory; they are remembered a while longer by id. */
  private dropWritten(): void {
    const nowMs = this.clock.epochMs();
    for (const [callId, state] of this.calls) {
      if (!state.stored) continue;
      if (this.released.has(callId)) {
        this.calls.delete(callId); // handed over: its new instance records it from here
      } else if (state.finalized) {
        this.calls.delete(callId);
        this.written.delete(callId); // re-inserted last: the map stays in order of writing
        this.written.set(callId, nowMs);
      }
    }
    for (const [callId, at] of this.released) {
      if (nowMs - at < releasedMemoryMs) break;
      this.released.delete(callId);
    }
    const rememberMs = this.opts.rememberEndedMs ?? 10 * 60_000;
    const max = this.opts.maxBufferedCalls ?? 10_000;
    for (const [callId, at] of this.written) {
      if (nowMs - at < rememberMs && this.written.size <= max * 10) break;
      this.written.delete(callId);
    }
  }

  private shed(): void {
    const max = this.opts.maxBufferedCalls ?? 10_000;
    if (this.calls.size <= max) return;
    for (const [callId, state] of this.calls) {
      if (this.calls.size <= max) break;
      if (state.ended) this.dropCall(callId, state);
    }
  }
}
