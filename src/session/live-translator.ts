// GPT-Live's sideband, in the session's vocabulary. The call session, its tools and its
// extensions speak Realtime events; this translates one call's Live events into them and
// their client events into Live commands, so the session's logic stays one for both surfaces.
//
//   Live (sideband)                                  session (Realtime vocabulary)
//   transcript deltas → TranscriptGrouper segments   caller: speech_started, …transcription.completed
//                                                     agent: output_audio_buffer.started, …transcript.done, …stopped
//   transport.dtmf.received                          input_audio_buffer.dtmf_event_received
//   response.event (the delegated Responses model)   response.created / response.output_item.done / response.done
//   session.commentary.appended (a say)              response.created + response.done (then its speech)
//   error                                            error (client_event_id → error.event_id)
//   session.usage.updated, fixture.played, dtmf.sent signals; session.closed → the close reason
//
//   session                                          Live
//   response.create with instructions, nothing new   session.commentary.append (the voice model says it;
//     or its own input text, the greeting)
//   conversation.item.create (message / tool output) kept, then response.item.create …
//   response.create after those                      … + response.create (the backend continues)
//   response.cancel, output_audio_buffer.clear       dropped: Live has no cancel; the voice model handles barge-in

import { TranscriptGrouper, type TranscriptSegment } from 'openai/helpers/live';
import type { SessionClosedEvent } from 'openai/resources/live/live';
import type { SidebandClientEvent, SidebandServerEvent } from 'openai/resources/live/sideband/sideband';
import type {
  ConversationItem,
  ConversationItemInputAudioTranscriptionCompletedEvent,
  InputAudioBufferDtmfEventReceivedEvent,
  InputAudioBufferSpeechStartedEvent,
  RealtimeClientEvent,
  RealtimeConversationItemFunctionCall,
  RealtimeErrorEvent,
  RealtimeResponse,
  RealtimeServerEvent,
  ResponseAudioTranscriptDoneEvent,
  ResponseCreatedEvent,
  ResponseDoneEvent,
  ResponseOutputItemDoneEvent,
} from 'openai/resources/realtime/realtime';
import type { Metadata } from 'openai/resources/shared';
import { type Clock, systemClock, type Timer } from '../time/clock.ts';
import type { LiveSignal } from './control-transport.ts';

export interface TranslatorOutput {
  /** A session event (Realtime vocabulary). */
  event(event: RealtimeServerEvent): void;
  signal(signal: LiveSignal): void;
  /** A command for the sideband. */
  send(event: SidebandClientEvent): void;
  /** A Live event that lacks a field this reads: dropped. */
  invalid(type: string, problem: string): void;
}

export interface TranslatorOptions {
  /** Agent transcript quiet this long ends its turn (the SDK grouper's inactivity, not audio). */
  assistantSilenceMs?: number;
  /** A say or backend request Live never acknowledges is failed after this, so nothing waits on it for ever. */
  ackTimeoutMs?: number;
  /** Speech expected from an acknowledged request is forgotten after this. */
  speechWaitMs?: number;
  clock?: Clock;
}

type Route = 'commentary' | 'backend';

interface Request {
  eventId: string;
  route: Route;
  metadata: Metadata | null;
  timer: Timer;
}

interface Backend {
  request: Request | null;
  hasText: boolean;
}

type Nested = {
  type?: unknown;
  response?: { id?: unknown; status?: unknown; usage?: { input_tokens?: unknown; output_tokens?: unknown; total_tokens?: unknown } | null };
  item?: Record<string, unknown>;
  output_index?: unknown;
};

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);

let serverEventCounter = 0;
const serverEventId = (): string => `live_evt_${++serverEventCounter}`;
const statusOf = (type: string): NonNullable<RealtimeResponse['status']> =>
  type === 'response.completed'
    ? 'completed'
    : type === 'response.incomplete'
      ? 'incomplete'
      : type === 'response.failed'
        ? 'failed'
        : 'cancelled';

export class LiveTranslator {
  /** Why session.closed said the session ended (null until it does). */
  closeReason: SessionClosedEvent['reason'] | null = null;
  private out: TranslatorOutput;
  private readonly opts: Required<TranslatorOptions>;
  private readonly grouper: TranscriptGrouper;
  private readonly requests: Request[] = [];
  private readonly backends = new Map<string, Backend>();
  /** Responses the Live model started itself (its own delegations): no request of ours. */
  private readonly delegated = new Set<string>();
  /** Acknowledged requests whose speech is still to come, with the source time they were acknowledged at. */
  private readonly awaitingSpeech: { responseId: string; at: number; afterMs: number }[] = [];
  /** The latest session-timeline ms any transcript delta reached. */
  private sourceMs = 0;
  private readonly startedSegments = new Set<string>();
  private speaking: { segmentId: string; responseId: string } | null = null;
  private pendingMessages: { role: 'user' | 'developer'; text: string }[] = [];
  private pendingOutputs = 0;
  private sayCounter = 0;
  private turnCounter = 0;
  private dtmfCounter = 0;
  private readonly dtmfDigits = new Map<string, string>();
  private readonly clips = new Set<string>();
  private disposed = false;

  constructor(out: TranslatorOutput, opts: TranslatorOptions = {}) {
    this.out = out;
    this.opts = {
      assistantSilenceMs: opts.assistantSilenceMs ?? 700,
      ackTimeoutMs: opts.ackTimeoutMs ?? 5_000,
      speechWaitMs: opts.speechWaitMs ?? 15_000,
      clock: opts.clock ?? systemClock,
    };
    // Records keep every word: backchannel suppression off.
    this.grouper = new TranscriptGrouper({ assistantSilenceMs: this.opts.assistantSilenceMs, backchannelMaxDurationMs: 0 });
    this.grouper.on('segment.updated', (segment) => this.segmentUpdated(segment));
    this.grouper.on('segment.closed', ({ segment }) => this.segmentClosed(segment));
  }

  /** A new connection (after a reconnect): commands go to it from now on. */
  attach(out: TranslatorOutput): void {
    this.out = out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const r of this.requests) r.timer.cancel();
    this.requests.length = 0;
    this.grouper.close();
  }

  // --- Live → session ------------------------------------------------------

  fromLive(event: SidebandServerEvent): void {
    if (this.disposed) return;
    const problem = checkLiveEvent(event);
    if (problem) {
      this.out.invalid(String((event as { type?: unknown }).type), problem);
      return;
    }
    switch (event.type) {
      case 'session.input_transcript.delta':
      case 'session.output_transcript.delta':
        this.sourceMs = Math.max(this.sourceMs, event.end_ms);
        this.grouper.push(event);
        return;
      case 'transport.dtmf.received':
        this.emit({
          type: 'input_audio_buffer.dtmf_event_received',
          event: event.event,
          received_at: Math.floor(this.opts.clock.epochMs() / 1000),
        } satisfies InputAudioBufferDtmfEventReceivedEvent);
        return;
      case 'session.commentary.appended':
        this.acknowledgeSay(event.client_event_id);
        return;
      case 'session.delegation.created':
        if (event.delegation.response_id) this.delegated.add(event.delegation.response_id);
        return;
      case 'response.event':
        this.nested(event.event as Nested, event.client_event_id);
        return;
      case 'session.usage.updated':
        this.out.signal({ type: 'usage', seconds: event.usage.seconds });
        return;
      case 'session.output_audio.fixture.played':
        if (event.client_event_id && this.clips.delete(event.client_event_id))
          this.out.signal({ type: 'audio.played', id: event.client_event_id });
        return;
      case 'transport.dtmf.sent': {
        const digit = (event.client_event_id && this.dtmfDigits.get(event.client_event_id)) || event.event;
        if (event.client_event_id) this.dtmfDigits.delete(event.client_event_id);
        this.out.signal({ type: 'dtmf.sent', digit });
        return;
      }
      case 'error':
        this.error(event.error.client_event_id ?? event.client_event_id, event.error);
        return;
      case 'session.closed':
        this.closeReason = event.reason;
        this.out.signal({ type: 'usage', seconds: event.usage.seconds });
        this.grouper.push(event); // closes the open turns
        return;
      default:
        return;
    }
  }

  private emit(event: RealtimeServerEvent): void {
    this.out.event(event);
  }

  private error(clientEventId: string | undefined, error: { code: string; message: string; type: string; param?: string }): void {
    if (clientEventId && this.clips.delete(clientEventId)) {
      this.out.signal({ type: 'audio.failed', id: clientEventId, message: error.message });
    }
    const digit = clientEventId ? this.dtmfDigits.get(clientEventId) : undefined;
    if (clientEventId && digit !== undefined) {
      this.dtmfDigits.delete(clientEventId);
      this.out.signal({ type: 'dtmf.failed', digit, message: error.message });
    }
    if (clientEventId) this.dropRequest(clientEventId);
    this.emit({
      type: 'error',
      event_id: serverEventId(),
      error: { type: error.type, code: error.code, message: error.message, param: error.param ?? null, event_id: clientEventId ?? null },
    } satisfies RealtimeErrorEvent);
  }

  private dropRequest(eventId: string): Request | undefined {
    const index = this.requests.findIndex((r) => r.eventId === eventId);
    if (index < 0) return undefined;
    const [request] = this.requests.splice(index, 1);
    request?.timer.cancel();
    return request;
  }

  /** A say was taken: it counts as a response that is done at once; its speech follows. */
  private acknowledgeSay(clientEventId: string | undefined): void {
    const request = clientEventId ? this.dropRequest(clientEventId) : undefined;
    if (!request) return;
    const id = `live_say_${++this.sayCounter}`;
    const response = { id, object: 'realtime.response', metadata: request.metadata } satisfies RealtimeResponse;
    this.emit({
      type: 'response.created',
      event_id: serverEventId(),
      response: { ...response, status: 'in_progress' },
    } satisfies ResponseCreatedEvent);
    this.emit({
      type: 'response.done',
      event_id: serverEventId(),
      response: { ...response, status: 'completed' },
    } satisfies ResponseDoneEvent);
    this.expectSpeech(id);
  }

  private nested(inner: Nested, clientEventId: string | undefined): void {
    const type = typeof inner.type === 'string' ? inner.type : '';
    const responseId = typeof inner.response?.id === 'string' ? inner.response.id : null;
    if (type === 'response.created' && responseId) {
      const request = this.delegated.has(responseId)
        ? null
        : ((clientEventId ? this.dropRequest(clientEventId) : undefined) ?? this.oldestBackendRequest());
      this.backends.set(responseId, { request, hasText: false });
      this.emit({
        type: 'response.created',
        event_id: serverEventId(),
        response: { id: responseId, object: 'realtime.response', status: 'in_progress', metadata: request?.metadata ?? null },
      } satisfies ResponseCreatedEvent);
      return;
    }
    if (type === 'response.output_text.delta' || type === 'response.output_text.done') {
      const current = [...this.backends.values()].at(-1);
      if (current) current.hasText = true;
      return;
    }
    if (type === 'response.output_item.done' && inner.item?.type === 'function_call') {
      const item = inner.item;
      const fn: RealtimeConversationItemFunctionCall = {
        type: 'function_call',
        object: 'realtime.item',
        status: 'completed',
        ...(typeof item.id === 'string' ? { id: item.id } : {}),
        call_id: typeof item.call_id === 'string' ? item.call_id : '',
        name: typeof item.name === 'string' ? item.name : '',
        arguments: typeof item.arguments === 'string' ? item.arguments : '',
      };
      const owner = [...this.backends.keys()].at(-1) ?? '';
      this.emit({
        type: 'response.output_item.done',
        event_id: serverEventId(),
        response_id: owner,
        output_index: typeof inner.output_index === 'number' ? inner.output_index : 0,
        item: fn,
      } satisfies ResponseOutputItemDoneEvent);
      return;
    }
    if (
      (type === 'response.completed' || type === 'response.failed' || type === 'response.incomplete' || type === 'response.cancelled') &&
      responseId
    ) {
      const backend = this.backends.get(responseId);
      this.backends.delete(responseId);
      this.delegated.delete(responseId);
      // The delegated model's tokens: what the records count as usage on Live (besides the audio seconds).
      const usage = inner.response?.usage;
      this.emit({
        type: 'response.done',
        event_id: serverEventId(),
        response: {
          id: responseId,
          object: 'realtime.response',
          status: statusOf(type),
          metadata: backend?.request?.metadata ?? null,
          ...(usage
            ? {
                usage: {
                  input_tokens: count(usage.input_tokens),
                  output_tokens: count(usage.output_tokens),
                  total_tokens: count(usage.total_tokens),
                },
              }
            : {}),
        },
      } satisfies ResponseDoneEvent);
      // The voice model now says what the backend answered.
      if (backend?.hasText && type === 'response.completed') this.expectSpeech(responseId);
    }
  }

  private oldestBackendRequest(): Request | null {
    const index = this.requests.findIndex((r) => r.route === 'backend');
    if (index < 0) return null;
    const [request] = this.requests.splice(index, 1);
    request?.timer.cancel();
    return request ?? null;
  }

  private expectSpeech(responseId: string): void {
    const now = this.opts.clock.now();
    while (this.awaitingSpeech.length > 0 && now - (this.awaitingSpeech[0]?.at ?? now) > this.opts.speechWaitMs)
      this.awaitingSpeech.shift();
    this.awaitingSpeech.push({ responseId, at: now, afterMs: this.sourceMs });
  }

  /** The oldest request whose speech this turn can be: one acknowledged before the turn began. */
  private takeSpeech(startMs: number): string | undefined {
    const index = this.awaitingSpeech.findIndex((a) => startMs >= a.afterMs);
    return index < 0 ? undefined : this.awaitingSpeech.splice(index, 1)[0]?.responseId;
  }

  private segmentUpdated(segment: TranscriptSegment): void {
    if (this.startedSegments.has(segment.id)) return;
    this.startedSegments.add(segment.id);
    if (segment.speaker === 'user') {
      this.emit({
        type: 'input_audio_buffer.speech_started',
        event_id: serverEventId(),
        item_id: segment.id,
        audio_start_ms: segment.startMs,
      } satisfies InputAudioBufferSpeechStartedEvent);
      return;
    }
    // The agent speaks: the answer to our oldest request acknowledged before this turn began
    // (source time: the grouper reports a turn a little late), else something of its own.
    const responseId = this.takeSpeech(segment.startMs) ?? `live_turn_${++this.turnCounter}`;
    this.speaking = { segmentId: segment.id, responseId };
    this.emit({ type: 'output_audio_buffer.started', event_id: serverEventId(), response_id: responseId });
  }

  private segmentClosed(segment: TranscriptSegment): void {
    this.startedSegments.delete(segment.id);
    const text = segment.text.trim();
    if (segment.speaker === 'user') {
      if (!text) return;
      this.emit({
        type: 'conversation.item.input_audio_transcription.completed',
        event_id: serverEventId(),
        item_id: segment.id,
        content_index: 0,
        transcript: text,
        usage: { type: 'duration', seconds: Math.max(0, segment.endMs - segment.startMs) / 1000 },
      } satisfies ConversationItemInputAudioTranscriptionCompletedEvent);
      return;
    }
    const responseId = this.speaking?.segmentId === segment.id ? this.speaking.responseId : `live_turn_${++this.turnCounter}`;
    if (this.speaking?.segmentId === segment.id) this.speaking = null;
    if (text) {
      this.emit({
        type: 'response.output_audio_transcript.done',
        event_id: serverEventId(),
        response_id: responseId,
        item_id: segment.id,
        output_index: 0,
        content_index: 0,
        transcript: text,
      } satisfies ResponseAudioTranscriptDoneEvent);
    }
    this.emit({ type: 'output_audio_buffer.stopped', event_id: serverEventId(), response_id: responseId });
  }

  // --- session → Live ------------------------------------------------------

  toLive(event: RealtimeClientEvent): void {
    if (this.disposed) return;
    switch (event.type) {
      case 'conversation.item.create': {
        const item = event.item;
        if (item.type === 'function_call_output') {
          this.out.send({
            type: 'response.item.create',
            item: { type: 'function_call_output', call_id: item.call_id, output: item.output },
          });
          this.pendingOutputs++;
        } else if (item.type === 'message') {
          const message = messageOf(item);
          if (message) this.pendingMessages.push(message);
        }
        return;
      }
      case 'response.create':
        this.respond(event);
        return;
      default:
        // response.cancel, output_audio_buffer.clear, session.update…: nothing on Live does that.
        return;
    }
  }

  private respond(event: Extract<RealtimeClientEvent, { type: 'response.create' }>): void {
    const eventId = event.event_id ?? `sb_live_${++this.sayCounter}`;
    const instructions = event.response?.instructions;
    const metadata = event.response?.metadata ?? null;
    // A response's own input (the greeting: text to speak, kept apart from the instructions).
    const own = (event.response?.input ?? []).flatMap((item) =>
      item.type === 'message' ? [messageOf(item)].filter((m) => m !== null) : [],
    );
    const backend = this.pendingOutputs > 0 || this.pendingMessages.length > 0 || (!instructions && own.length === 0);
    const timer = this.opts.clock.setTimeout(() => this.unanswered(eventId), this.opts.ackTimeoutMs).unref();
    this.requests.push({ eventId, route: backend ? 'backend' : 'commentary', metadata, timer });
    if (!backend) {
      // Nothing for the backend to work on: the voice model says it (it cancels pending acknowledgements).
      // With text of its own to speak, that text is the commentary; the instructions only say to read it.
      const content = own.length > 0 ? own.map((m) => m.text).join(' ') : (instructions ?? '');
      this.out.send({ type: 'session.commentary.append', content, delegation_id: null, event_id: eventId });
      return;
    }
    for (const message of [...this.pendingMessages, ...own])
      this.out.send({ type: 'response.item.create', item: { type: 'message', role: message.role, content: message.text } });
    if (instructions) this.out.send({ type: 'response.item.create', item: { type: 'message', role: 'developer', content: instructions } });
    this.pendingMessages = [];
    this.pendingOutputs = 0;
    this.out.send({ type: 'response.create', event_id: eventId });
  }

  /** Live never acknowledged this request: fail it, so the session's gate never stays shut. */
  private unanswered(eventId: string): void {
    if (!this.dropRequest(eventId)) return;
    this.emit({
      type: 'error',
      event_id: serverEventId(),
      error: {
        type: 'switchboard_error',
        code: 'live_no_acknowledgement',
        message: 'GPT-Live did not acknowledge the request in time.',
        event_id: eventId,
      },
    } satisfies RealtimeErrorEvent);
  }

  playAudio(pcm: Buffer, id: string): void {
    this.clips.add(id);
    this.out.send({ type: 'session.output_audio.fixture.play', audio: pcm.toString('base64'), event_id: id });
  }

  sendDtmf(digit: string): void {
    const id = `sb_dtmf_${++this.dtmfCounter}`;
    this.dtmfDigits.set(id, digit);
    this.out.send({ type: 'transport.dtmf.send', event: digit, event_id: id });
  }
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isTime = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields this reads, checked before anything acts on them; null when the event is usable. */
export function checkLiveEvent(event: unknown): string | null {
  if (!isRecord(event) || !isString(event.type)) return 'not an object with a string type';
  const e = event;
  switch (e.type) {
    case 'session.input_transcript.delta':
    case 'session.output_transcript.delta':
      if (!isString(e.event_id) || !e.event_id) return 'event_id is not a string';
      if (!isString(e.delta)) return 'delta is not a string';
      if (!isTime(e.start_ms) || !isTime(e.end_ms) || (e.end_ms as number) < (e.start_ms as number))
        return 'start_ms/end_ms are not a time interval';
      return null;
    case 'transport.dtmf.received':
      return isString(e.event) ? null : 'event is not a string';
    case 'response.event':
      return isRecord(e.event) && isString(e.event.type) ? null : 'event is not a Responses stream event';
    case 'session.delegation.created':
      return isRecord(e.delegation) ? null : 'delegation is not an object';
    case 'session.usage.updated':
      return isRecord(e.usage) && typeof e.usage.seconds === 'number' ? null : 'usage.seconds is not a number';
    case 'session.closed':
      if (!isString(e.reason)) return 'reason is not a string';
      return isRecord(e.usage) && typeof e.usage.seconds === 'number' ? null : 'usage.seconds is not a number';
    case 'transport.dtmf.sent':
      return isString(e.event) ? null : 'event is not a string';
    case 'error':
      return isRecord(e.error) && isString(e.error.message) ? null : 'error.message is not a string';
    default:
      return null;
  }
}

/** A message's text and who it speaks for on Live (the caller, or the app as developer); null when it has no text. */
function messageOf(item: Extract<ConversationItem, { type: 'message' }>): { role: 'user' | 'developer'; text: string } | null {
  const text = item.content
    .map((part) =>
      'text' in part && typeof part.text === 'string'
        ? part.text
        : 'transcript' in part && typeof part.transcript === 'string'
          ? part.transcript
          : '',
    )
    .filter(Boolean)
    .join(' ');
  return text ? { role: item.role === 'user' ? 'user' : 'developer', text } : null;
}
