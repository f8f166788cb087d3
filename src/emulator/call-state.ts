// One emulated call at runtime: its record, its sockets, timers and the waits the scenario uses.
import type { SidebandServerEvent } from 'openai/resources/live/sideband/sideband';
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import type { Metadata } from 'openai/resources/shared';
import type { WebSocket } from 'ws';
import type { Clock } from '../time/clock.ts';
import type { CallRecord, CloseReason, ConnectionRecord, EndedBy, ResponseRecord } from './call-record.ts';
import type { SipHeader } from './invite-headers.ts';
import { sessionClosed } from './live-server-events.ts';
import { LiveRuntime } from './live-state.ts';
import type { EmulatorLogger } from './logger.ts';
import type { Scenario } from './scenario.ts';

export interface ActiveResponse {
  record: ResponseRecord;
  itemId: string;
  timer: NodeJS.Timeout | undefined;
  metadata: Metadata | null;
}

export interface LiveCallInit {
  id: string;
  webhookId: string;
  eventId: string;
  liveSessionId: string;
  liveWebhookId: string;
  liveEventId: string;
  scenario: Scenario;
  sipHeaders: SipHeader[];
  clock: Clock;
  logger: EmulatorLogger;
}

export class LiveCall {
  readonly record: CallRecord;
  readonly scenario: Scenario;
  readonly clock: Clock;
  readonly logger: EmulatorLogger;
  readonly ended: Promise<CallRecord>;
  /** Aborted when the call ends: stops the scenario, waits and timers. */
  readonly signal: AbortSignal;
  /** webhook-ids that got a 2xx: retries of them stop. */
  readonly ackedWebhookIds = new Set<string>();
  /** The webhook bodies by event type, fixed for the call (retries resend the same event). */
  readonly webhookBodies = new Map<string, string>();
  /** GPT-Live runtime state (speech, fixtures, delegations), used once the call is accepted on Live. */
  readonly live = new LiveRuntime();
  activeResponse: ActiveResponse | undefined;
  /** Set by a successful refer until the carrier takes the call. */
  transferring = false;
  lastActivityAt: number;
  #abort = new AbortController();
  #resolveEnded: (record: CallRecord) => void = () => {};
  #sockets = new Map<WebSocket, ConnectionRecord>();
  #closingByUs = new WeakSet<WebSocket>();
  #timers = new Set<NodeJS.Timeout>();
  #listeners = new Set<() => void>();

  constructor(init: LiveCallInit) {
    this.scenario = init.scenario;
    this.clock = init.clock;
    this.logger = init.logger;
    this.signal = this.#abort.signal;
    this.ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
    const now = init.clock.now();
    this.lastActivityAt = now;
    this.record = {
      id: init.id,
      webhookId: init.webhookId,
      eventId: init.eventId,
      liveSessionId: init.liveSessionId,
      liveWebhookId: init.liveWebhookId,
      liveEventId: init.liveEventId,
      scenarioName: init.scenario.name,
      createdAt: now,
      sipHeaders: init.sipHeaders,
      state: 'pending',
      done: false,
      webhooks: [],
      accepts: [],
      rejects: [],
      refers: [],
      hangups: [],
      analyses: [],
      recordingDownloads: [],
      connectionCount: 0,
      connections: [],
      clientEvents: [],
      errorEvents: [],
      responses: [],
      functionCalls: [],
      transcript: [],
      dtmf: [],
      dtmfSent: [],
      fixtures: [],
      speech: [],
      issues: [],
      log: [],
    };
  }

  get id(): string {
    return this.record.id;
  }

  get isEnded(): boolean {
    return this.record.state === 'ended';
  }

  get isLive(): boolean {
    return this.record.surface === 'live';
  }

  /** Nothing plays or is being generated: the caller may act (the scenario waits for this). */
  get isQuiet(): boolean {
    return this.activeResponse === undefined && this.live.isQuiet;
  }

  /** ms on the Live session timeline: since the accept, plus the pauses between utterances. */
  sessionMs(at = this.clock.now()): number {
    return Math.max(0, Math.round(at - (this.live.startedAt ?? at) + this.live.timelineOffsetMs));
  }

  /** Adds a timeline line (at defaults to now). */
  note(kind: string, text: string, at = this.clock.now()): void {
    this.record.log.push({ at, kind, text });
    this.changed();
  }

  issue(message: string): void {
    this.record.issues.push({ at: this.clock.now(), message });
    this.note('issue', message);
    this.logger.warn({ callId: this.id, issue: message }, 'emulated call issue');
  }

  /** Wakes pending waits; call after any change a wait may look at. */
  changed(): void {
    this.lastActivityAt = this.clock.now();
    for (const listener of [...this.#listeners]) listener();
  }

  /** Resolves true once pred holds, false on timeout or when the call ends first. */
  waitUntil(pred: () => boolean, timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (pred()) return Promise.resolve(true);
    if (this.signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (value: boolean): void => {
        this.#listeners.delete(check);
        this.signal.removeEventListener('abort', check);
        if (timer) clearTimeout(timer);
        resolve(value);
      };
      const check = (): void => {
        if (pred()) finish(true);
        else if (this.signal.aborted) finish(false);
      };
      this.#listeners.add(check);
      this.signal.addEventListener('abort', check);
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => finish(pred()), timeoutMs);
    });
  }

  /** Sleeps; resolves false if the call ended meanwhile. */
  sleep(ms: number): Promise<boolean> {
    return this.waitUntil(() => false, ms).then(() => !this.signal.aborted);
  }

  /** A timer cleared when the call ends. */
  setTimer(fn: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
    return timer;
  }

  clearTimer(timer: NodeJS.Timeout | undefined): void {
    if (!timer) return;
    clearTimeout(timer);
    this.#timers.delete(timer);
  }

  // --- sockets -------------------------------------------------------------

  addSocket(ws: WebSocket): ConnectionRecord {
    const connection: ConnectionRecord = { index: this.record.connections.length + 1, connectedAt: this.clock.now() };
    this.record.connections.push(connection);
    this.record.connectionCount = this.record.connections.length;
    this.#sockets.set(ws, connection);
    ws.once('close', (code: number) => {
      this.#sockets.delete(ws);
      connection.closedAt = this.clock.now();
      connection.closeCode = code;
      connection.closedBy ??= this.#closingByUs.has(ws) ? 'emulator' : 'client';
      this.note('socket', `#${connection.index} closed by ${connection.closedBy === 'client' ? 'server' : 'emulator'} (${code})`);
    });
    this.note('socket', `#${connection.index} connected`);
    return connection;
  }

  get openSocketCount(): number {
    return this.#sockets.size;
  }

  /** Broadcasts a server event to every open control socket of the call. */
  send(event: RealtimeServerEvent): void {
    for (const ws of this.#sockets.keys()) this.sendTo(ws, event);
  }

  sendTo(ws: WebSocket, event: RealtimeServerEvent): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
  }

  /** Broadcasts a Live server event to every attached sideband of the call. */
  sendLive(event: SidebandServerEvent): void {
    for (const ws of this.#sockets.keys()) this.sendLiveTo(ws, event);
  }

  sendLiveTo(ws: WebSocket, event: SidebandServerEvent): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
  }

  /** Sends a text frame as it is to every open socket (fault injection); returns how many got it. */
  sendRaw(text: string): number {
    let sent = 0;
    for (const ws of this.#sockets.keys()) {
      if (ws.readyState !== ws.OPEN) continue;
      ws.send(text);
      sent++;
    }
    return sent;
  }

  /** Ends every socket without a close frame (a network drop). */
  dropSockets(): number {
    const count = this.#sockets.size;
    for (const [ws, connection] of this.#sockets) {
      connection.closedBy = 'drop';
      ws.terminate();
    }
    return count;
  }

  closeSockets(code: number, reason: string): void {
    for (const ws of this.#sockets.keys()) {
      this.#closingByUs.add(ws);
      ws.close(code, reason);
    }
  }

  /** Resolves once every socket has closed, or after timeoutMs (then terminates the rest). */
  async socketsClosed(timeoutMs: number): Promise<void> {
    const pending = [...this.#sockets.keys()].map(
      (ws) => new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve()))),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(pending), timeout]);
    clearTimeout(timer);
    for (const ws of this.#sockets.keys()) ws.terminate();
  }

  /** Cumulative Live audio seconds so far (one decimal). */
  usageSeconds(): number {
    return Math.round(this.sessionMs() / 100) / 10;
  }

  // --- lifecycle ----------------------------------------------------------

  /** Ends the call once: sockets close (1000, or 1001 on shutdown), waits and timers stop. */
  end(by: EndedBy): boolean {
    if (this.record.state === 'ended') return false;
    this.record.state = 'ended';
    this.record.endedBy = by;
    this.record.endedAt = this.clock.now();
    if (this.activeResponse) {
      this.clearTimer(this.activeResponse.timer);
      this.activeResponse.record.status = 'cancelled';
      this.activeResponse.record.doneAt = this.record.endedAt;
      this.activeResponse = undefined;
    }
    this.live.stopAll(this.record.endedAt);
    const closeReason = this.isLive ? closeReasons[by] : undefined;
    if (closeReason && this.record.liveSession) {
      // The Live session reports how it ended, with its final usage, before the sideband closes.
      this.record.closeReason = closeReason;
      this.record.usageSeconds = this.usageSeconds();
      this.sendLive(sessionClosed(closeReason, this.record.liveSession, this.record.usageSeconds));
      this.note('session', `session.closed ${closeReason} (${this.record.usageSeconds} s)`);
    }
    this.note('call', `call ended (${by})`);
    this.closeSockets(by === 'shutdown' ? 1001 : 1000, by === 'shutdown' ? 'emulator shutting down' : 'call ended');
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#abort.abort();
    this.logger.info({ callId: this.id, endedBy: by }, 'emulated call ended');
    // `ended` resolves once the sockets have closed, so the record holds their close codes.
    void this.socketsClosed(2000).then(() => {
      this.record.done = true;
      this.#resolveEnded(this.record);
    });
    return true;
  }
}

/** How a Live session reports each way a call ends. 'refer' as remote_hangup is our guess (unverified). */
const closeReasons: Record<EndedBy, CloseReason | undefined> = {
  caller: 'remote_hangup',
  hangup: 'close_requested',
  closed: 'close_requested',
  refer: 'remote_hangup',
  timeout: 'expired',
  shutdown: 'connection_lost',
  reject: undefined,
};
