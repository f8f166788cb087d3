import type { RealtimeClientEvent, RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import type { CallEvent, CallEventListener, EndReason } from '../calls/call-events.ts';
import type { TranscriptionUsageReport } from '../cost/usage.ts';
import type { WireErrorCode } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { redactPhonesInText } from '../log/redact.ts';
import type { CallRest } from '../openai/call-control.ts';
import type { CallParties } from '../sip/index.ts';
import { backoffMs } from '../time/backoff.ts';
import { type Clock, systemClock, type Timer } from '../time/clock.ts';
import { runToolCall } from '../tools/run-tool-call.ts';
import type { CallActions, Tool, ToolContext, ToolResult } from '../tools/tool.ts';
import type { TransferResult, Transfers } from '../transfers/transfer.ts';
import type { ControlCloseInfo, ControlConnection, ControlTransport, LiveSignal } from './control-transport.ts';
import { greetingResponse } from './greeting.ts';
import { ResponseGate } from './response-gate.ts';
import { checkedEventTypes, checkServerEvent } from './server-event-check.ts';
import type { SessionExtension, SessionExtensionFactory } from './session-extension.ts';

export interface CallSessionOptions {
  callId: string;
  parties: CallParties;
  greeting: string;
  tools: ReadonlyMap<string, Tool>;
  /** The agent's transfers: the operator's transferTo goes through them too. */
  transfers: Transfers;
  transport: ControlTransport;
  control: CallRest;
  log: Logger;
  logPii: boolean;
  /** What callers and the agent say is logged at info; otherwise at debug. */
  logTranscripts?: boolean;
  reconnectMaxAttempts: number;
  reconnectBaseDelayMs?: number;
  onEvent?: CallEventListener;
  /** Reconnect delays, the goodbye cap, tool durations and the extensions' timers. Default: the system clock. */
  clock?: Clock;
  /** Profile behaviour on top of the session: keypad input, idle handling, a duration cap. */
  extensions?: readonly SessionExtensionFactory[];
  /** Before a tool runs: true when this instance is the one to run it (tool call ids are claimed across instances). */
  claimToolCall?: (toolCallId: string) => Promise<boolean>;
}

type State = 'connecting' | 'open' | 'reconnecting' | 'ending' | 'ended';

/** What trying the control socket found: open (the call is ours), or how it was refused. */
export type AttachResult = { ok: true } | ({ ok: false; timedOut?: boolean } & Partial<ControlCloseInfo>);

interface PendingSay {
  tag: string;
  responseId: string | null;
  done: () => void;
}

const sayTag = 'switchboard_say';
/** Invalid events from OpenAI logged (warn) and recorded one by one per call; the rest are only counted. */
const invalidEventsReported = 10;

/**
 * One call's control session: greets, logs transcripts, runs tools once per
 * tool call id, reconnects a dropped socket, and releases everything at the end.
 */
export class CallSession implements CallActions {
  readonly callId: string;
  readonly ended: Promise<EndReason>;
  /** true once the control socket first opened; false when the session was over before it did. */
  readonly opened: Promise<boolean>;
  private resolveOpened!: (open: boolean) => void;
  private readonly opts: CallSessionOptions;
  private readonly log: Logger;
  private readonly clock: Clock;
  private state: State = 'connecting';
  private conn: ControlConnection | null = null;
  private queue: RealtimeClientEvent[] = [];
  private reconnectAttempts = 0;
  private greeted = false;
  private transferred = false;
  private endReason: EndReason | null = null;
  private readonly toolCallsSeen = new Set<string>();
  private invalidEvents = 0;
  private readonly toolsRunning = new Set<Promise<void>>();
  private readonly says = new Map<string, PendingSay>();
  /** Clips playing (GPT-Live), by their client event id. */
  private readonly clips = new Map<string, () => void>();
  private clipCounter = 0;
  /** GPT-Live: the latest cumulative audio seconds. */
  private audioSeconds: number | null = null;
  private readonly timers = new Set<Timer>();
  private sayCounter = 0;
  /** Set while attach() waits for the socket. */
  private attaching: ((result: AttachResult) => void) | null = null;
  /** attach() found the socket open: events wait for begin(). */
  private awaitingBegin = false;
  private closedBeforeBegin: ControlCloseInfo | null = null;
  private resolveEnded!: (reason: EndReason) => void;
  private readonly extensions: SessionExtension[];
  /** What the transport must parse and deliver; undefined: every event. */
  private readonly eventTypes: ReadonlySet<string> | undefined;
  // Barge-in: which agent items came from which response, and which were cut off.
  private readonly agentItemResponses = new Map<string, string>();
  private readonly interruptedItems = new Set<string>();
  private readonly interruptedResponses = new Set<string>();
  private readonly playedResponses = new Set<string>();
  // Every response.create goes through this one gate: the API refuses a second response while one runs.
  private readonly gate = new ResponseGate((event) => this.send(event));

  constructor(opts: CallSessionOptions) {
    this.opts = opts;
    this.callId = opts.callId;
    this.log = opts.log;
    this.clock = opts.clock ?? systemClock;
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.opened = new Promise((resolve) => (this.resolveOpened = resolve));
    const ctx = {
      callId: this.callId,
      parties: opts.parties,
      control: opts.control,
      call: this,
      log: this.log,
      send: (e: RealtimeClientEvent) => this.send(e),
      responses: this.gate,
      clock: this.clock,
    };
    this.extensions = (opts.extensions ?? []).map((create) => create(ctx));
    this.eventTypes = eventTypesActedOn(this.extensions);
  }

  private forExtensions(fn: (ext: SessionExtension) => void): void {
    for (const ext of this.extensions) {
      try {
        fn(ext);
      } catch (err) {
        this.log.error({ callId: this.callId, err }, 'session extension failed');
      }
    }
  }

  start(): void {
    this.connect();
  }

  /**
   * Tries the control socket without announcing anything: resolves `open` when the call is
   * this server's to control (then begin() it), or how the socket was refused (the call is
   * not accepted, or gone). Used when it is not known whether the call was accepted: an
   * accept that may have landed after its deadline, a call live before a restart.
   */
  attach(timeoutMs: number): Promise<AttachResult> {
    return new Promise<AttachResult>((resolve) => {
      const timer = this.clock.setTimeout(() => {
        settle({ ok: false, timedOut: true });
        this.discard();
      }, timeoutMs);
      const settle = (result: AttachResult) => {
        if (this.attaching !== settle) return;
        this.attaching = null;
        this.awaitingBegin = result.ok;
        timer.cancel();
        resolve(result);
      };
      this.attaching = settle;
      this.connect();
    });
  }

  /**
   * Takes the call on after attach() found it open: announces the socket and, unless the
   * caller was greeted before (a call re-attached after a restart), greets.
   */
  begin(opts: { greet: boolean }): void {
    if (!opts.greet) {
      this.greeted = true;
      this.emit({ type: 'control.reattached', callId: this.callId });
      this.forExtensions((ext) => ext.onStart?.());
    }
    const closed = this.closedBeforeBegin;
    this.closedBeforeBegin = null;
    this.awaitingBegin = false;
    if (closed) this.onClose(closed);
    else this.onOpen();
  }

  /** Drops a session attach() could not open: nothing was announced, nothing is left running. */
  private discard(): void {
    this.state = 'ended';
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    const conn = this.conn;
    this.conn = null;
    conn?.close();
  }

  emit(event: CallEvent): void {
    try {
      this.opts.onEvent?.(event);
    } catch (err) {
      this.log.error({ callId: this.callId, err }, 'call event listener failed');
    }
    if (this.extensions.length > 0) this.forExtensions((ext) => ext.onCallEvent?.(event));
  }

  /** Sends a client event now, or as soon as the socket is back. */
  send(event: RealtimeClientEvent): void {
    if (this.state === 'open' && this.conn) this.conn.send(event);
    else if (this.state !== 'ended') this.queue.push(event);
  }

  say(instructions: string, capMs: number): Promise<void> {
    const tag = `say_${++this.sayCounter}`;
    return new Promise<void>((resolve) => {
      const done = () => {
        if (!this.says.delete(tag)) return;
        timer.cancel();
        this.timers.delete(timer);
        resolve();
      };
      const timer = this.clock.setTimeout(done, capMs);
      this.timers.add(timer);
      this.says.set(tag, { tag, responseId: null, done });
      this.gate.create({ instructions, metadata: { [sayTag]: tag } });
    });
  }

  markTransferred(): void {
    this.transferred = true;
  }

  /** Only where the surface can play audio (GPT-Live): HTTP tools check for it. */
  get playAudio(): ((pcm: Buffer, capMs: number) => Promise<void>) | undefined {
    return this.opts.transport.capabilities?.audioClips ? (pcm, capMs) => this.playClip(pcm, capMs) : undefined;
  }

  private playClip(pcm: Buffer, capMs: number): Promise<void> {
    const conn = this.conn;
    if (this.state !== 'open' || !conn?.playAudio) return Promise.resolve();
    const id = `sb_clip_${++this.clipCounter}`;
    return new Promise<void>((resolve) => {
      const done = () => {
        if (!this.clips.delete(id)) return;
        timer.cancel();
        this.timers.delete(timer);
        resolve();
      };
      const timer = this.clock.setTimeout(done, capMs);
      this.timers.add(timer);
      this.clips.set(id, done);
      conn.playAudio?.(pcm, id);
    });
  }

  /** Keypad tones to the caller's side (GPT-Live), e.g. through an IVR after a transfer. */
  sendDtmf(digits: string): { ok: true } | { ok: false; error: 'unsupported' | 'not_connected' | 'invalid_digits' } {
    if (!this.opts.transport.capabilities?.dtmfOut) return { ok: false, error: 'unsupported' };
    if (!/^[0-9A-D*#]{1,32}$/.test(digits)) return { ok: false, error: 'invalid_digits' };
    const conn = this.conn;
    if (this.state !== 'open' || !conn?.sendDtmf) return { ok: false, error: 'not_connected' };
    // One event per key, as the API wants; their pacing on the trunk is the platform's.
    for (const digit of digits) conn.sendDtmf(digit);
    this.log.info({ callId: this.callId, digits: digits.length }, 'keypad tones sent');
    this.emit({ type: 'dtmf.sent', callId: this.callId, digits });
    return { ok: true };
  }

  private onSignal(signal: LiveSignal): void {
    switch (signal.type) {
      case 'usage':
        // A running total: reported once, when the call ends, not on every update.
        this.audioSeconds = Math.max(this.audioSeconds ?? 0, signal.seconds);
        return;
      case 'audio.played':
        this.clips.get(signal.id)?.();
        return;
      case 'audio.failed':
        this.log.warn({ callId: this.callId, message: signal.message }, 'audio clip refused');
        this.clips.get(signal.id)?.();
        return;
      case 'dtmf.failed':
        this.log.warn({ callId: this.callId, message: signal.message }, 'keypad tone refused');
        this.emit({
          type: 'error',
          callId: this.callId,
          message: `keypad tone ${signal.digit} refused: ${signal.message}`,
          code: 'dtmf_refused' satisfies WireErrorCode,
        });
        return;
      case 'dtmf.sent':
        return;
    }
  }

  get isLive(): boolean {
    return this.state !== 'ending' && this.state !== 'ended';
  }

  /** Operator transfer to `target` (a number or a sip: URI): the agent's own transfer path, carrier policy included. */
  async transferTo(target: string): Promise<TransferResult> {
    if (!this.isLive) return { ok: false, error: 'transfer_failed', detail: 'the call is ending' };
    this.log.info({ callId: this.callId }, 'operator transfer');
    return this.opts.transfers.toTarget(this.toolContext(), target, 'operator transfer', 'operator');
  }

  /**
   * A supervisor's instruction: added to the conversation as a system message,
   * and the agent responds to it now (says it, or acts on it).
   */
  instruct(text: string): void {
    this.log.info({ callId: this.callId }, 'operator instruction');
    this.emit({ type: 'operator.instructed', callId: this.callId, text });
    this.send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'system', content: [{ type: 'input_text', text: `Instruction from a human supervisor: ${text}` }] },
    });
    this.gate.create();
  }

  async hangup(reason: EndReason): Promise<void> {
    if (this.state === 'ending' || this.state === 'ended') return;
    this.state = 'ending';
    this.endReason = reason;
    try {
      await this.opts.control.hangup(this.callId);
    } catch (err) {
      this.log.warn({ callId: this.callId, err: (err as Error).message }, 'hangup request failed');
    }
    this.finish(reason);
  }

  /** Ends the call here at once (shutdown: OpenAI did not answer the hangup in time). */
  abandon(reason: EndReason): void {
    if (this.state === 'ended') return;
    this.log.warn({ callId: this.callId, reason }, 'call abandoned: ended here without an answer from OpenAI');
    this.finish(this.endReason ?? reason);
  }

  private connect(): void {
    // Nothing that happens on this call's socket may leave the call: every handler is contained.
    this.conn = this.opts.transport.connect(this.callId, {
      ...(this.eventTypes ? { eventTypes: this.eventTypes } : {}),
      onOpen: () => this.contained('open', () => (this.attaching ? this.attaching({ ok: true }) : this.onOpen())),
      // The hot path (every event): contained without a closure per event.
      onEvent: (event) => {
        try {
          this.onRawEvent(event);
        } catch (err) {
          this.handlerFailed(typeof event?.type === 'string' ? event.type : 'unknown', err);
        }
      },
      onInvalidFrame: (problem) => this.contained('unparsable', () => this.dropInvalid('unparsable', problem)),
      onError: (err) => this.log.debug({ callId: this.callId, err: err.message }, 'control socket error'),
      onClose: (info) =>
        this.contained('close', () => {
          if (this.attaching) {
            this.conn = null;
            this.attaching({ ok: false, ...info });
            this.discard();
          } else if (this.state === 'connecting' && this.awaitingBegin) this.closedBeforeBegin = info;
          else this.onClose(info);
        }),
      onSignal: (signal) => this.contained('signal', () => this.onSignal(signal)),
      onInvalidEvent: (eventType, problem) => this.contained(eventType, () => this.dropInvalid(eventType, problem)),
    });
  }

  /** Runs one handler; an exception is logged with the call and what it was handling, and the call goes on. */
  private contained(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.handlerFailed(what, err);
    }
  }

  private handlerFailed(what: string, err: unknown): void {
    this.log.error({ callId: this.callId, eventType: what, err }, 'handling a control socket event failed; the call goes on');
  }

  private onRawEvent(raw: unknown): void {
    const checked = checkServerEvent(raw);
    if (!checked.ok) return this.dropInvalid(checked.eventType, checked.problem);
    this.onServerEvent(checked.event);
  }

  private dropInvalid(eventType: string, problem: string): void {
    // Each one is counted; past the first few of a call they are not logged or recorded one by one.
    const repeated = ++this.invalidEvents > invalidEventsReported;
    if (repeated) this.log.debug({ callId: this.callId, eventType, problem }, 'invalid server event dropped');
    else this.log.warn({ callId: this.callId, eventType, problem }, 'invalid server event dropped');
    this.emit({ type: 'server_event.invalid', callId: this.callId, eventType, problem, ...(repeated ? { repeated } : {}) });
  }

  private onOpen(): void {
    if (this.state === 'ended') return;
    if (this.state === 'ending') {
      this.conn?.close();
      return;
    }
    const attempt = this.reconnectAttempts;
    this.state = 'open';
    this.resolveOpened(true);
    this.reconnectAttempts = 0;
    // A reconnect is news; the first connect of every call is not (call accepted already said it).
    if (attempt > 0) this.log.info({ callId: this.callId, attempt }, 'control socket reconnected');
    else this.log.debug({ callId: this.callId }, 'control socket connected');
    this.emit({ type: 'control.connected', callId: this.callId, attempt });
    if (!this.greeted) {
      this.greeted = true;
      this.emit({ type: 'greeting.requested', callId: this.callId });
      this.gate.create(greetingResponse(this.opts.greeting));
      this.forExtensions((ext) => ext.onStart?.());
    }
    const queued = this.queue;
    this.queue = [];
    for (const event of queued) this.conn?.send(event);
    if (attempt > 0) this.gate.reset(); // nothing is in progress on a new socket: a waiting instruction goes now
  }

  private onServerEvent(event: RealtimeServerEvent): void {
    this.gate.observe(event); // first: extensions read the gate's state
    for (const ext of this.extensions) {
      if (!ext.onServerEvent) continue;
      try {
        ext.onServerEvent(event);
      } catch (err) {
        this.log.error({ callId: this.callId, err }, 'session extension failed');
      }
    }
    switch (event.type) {
      case 'conversation.item.input_audio_transcription.completed':
        this.transcript('caller', event.transcript, event.item_id, event.usage);
        break;
      case 'response.output_audio_transcript.done':
        this.agentItemResponses.set(event.item_id, event.response_id);
        if (this.interruptedResponses.has(event.response_id)) this.interruptedItems.add(event.item_id);
        this.transcript('agent', event.transcript, event.item_id);
        break;
      case 'conversation.item.truncated':
        this.interrupt(event.item_id);
        break;
      case 'response.output_item.done':
        // response.function_call_arguments.done carries the same call: act on this one only.
        if (event.item.type === 'function_call') this.onFunctionCall(event.item);
        break;
      case 'response.created': {
        const tag = event.response.metadata?.[sayTag];
        const say = tag ? this.says.get(tag) : undefined;
        if (say && event.response.id) say.responseId = event.response.id;
        break;
      }
      case 'output_audio_buffer.stopped':
        if (event.response_id) this.playedResponses.add(event.response_id);
        this.settleSays(event.response_id ?? null);
        break;
      case 'output_audio_buffer.cleared':
        // Cleared before it finished playing: the caller talked over the agent.
        if (event.response_id && !this.playedResponses.has(event.response_id)) this.interruptResponse(event.response_id, []);
        this.settleSays(event.response_id ?? null);
        break;
      case 'response.done': {
        const usage = event.response.usage;
        if (usage) {
          this.emit({
            type: 'usage',
            callId: this.callId,
            usage: { inputTokens: usage.input_tokens ?? 0, outputTokens: usage.output_tokens ?? 0, totalTokens: usage.total_tokens ?? 0 },
            realtime: usage,
          });
        }
        if (event.response.status === 'cancelled' && event.response.id) {
          const itemIds = (event.response.output ?? []).flatMap((item) => (item.type === 'message' && item.id ? [item.id] : []));
          this.interruptResponse(event.response.id, itemIds);
        }
        // A response that produced no audio will never report its playback ending.
        if (event.response.status !== 'completed' && event.response.id) this.settleSays(event.response.id);
        break;
      }
      case 'error': {
        const message = event.error.message ?? '(no message)';
        this.log.warn({ callId: this.callId, code: event.error.code, errorType: event.error.type, message }, 'realtime error event');
        this.emit({ type: 'error', callId: this.callId, message, ...(event.error.code ? { code: event.error.code } : {}) });
        break;
      }
      default:
        break;
    }
  }

  private settleSays(responseId: string | null): void {
    for (const say of [...this.says.values()]) {
      if (say.responseId !== null && (responseId === null || say.responseId === responseId)) say.done();
    }
  }

  private transcript(speaker: 'caller' | 'agent', text: string, itemId: string, usage?: TranscriptionUsageReport): void {
    const interrupted = speaker === 'agent' && this.interruptedItems.has(itemId);
    // Personal data: at info only when the operator asks for it. Redacting costs a scan of the text: only for a line that is written.
    const level = this.opts.logTranscripts ? 'info' : 'debug';
    if (this.log.isLevelEnabled(level)) {
      this.log[level](
        { callId: this.callId, speaker, text: redactPhonesInText(text, this.opts.logPii), ...(interrupted ? { interrupted } : {}) },
        'transcript',
      );
    }
    this.emit({
      type: 'transcript',
      callId: this.callId,
      speaker,
      text,
      itemId,
      ...(interrupted ? { interrupted } : {}),
      ...(usage ? { usage } : {}),
    });
  }

  private interruptResponse(responseId: string, itemIds: readonly string[]): void {
    this.interruptedResponses.add(responseId);
    for (const [itemId, rid] of this.agentItemResponses) if (rid === responseId) this.interrupt(itemId);
    for (const itemId of itemIds) this.interrupt(itemId);
  }

  /** Marks an agent item as cut off: now if its transcript is out, else when it arrives. */
  private interrupt(itemId: string): void {
    if (this.interruptedItems.has(itemId)) return;
    this.interruptedItems.add(itemId);
    if (this.agentItemResponses.has(itemId)) {
      this.log.info({ callId: this.callId, itemId }, 'agent interrupted');
      this.emit({ type: 'transcript.interrupted', callId: this.callId, itemId });
    }
  }

  private toolContext(): ToolContext {
    return { callId: this.callId, parties: this.opts.parties, control: this.opts.control, call: this, log: this.log, clock: this.clock };
  }

  private onFunctionCall(item: { call_id?: string | null; name?: string | null; arguments?: string | null }): void {
    const toolCallId = item.call_id;
    if (!toolCallId || this.toolCallsSeen.has(toolCallId)) return;
    this.toolCallsSeen.add(toolCallId);
    const run = this.runFunctionCall(toolCallId, item)
      .catch((err: unknown) => this.log.error({ callId: this.callId, err }, 'tool call failed; the call goes on'))
      .finally(() => this.toolsRunning.delete(run));
    this.toolsRunning.add(run);
  }

  private async runFunctionCall(toolCallId: string, item: { name?: string | null; arguments?: string | null }): Promise<void> {
    // Another instance connected to this call hears the same event: the first to claim the id runs it.
    if (this.opts.claimToolCall && !(await this.opts.claimToolCall(toolCallId))) {
      this.log.info({ callId: this.callId, toolCallId }, 'tool call already taken by another instance');
      return;
    }
    if ((this.state as State) === 'ended') return;
    const name = item.name ?? '';
    const args = item.arguments ?? '';
    this.log.info({ callId: this.callId, toolCallId, tool: name }, 'tool called');
    this.emit({ type: 'tool.called', callId: this.callId, toolCallId, name, arguments: args });
    const ctx: ToolContext = { ...this.toolContext(), toolCallId };
    const startedAt = this.clock.now();
    const result: ToolResult = await runToolCall(this.opts.tools, { call_id: toolCallId, name, arguments: args }, ctx);
    const durationMs = this.clock.now() - startedAt;
    const error = result.output.ok === false ? String(result.output.error) : undefined;
    this.emit({
      type: 'tool.completed',
      callId: this.callId,
      toolCallId,
      name,
      output: result.output,
      durationMs,
      ...(error ? { error } : {}),
    });
    if (this.state === 'ended') return;
    this.send({
      type: 'conversation.item.create',
      item: { type: 'function_call_output', call_id: toolCallId, output: JSON.stringify(result.output) },
    });
    if (result.followUp.kind === 'respond') this.gate.create();
    else if (result.followUp.kind === 'instruct') this.gate.create({ instructions: result.followUp.instructions });
    if (result.after) {
      try {
        await result.after();
      } catch (err) {
        this.log.error({ callId: this.callId, tool: name, err }, 'tool follow-up failed');
      }
    }
  }

  private onClose(info: ControlCloseInfo): void {
    this.conn = null;
    if (this.state === 'ending' || this.state === 'ended') {
      this.finish(this.endReason ?? 'agent_hangup');
      return;
    }
    if (this.transferred) return this.finish('transferred');
    // GPT-Live says why the session ended; Realtime's socket just closes.
    if (info.closeReason) return this.finish(endReasonOf(info.closeReason));
    if (info.httpStatus === 404) return this.finish('gone');
    if (info.code === 1000) return this.finish('caller_hangup');
    if (this.reconnectAttempts >= this.opts.reconnectMaxAttempts) {
      this.log.error(
        { callId: this.callId, code: info.code, httpStatus: info.httpStatus, attempts: this.reconnectAttempts },
        'control socket lost',
      );
      this.hangup('control_lost').catch((err: unknown) =>
        this.log.error({ callId: this.callId, err }, 'hangup after a lost control socket failed'),
      );
      return;
    }
    this.reconnectAttempts++;
    const delayMs = backoffMs(this.reconnectAttempts, { baseMs: this.opts.reconnectBaseDelayMs ?? 250, maxMs: 5_000 });
    this.state = 'reconnecting';
    this.log.warn(
      { callId: this.callId, code: info.code, httpStatus: info.httpStatus, attempt: this.reconnectAttempts, delayMs },
      'control socket dropped, reconnecting',
    );
    this.emit({ type: 'control.reconnecting', callId: this.callId, attempt: this.reconnectAttempts, delayMs, code: info.code });
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      if (this.state === 'reconnecting') this.connect();
    }, delayMs);
    this.timers.add(timer);
  }

  /**
   * Stops controlling the call without ending it: another instance takes it on. Lets a tool under
   * way finish first (up to waitForToolsMs, so its answer reaches the model), then closes the
   * control socket. No hangup, no call.ended; `ended` resolves with `handed_over`.
   */
  async detach(opts: { waitForToolsMs: number }): Promise<void> {
    if (this.state === 'ended' || this.state === 'ending') return;
    if (this.toolsRunning.size > 0) {
      let timer: Timer | undefined;
      await Promise.race([
        Promise.allSettled([...this.toolsRunning]),
        new Promise<void>((resolve) => (timer = this.clock.setTimeout(resolve, opts.waitForToolsMs))),
      ]);
      timer?.cancel();
    }
    if (this.isOver()) return;
    this.state = 'ended';
    this.release();
    this.log.info({ callId: this.callId }, 'control handed over');
    this.resolveEnded('handed_over');
  }

  // A method, not a narrowed field: the state changes across awaits.
  private isOver(): boolean {
    return this.state === 'ended' || this.state === 'ending';
  }

  private release(): void {
    this.resolveOpened(false);
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    for (const say of [...this.says.values()]) say.done();
    for (const clip of [...this.clips.values()]) clip();
    this.forExtensions((ext) => ext.onEnd?.());
    this.queue = [];
    this.toolCallsSeen.clear();
    this.agentItemResponses.clear();
    this.interruptedResponses.clear();
    this.playedResponses.clear();
    const conn = this.conn;
    this.conn = null;
    conn?.close();
  }

  private finish(reason: EndReason): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.release();
    if (this.audioSeconds !== null) this.emit({ type: 'usage.audio', callId: this.callId, seconds: this.audioSeconds });
    this.log.info({ callId: this.callId, reason }, 'call ended');
    this.emit({ type: 'call.ended', callId: this.callId, reason, endedAt: this.clock.epochMs() });
    this.resolveEnded(reason);
  }
}

/**
 * The server event types this session acts on: its own and the response gate's (each one is
 * checked, server-event-check.ts) and the ones its extensions read. undefined: an extension
 * reads events without saying which, so every event is delivered.
 */
export function eventTypesActedOn(extensions: readonly SessionExtension[]): ReadonlySet<string> | undefined {
  const types = new Set<string>(checkedEventTypes);
  for (const ext of extensions) {
    if (!ext.onServerEvent) continue;
    if (!ext.serverEventTypes) return undefined;
    for (const type of ext.serverEventTypes) types.add(type);
  }
  return types;
}

/** session.closed's reason as the call's end reason. */
function endReasonOf(reason: NonNullable<ControlCloseInfo['closeReason']>): EndReason {
  switch (reason) {
    case 'remote_hangup':
      return 'caller_hangup';
    case 'close_requested':
      return 'agent_hangup';
    case 'expired':
      return 'session_expired';
    case 'content':
      return 'content_filtered';
    case 'connection_lost':
      return 'control_lost';
  }
}
