import { type CallEvent, isTerminalEvent } from '../calls/call-events.ts';
import { endOutcome } from '../calls/call-outcome.ts';
import { addRealtimeUsage, addTranscriptionUsage, emptyUsageDetail, setLiveSeconds } from '../cost/usage.ts';
import type { WireErrorCode } from '../errors.ts';
import type { CallEventType } from '../outbox/outbox-store.ts';
import type { CallParties, SipHeader } from '../sip/index.ts';
import type { CallDetail, CallRecord, TimelineEntry, ToolCallRecord, TranscriptTurn } from './call-record.ts';
import type { CallProgress } from './store.ts';

/** A call-event webhook the fold asks for; the recorder turns it into an outbox message. */
export interface WantedCallEvent {
  type: CallEventType;
  ordinal: number;
  at: string;
  data: Record<string, unknown>;
}

// Fields that are in the record already, or monotonic-clock values that mean nothing outside the process.
const notInTimeline = new Set(['type', 'callId', 'parties', 'sipHeaders', 'webhookReceivedAt', 'acceptedAt']);

function timelineData(event: CallEvent): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  // for…in, not Object.entries: no array of pairs per event (events are plain objects).
  for (const key in event) {
    if (notInTimeline.has(key)) continue;
    const value = event[key as keyof CallEvent];
    data[key] = key === 'endedAt' && typeof value === 'number' ? new Date(value).toISOString() : value; // wall clock: ISO like every other time
  }
  return data;
}

export interface CallStateOptions {
  /** Keep every transcript turn in memory until the call ends (default true: the call.ended webhook carries them). */
  keepTranscript?: boolean;
}

/** Written turns kept in memory when the transcript is not: an interruption comes within a turn or two. */
const recentTurnsKept = 4;

// Events that change no column of the call's row but its running totals (usage, updated_at):
// the row is then written as a narrow progress update. Any other event rewrites the whole row.
const totalsOnly: ReadonlySet<CallEvent['type']> = new Set<CallEvent['type']>([
  'transcript',
  'transcript.interrupted',
  'usage',
  'usage.audio',
  'dtmf',
  'dtmf.sent',
  'greeting.requested',
  'operator.instructed',
  'control.reattached',
]);

/**
 * One call's record, folded from its events in memory. Knows what changed since
 * the last write, so a flush writes only that.
 */
export class CallState {
  readonly callId: string;
  readonly record: CallRecord;
  /**
   * The transcript turns in memory. All of them while `keepTranscript` (the call.ended webhook
   * carries the transcript); otherwise the unwritten ones and the last few written (a late
   * interruption marks one of those), the rest being in the store only.
   */
  readonly turns: TranscriptTurn[] = [];
  /** Keep every turn in memory until the call ends (call-event webhooks are on). */
  readonly keepTranscript: boolean;
  /** The caller said something (whether or not the turn is still in memory). */
  callerSpoke = false;
  private lastTurnSeq = 0;
  /**
   * The timeline entries not yet confirmed stored; those before them are in the store only.
   * A live call's memory stays flat however long it talks (the recorder drops what it wrote).
   */
  readonly timeline: TimelineEntry[] = [];
  /** The last sequence number given out. */
  private lastSeq = 0;
  /** Wall-clock ms when the call ended (any terminal event); null while live. */
  endedAtMs: number | null = null;
  /** The call.ended webhook has been asked for: nothing more is expected. */
  finalized = false;
  /** The whole row is to be written. */
  callDirty = true;
  /** Only the running totals changed since the row was written. */
  progressDirty = false;
  readonly dirtyTurns = new Set<number>();
  /** Timeline entries from this index on are not written yet. */
  unwrittenFrom = 0;
  private connected = false;
  private transferred = false;
  private readonly interruptedItems = new Set<string>();
  /** A keypad key asked for a transfer: the next REFER is the caller's choice. */
  private keypadTransfer: string | null = null;
  private readonly ordinals = new Map<CallEventType, number>();

  /**
   * A call as stored, to go on from: late events (a tool finishing after the hangup), a retried
   * accept, a re-attached call. Sequence numbers continue from the stored ones, and call-event
   * ordinals from what the timeline shows was already asked for, so no webhook id repeats.
   */
  static restore(detail: CallDetail, opts: CallStateOptions = {}): CallState {
    const { transcript, timeline, ...record } = structuredClone(detail);
    const state = new CallState(record.callId, record.startedAt, opts);
    Object.assign(state.record, record);
    state.turns.push(...transcript.sort((a, b) => a.seq - b.seq));
    state.lastTurnSeq = state.turns.at(-1)?.seq ?? 0;
    state.callerSpoke = transcript.some((t) => t.speaker === 'caller');
    state.lastSeq = timeline.reduce((max, e) => Math.max(max, e.seq), 0);
    state.callDirty = false;
    state.endedAtMs = record.outcome === 'in_progress' ? null : Date.parse(record.endedAt ?? record.updatedAt);
    // A stored end was already announced (call.ended goes out before a record leaves memory).
    state.finalized = state.endedAtMs !== null;
    // The stored timeline is read once here, for what it says; it stays in the store.
    const count = (pred: (e: TimelineEntry) => boolean) => timeline.filter(pred).length;
    state.connected = count((e) => e.type === 'control.connected') > 0;
    state.transferred = count((e) => e.type === 'transfer.completed' && e.data.ok === true) > 0;
    state.ordinals.set(
      'call.started',
      count((e) => e.type === 'call.accepted'),
    );
    state.ordinals.set(
      'call.transferred',
      count((e) => e.type === 'transfer.completed' && e.data.ok === true),
    );
    // Every end may have been announced: counting them all can skip a number, never repeat one.
    state.ordinals.set(
      'call.ended',
      count((e) => isTerminalEvent(e.type)),
    );
    return state;
  }

  constructor(callId: string, startedAt: string, opts: CallStateOptions = {}) {
    this.callId = callId;
    this.keepTranscript = opts.keepTranscript ?? true;
    this.record = {
      callId,
      caller: null,
      dialed: null,
      sipCallId: null,
      sipHeaders: [],
      profile: null,
      surface: 'realtime',
      recording: false,
      outcome: 'in_progress',
      endReason: null,
      startedAt,
      acceptedAt: null,
      connectedAt: null,
      endedAt: null,
      answerMs: null,
      transfer: null,
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
      tools: [],
      errors: [],
      reconnects: 0,
      updatedAt: startedAt,
      owner: null,
      model: null,
      transcriptionModel: null,
      usageDetail: emptyUsageDetail(),
      cost: null,
      analysis: null,
    };
  }

  /** Nothing about the call is waiting to be written. */
  get stored(): boolean {
    return !this.callDirty && !this.progressDirty && this.dirtyTurns.size === 0 && this.unwrittenFrom === this.timeline.length;
  }

  get ended(): boolean {
    return this.endedAtMs !== null;
  }

  /** Folds one event in; returns its timeline entry and any call-event webhook it calls for. */
  apply(event: CallEvent, nowMs: number): { entry: TimelineEntry; wanted: WantedCallEvent[] } {
    const at = new Date(nowMs).toISOString();
    const r = this.record;
    const wanted: WantedCallEvent[] = [];
    r.updatedAt = at;
    if (totalsOnly.has(event.type)) this.progressDirty = true;
    else this.callDirty = true;
    switch (event.type) {
      case 'call.accepted':
        // A retried delivery accepted a call whose earlier attempt failed: the same call goes on.
        if (this.ended) this.reopen();
        this.identify(event.parties, event.sipHeaders);
        r.profile = event.profile;
        r.surface = event.surface ?? 'realtime';
        r.recording = event.recording ?? false;
        r.startedAt = new Date(nowMs - event.answerMs).toISOString();
        r.acceptedAt = at;
        r.answerMs = event.answerMs;
        r.model = event.model ?? null;
        r.transcriptionModel = event.transcriptionModel ?? null;
        wanted.push(this.want('call.started', at, this.startedData()));
        break;
      case 'call.rejected':
        this.identify(event.parties, event.sipHeaders);
        this.end(nowMs, 'rejected', event.reason);
        break;
      case 'call.missed':
        this.identify(event.parties, event.sipHeaders);
        this.end(nowMs, 'missed', 'caller_left_before_accept');
        break;
      case 'call.failed':
        this.identify(event.parties, event.sipHeaders);
        r.errors.push({ at, message: event.message, code: 'accept_failed' satisfies WireErrorCode });
        this.end(nowMs, 'failed', 'accept_failed');
        break;
      case 'control.connected':
        this.connected = true;
        r.connectedAt ??= at;
        break;
      case 'control.reconnecting':
        r.reconnects++;
        break;
      case 'transcript': {
        const turn: TranscriptTurn = {
          seq: ++this.lastTurnSeq,
          speaker: event.speaker,
          text: event.text,
          at,
          itemId: event.itemId,
          interrupted: event.interrupted === true || this.interruptedItems.has(event.itemId),
        };
        this.turns.push(turn);
        this.dirtyTurns.add(turn.seq);
        if (event.speaker === 'caller') this.callerSpoke = true;
        // GPT-Live transcribes both sides within its audio seconds: nothing to add.
        if (event.usage && r.usageDetail && r.surface !== 'live') addTranscriptionUsage(r.usageDetail, event.usage);
        break;
      }
      case 'transcript.interrupted': {
        const turn = this.turns.findLast((t) => t.itemId === event.itemId);
        if (turn) {
          turn.interrupted = true;
          this.dirtyTurns.add(turn.seq);
        } else {
          this.interruptedItems.add(event.itemId); // the transcript comes later
        }
        break;
      }
      case 'tool.called':
        r.tools.push({
          toolCallId: event.toolCallId,
          name: event.name,
          arguments: event.arguments,
          output: null,
          error: null,
          durationMs: null,
          at,
        });
        break;
      case 'tool.completed': {
        let tool: ToolCallRecord | undefined = r.tools.find((t) => t.toolCallId === event.toolCallId);
        if (!tool) {
          tool = { toolCallId: event.toolCallId, name: event.name, arguments: '', output: null, error: null, durationMs: null, at };
          r.tools.push(tool);
        }
        tool.output = event.output ?? null;
        tool.durationMs = event.durationMs;
        tool.error = event.error ?? null;
        break;
      }
      case 'transfer.requested':
        r.transfer = { target: event.target, status: 'requested', error: null, durationMs: null, at, ...this.transferWhy() };
        break;
      case 'transfer.completed': {
        const why = r.transfer ? { reason: r.transfer.reason ?? null, destination: r.transfer.destination ?? null } : this.transferWhy();
        r.transfer = {
          target: event.target,
          status: event.ok ? 'referred' : 'failed',
          error: event.error ?? null,
          durationMs: event.durationMs,
          at,
          ...why,
        };
        if (event.ok) {
          this.transferred = true;
          wanted.push(this.want('call.transferred', at, { callId: this.callId, target: event.target, durationMs: event.durationMs, at }));
        }
        break;
      }
      case 'usage': {
        r.usage.inputTokens += event.usage.inputTokens;
        r.usage.outputTokens += event.usage.outputTokens;
        r.usage.totalTokens += event.usage.totalTokens;
        // On GPT-Live these are the delegated Responses model's tokens: counted, not priced as the voice model's.
        if (r.surface === 'live') break;
        const detail = (r.usageDetail ??= emptyUsageDetail());
        // Without the API's breakdown the tokens count as text.
        addRealtimeUsage(detail, event.realtime ?? { input_tokens: event.usage.inputTokens, output_tokens: event.usage.outputTokens });
        break;
      }
      case 'usage.audio':
        // GPT-Live's audio seconds: a running total, the largest wins (a reconnect may repeat an older one).
        setLiveSeconds((r.usageDetail ??= emptyUsageDetail()), event.seconds);
        break;
      case 'error':
        r.errors.push({ at, message: event.message, code: event.code ?? null });
        break;
      case 'server_event.invalid':
        r.errors.push({
          at,
          message: `${event.eventType} dropped: ${event.problem}`,
          code: 'invalid_server_event' satisfies WireErrorCode,
        });
        break;
      case 'call.ended':
        this.end(event.endedAt, endOutcome(event.reason, { transferred: this.transferred, connected: this.connected }), event.reason);
        break;
      case 'dtmf':
        this.keypadTransfer = event.action?.startsWith('transfer:') ? event.action.slice('transfer:'.length) : null;
        break;
      case 'control.reattached':
      case 'greeting.requested':
      case 'operator.instructed':
      case 'dtmf.sent':
        break;
      default: {
        const unknown: never = event;
        void unknown;
      }
    }
    const entry: TimelineEntry = { seq: ++this.lastSeq, at, type: event.type, data: timelineData(event) };
    this.timeline.push(entry);
    return { entry, wanted };
  }

  /** A transcript turn by its sequence number. */
  turn(seq: number): TranscriptTurn | undefined {
    const t = this.turns[seq - this.transcriptFrom];
    return t?.seq === seq ? t : this.turns.find((x) => x.seq === seq);
  }

  /** Nothing more is expected. Returns the call.ended webhook (the whole record with its transcript), unless none is sent. */
  finish(webhook = true): WantedCallEvent | null {
    this.finalized = true;
    if (!webhook) return null; // call-event webhooks off: no copy of the record to throw away
    // The record and its transcript, without the timeline (cloning that only to drop it cost most of the copy).
    const record = structuredClone({ ...this.record, transcript: this.turns });
    return this.want('call.ended', this.record.endedAt ?? this.record.updatedAt, record);
  }

  /**
   * The record as of now, for a write that may finish after the call has moved on:
   * the parts that change in place are copied, the rest shared (a field that
   * changes is replaced, never mutated). A deep structuredClone per dirty call per
   * batch cost tens of ms a second with thousands of live calls.
   */
  snapshot(): CallRecord {
    const r = this.record;
    const d = r.usageDetail;
    const usageDetail = d ? { realtime: { ...d.realtime }, transcription: { ...d.transcription }, liveSeconds: d.liveSeconds } : undefined;
    return {
      ...r,
      usage: { ...r.usage },
      tools: r.tools.map((t) => ({ ...t })),
      errors: [...r.errors],
      ...(usageDetail ? { usageDetail } : {}),
    };
  }

  /** The running totals as of now (copied: the write may finish after more usage is added). */
  progress(): CallProgress {
    const r = this.record;
    const d = r.usageDetail ?? emptyUsageDetail();
    return {
      callId: this.callId,
      usage: { ...r.usage },
      usageDetail: { realtime: { ...d.realtime }, transcription: { ...d.transcription }, liveSeconds: d.liveSeconds },
      updatedAt: r.updatedAt,
    };
  }

  /** The record as known in memory: its timeline and transcript hold only what is from `timelineFrom` and `transcriptFrom` on. */
  detail(): CallDetail {
    return structuredClone({ ...this.record, transcript: this.turns, timeline: this.timeline });
  }

  /** The sequence number of the first timeline entry in memory: every one before it is stored. */
  get timelineFrom(): number {
    return this.timeline[0]?.seq ?? this.lastSeq + 1;
  }

  /** The sequence number of the first transcript turn in memory: every one before it is stored. */
  get transcriptFrom(): number {
    return this.turns[0]?.seq ?? this.lastTurnSeq + 1;
  }

  /**
   * Written turns leave memory, but for the last few (an interruption marks the turn it cut
   * short, moments later), unless the whole transcript is kept. A turn written again later (an
   * interruption) is dirty meanwhile and stays.
   */
  dropWrittenTurns(): void {
    if (this.keepTranscript) return;
    let drop = 0;
    while (drop < this.turns.length - recentTurnsKept && !this.dirtyTurns.has(this.turns[drop]!.seq)) drop++;
    if (drop > 0) this.turns.splice(0, drop);
  }

  /** The first `count` entries are stored: they leave memory. */
  dropStored(count: number): void {
    this.timeline.splice(0, count);
    this.unwrittenFrom = Math.max(0, this.unwrittenFrom - count);
  }

  /** The reason and destination of the transfer being requested: the agent's transfer_call arguments, or the key pressed. */
  private transferWhy(): { reason: string | null; destination: string | null } {
    const tool = this.record.tools.findLast((t) => t.name === 'transfer_call' && t.output === null && t.error === null);
    if (tool) {
      try {
        const args = JSON.parse(tool.arguments) as Record<string, unknown>;
        const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 200) : null);
        return { reason: text(args.reason), destination: text(args.destination) };
      } catch {
        return { reason: null, destination: null };
      }
    }
    if (this.keypadTransfer !== null) {
      const destination = this.keypadTransfer;
      this.keypadTransfer = null;
      return { reason: 'keypad', destination };
    }
    return { reason: null, destination: null };
  }

  private identify(parties: CallParties, sipHeaders: readonly SipHeader[]): void {
    this.record.caller = parties.caller;
    this.record.dialed = parties.dialed;
    this.record.sipCallId = parties.sipCallId;
    this.record.sipHeaders = [...sipHeaders];
  }

  private reopen(): void {
    this.endedAtMs = null;
    this.finalized = false;
    this.record.outcome = 'in_progress';
    this.record.endReason = null;
    this.record.endedAt = null;
  }

  private end(atMs: number, outcome: CallRecord['outcome'], reason: string): void {
    if (this.endedAtMs !== null) return;
    this.endedAtMs = atMs;
    this.record.endedAt = new Date(atMs).toISOString();
    this.record.outcome = outcome;
    this.record.endReason = reason;
  }

  private startedData(): Record<string, unknown> {
    const r = this.record;
    return {
      callId: r.callId,
      caller: r.caller,
      dialed: r.dialed,
      sipCallId: r.sipCallId,
      profile: r.profile,
      surface: r.surface,
      startedAt: r.startedAt,
      acceptedAt: r.acceptedAt,
    };
  }

  private want(type: CallEventType, at: string, data: Record<string, unknown>): WantedCallEvent {
    const ordinal = (this.ordinals.get(type) ?? 0) + 1;
    this.ordinals.set(type, ordinal);
    return { type, ordinal, at, data };
  }
}
