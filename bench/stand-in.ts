// OpenAI's side, lean, for the benchmark: the call-control REST API over HTTPS
// (HTTP/2 and HTTP/1.1 by ALPN), the control WebSocket over WSS, signed
// realtime.call.incoming webhooks, and a steady stream of realistic events per
// live call. It runs in its own process (bench/run.ts forks it), and takes every
// timing itself on one clock: webhook sent → accept arrived, function call sent
// → REFER arrived.
import { randomBytes } from 'node:crypto';
import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import { type AddressInfo, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { type WebSocket, WebSocketServer } from 'ws';
import { signWebhook } from '../src/emulator/webhook-signing.ts';
import { transferCallEvent, turnFrames } from './events.ts';
import { delayedLink } from './net-link.ts';
import { type Summary, summarize } from './stats.ts';
import { WebhookSender } from './webhook-sender.ts';

export interface StandInOptions {
  key: string;
  cert: string;
  apiKey: string;
  webhookSecret: string;
  /** How long accept, reject, refer and hangup take to answer. */
  serviceDelayMs: number;
  /** Emulated network round trip on every connection, both ways; 0 = loopback as it is. */
  rttMs: number;
  /** Offer HTTP/2 by ALPN (as OpenAI does); false: HTTP/1.1 only. */
  h2: boolean;
}

/** orphaned: its control socket dropped without a hang-up (the server died); the call goes on, waiting for an instance to take it over. */
type Phase = 'ringing' | 'accepted' | 'live' | 'transferring' | 'orphaned' | 'ended';

interface BenchCall {
  id: string;
  phase: Phase;
  sentAt: number;
  acceptAt: number | null;
  accepts: number;
  webhook: { status: number; answeredAt: number } | null;
  ws: WebSocket | null;
  /** Caller hangs up this long after the control socket opened; null = stays until told. */
  holdMs: number | null;
  events: boolean;
  seq: number;
  nextAt: number;
  liveIndex: number;
  transferSentAt: number | null;
  opened: boolean;
  closedByUs: boolean;
  onSettled: (() => void) | null;
  orphanedAt: number | null;
  takeovers: number;
}

export interface AnswerReport {
  calls: number;
  /** webhook sent → accept request arrived (server overhead, plus the emulated network when on). */
  acceptAfterWebhookMs: Summary;
  /** webhook sent → the webhook's 200 back (includes the accept's service delay). */
  webhookAnswerMs: Summary;
  failed: number;
  duplicateAccepts: number;
  controlSocketsOpened: number;
  /** First to last webhook written: how long the stand-in took to send them. */
  sendSpreadMs: number;
  failures: string[];
}

export interface WindowReport {
  windowMs: number;
  live: number;
  eventsSent: number;
  eventsPerSec: number;
  clientMessages: number;
  transfers: number;
  transferMs: Summary;
  /** The first REFER target_uri values in the window (up to 10). */
  referTargets: string[];
  callsPlaced: number;
  failures: string[];
  standIn: { cpuPercent: number; loopLagP99Ms: number };
}

export interface TakeoverReport {
  /** Calls whose control socket dropped without a hang-up, since the last reset. */
  orphaned: number;
  /** Of those, taken over: a new control socket opened for the call. */
  takenOver: number;
  /** Still waiting for an instance. */
  waiting: number;
  /** Control socket dropped → a new one open for the same call. */
  takeoverMs: Summary;
  /** Accept requests beyond the first, over every call the stand-in still knows. */
  duplicateAccepts: number;
  calls: number;
}

export interface ConnectionReport {
  /** HTTP/2 connections the server opened (REST only: control sockets are HTTP/1.1 upgrades). */
  restByProtocol: Record<string, number>;
  /** HTTP/1.1 TLS connections: control sockets, plus REST connections when HTTP/2 is off. */
  tlsHttp1?: number;
  restRequestsByProtocol: Record<string, number>;
  controlSockets: number;
}

const sipHeaders = (callId: string) => [
  { name: 'Via', value: `SIP/2.0/TLS 67.231.5.176:5061;branch=z9hG4bK-${callId.slice(4, 16)}` },
  { name: 'From', value: '"+19195551234" <sip:+19195551234@67.231.5.176;user=phone>;tag=gK0a1b2c3d' },
  { name: 'To', value: '<sip:+19195550000@sip.api.openai.com>' },
  { name: 'Call-ID', value: `${callId.slice(4)}@67.231.5.176` },
  { name: 'CSeq', value: '427891 INVITE' },
  { name: 'Contact', value: '<sip:+19195551234@67.231.5.176:5061;transport=tls>' },
  { name: 'Allow', value: 'INVITE,ACK,BYE,CANCEL,OPTIONS,INFO,REFER,NOTIFY,PRACK,UPDATE' },
  { name: 'Content-Type', value: 'application/sdp' },
];

const callPath = /^\/v1\/realtime\/calls\/([^/]+)\/(accept|reject|refer|hangup)$/;
const textFrame = { binary: false, compress: false, fin: true };

export class StandIn {
  private readonly opts: StandInOptions;
  private readonly calls = new Map<string, BenchCall>();
  private readonly live: BenchCall[] = [];
  private readonly frames = turnFrames();
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
  private netServer: NetServer | null = null;
  private senders: WebhookSender[] = [];
  private nextSender = 0;
  /** spread: each delivery to one instance in turn; all: the same delivery to every instance at once. */
  private delivery: 'spread' | 'all' = 'spread';
  /** A control socket that drops without a hang-up leaves the call up, for another instance to take over. */
  private takeover = false;
  private takeoverSamples: number[] = [];
  private orphanedCount = 0;
  private webhookUrl: URL | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private eventIntervalMs = 100;
  private transferTimer: NodeJS.Timeout | null = null;
  private target = 0;
  private placing = 0;
  private rampPerSec = 200;
  private placer: NodeJS.Timeout | null = null;
  private readonly sessions = new Set<Http2Session>();
  /** bench/tls-reference.ts sockets: they get the same event stream, outside every count. */
  private readonly refs = new Set<{ ws: WebSocket; seq: number; nextAt: number }>();
  private readonly loop = monitorEventLoopDelay({ resolution: 10 });
  // window counters
  private windowFrom = performance.now();
  private cpuFrom = process.cpuUsage();
  private eventsSent = 0;
  private clientMessages = 0;
  private transferSamples: number[] = [];
  private referTargets: string[] = [];
  private callsPlaced = 0;
  private failures: string[] = [];
  private readonly connections: ConnectionReport = { restByProtocol: {}, restRequestsByProtocol: {}, controlSockets: 0 };
  baseURL = '';

  constructor(opts: StandInOptions) {
    this.opts = opts;
    this.loop.enable();
  }

  async start(): Promise<string> {
    const h1 = createHttp1Server({ keepAliveTimeout: 120_000 }, (req, res) => this.onRequest(req, res, 'http/1.1'));
    h1.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head));
    const h2 = createHttp2Server({ settings: { maxConcurrentStreams: 256 } }, (req, res) => this.onRequest(req, res, 'h2'));
    h2.on('session', (s: Http2Session) => {
      this.sessions.add(s);
      s.on('close', () => this.sessions.delete(s));
    });
    const tls = createTlsServer({
      key: this.opts.key,
      cert: this.opts.cert,
      ALPNProtocols: this.opts.h2 ? ['h2', 'http/1.1'] : ['http/1.1'],
    });
    tls.on('secureConnection', (socket: TLSSocket) => {
      const protocol = socket.alpnProtocol || 'none';
      if (protocol === 'h2') {
        this.connections.restByProtocol.h2 = (this.connections.restByProtocol.h2 ?? 0) + 1;
        h2.emit('connection', socket);
      } else {
        // REST connections and control sockets both arrive here; the counts split them later.
        this.connections.tlsHttp1 = (this.connections.tlsHttp1 ?? 0) + 1;
        h1.emit('connection', socket);
      }
    });
    tls.on('tlsClientError', () => {});
    const rttMs = this.opts.rttMs;
    this.netServer = createNetServer({ noDelay: true }, (raw) => {
      raw.on('error', () => {});
      tls.emit('connection', rttMs > 0 ? delayedLink(raw, { rttMs, handshake: true }) : raw);
    });
    await new Promise<void>((resolve) => this.netServer!.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
    const { port } = this.netServer.address() as AddressInfo;
    this.baseURL = `https://127.0.0.1:${port}/v1`;
    return this.baseURL;
  }

  setWebhookUrl(url: string): void {
    this.setWebhookUrls([url]);
  }

  /** Several instances (one path): deliveries go to them in turn, or each to all of them (setDelivery). */
  setWebhookUrls(urls: string[]): void {
    for (const s of this.senders) s.close();
    this.webhookUrl = new URL(urls[0]!);
    this.senders = urls.map((u) => new WebhookSender(new URL(u), this.opts.rttMs));
  }

  setDelivery(mode: 'spread' | 'all'): void {
    this.delivery = mode;
  }

  setTakeover(on: boolean): void {
    this.takeover = on;
  }

  resetTakeovers(): void {
    this.takeoverSamples = [];
    this.orphanedCount = 0;
  }

  takeoverReport(): TakeoverReport {
    let waiting = 0;
    let duplicateAccepts = 0;
    for (const c of this.calls.values()) {
      if (c.phase === 'orphaned') waiting++;
      if (c.accepts > 1) duplicateAccepts += c.accepts - 1;
    }
    return {
      orphaned: this.orphanedCount,
      takenOver: this.takeoverSamples.length,
      waiting,
      takeoverMs: summarize(this.takeoverSamples),
      duplicateAccepts,
      calls: this.calls.size,
    };
  }

  /** Ids of the calls up now (live or waiting to be taken over). */
  liveCallIds(): string[] {
    return this.live.map((c) => c.id);
  }

  async warmWebhooks(connections: number): Promise<void> {
    await Promise.all(this.senders.map((s) => s.warm(connections)));
  }

  connectionReport(): ConnectionReport {
    return structuredClone(this.connections);
  }

  // --- scenario 1: answering ------------------------------------------------------------------

  async answerBurst(n: number, holdMs: number): Promise<AnswerReport> {
    const placed: BenchCall[] = [];
    const settled: Promise<void>[] = [];
    const bodies = Array.from({ length: n }, () => this.prepareWebhook());
    for (const b of bodies) {
      const { call, done } = this.sendPrepared(b, holdMs, false);
      placed.push(call);
      settled.push(done);
    }
    await Promise.all(settled);
    return this.answerReport(placed);
  }

  async answerSteady(ratePerSec: number, seconds: number, holdMs: number): Promise<AnswerReport> {
    const placed: BenchCall[] = [];
    const settled: Promise<void>[] = [];
    const total = Math.round(ratePerSec * seconds);
    const gapMs = 1000 / ratePerSec;
    const t0 = performance.now();
    let sent = 0;
    await new Promise<void>((resolve) => {
      const step = () => {
        const due = Math.min(total, Math.floor((performance.now() - t0) / gapMs) + 1);
        while (sent < due) {
          const { call, done } = this.sendPrepared(this.prepareWebhook(), holdMs, false);
          placed.push(call);
          settled.push(done);
          sent++;
        }
        if (sent >= total) return resolve();
        setTimeout(step, Math.max(0, t0 + sent * gapMs - performance.now()));
      };
      step();
    });
    await Promise.all(settled);
    return this.answerReport(placed);
  }

  private answerReport(placed: BenchCall[]): AnswerReport {
    const failures: string[] = [];
    let duplicates = 0;
    let opened = 0;
    const overhead: number[] = [];
    const answer: number[] = [];
    for (const c of placed) {
      if (c.accepts > 1) duplicates += c.accepts - 1;
      if (c.opened) opened++;
      if (c.acceptAt !== null) overhead.push(c.acceptAt - c.sentAt);
      if (c.webhook) answer.push(c.webhook.answeredAt - c.sentAt);
      if (c.webhook?.status !== 200) failures.push(`${c.id}: webhook answered ${c.webhook?.status ?? 'nothing'}`);
      else if (c.accepts !== 1) failures.push(`${c.id}: ${c.accepts} accepts`);
      else if (!c.opened) failures.push(`${c.id}: accepted, but no control socket within 15 s`);
    }
    return {
      calls: placed.length,
      acceptAfterWebhookMs: summarize(overhead),
      webhookAnswerMs: summarize(answer),
      failed: failures.length,
      duplicateAccepts: duplicates,
      controlSocketsOpened: opened,
      sendSpreadMs: Math.round((Math.max(...placed.map((c) => c.sentAt)) - Math.min(...placed.map((c) => c.sentAt))) * 100) / 100,
      failures: failures.slice(0, 10),
    };
  }

  // --- scenarios 2 and 3: live calls ------------------------------------------------------------

  /** Keeps `count` calls live (replacing the ones that end), placing at most rampPerSec new calls. Resolves once reached. */
  async holdLive(count: number, rampPerSec: number, eventsPerSec: number, timeoutMs?: number | null): Promise<number> {
    this.target = count;
    this.rampPerSec = rampPerSec;
    this.eventIntervalMs = 1000 / eventsPerSec;
    if (!this.ticker) this.ticker = setInterval(() => this.tick(), 5);
    if (!this.placer) this.placer = setInterval(() => this.topUp(), 10);
    // Fewer than before: the excess callers hang up.
    for (const c of this.live.slice(count)) this.callerHangup(c);
    const deadline = performance.now() + (timeoutMs ?? 120_000);
    while (this.live.length !== count && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return this.live.length;
  }

  /** Starts (perSec > 0) or stops transfer requests on random live calls. */
  transfers(perSec: number): void {
    if (this.transferTimer) clearInterval(this.transferTimer);
    this.transferTimer = null;
    if (perSec <= 0) return;
    this.transferTimer = setInterval(() => this.startTransfer(), 1000 / perSec);
  }

  /** Every caller hangs up, including calls still ringing once their socket opens. */
  async hangupAll(timeoutMs?: number | null): Promise<number> {
    this.transfers(0);
    this.target = 0;
    const deadline = performance.now() + (timeoutMs ?? 30_000);
    for (;;) {
      for (const c of [...this.live]) this.callerHangup(c);
      const left = [...this.calls.values()].filter((c) => c.phase !== 'ended').length;
      if (left === 0 || performance.now() > deadline) return left;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  resetWindow(): void {
    this.windowFrom = performance.now();
    this.cpuFrom = process.cpuUsage();
    this.loop.reset();
    this.eventsSent = 0;
    this.clientMessages = 0;
    this.transferSamples = [];
    this.referTargets = [];
    this.callsPlaced = 0;
    this.failures = [];
  }

  report(): WindowReport {
    const windowMs = performance.now() - this.windowFrom;
    const cpu = process.cpuUsage(this.cpuFrom);
    return {
      windowMs: Math.round(windowMs),
      live: this.live.length,
      eventsSent: this.eventsSent,
      eventsPerSec: Math.round((this.eventsSent / windowMs) * 1000),
      clientMessages: this.clientMessages,
      transfers: this.transferSamples.length,
      transferMs: summarize(this.transferSamples),
      referTargets: this.referTargets,
      callsPlaced: this.callsPlaced,
      failures: this.failures.slice(0, 10),
      standIn: {
        cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / windowMs) * 100),
        loopLagP99Ms: this.loop.count ? Math.max(0, Math.round((this.loop.percentile(99) / 1e6 - 10) * 100) / 100) : 0,
      },
    };
  }

  failureCount(): number {
    return this.failures.length;
  }

  async close(): Promise<void> {
    this.transfers(0);
    if (this.ticker) clearInterval(this.ticker);
    if (this.placer) clearInterval(this.placer);
    for (const c of this.calls.values()) c.ws?.terminate();
    for (const s of this.sessions) s.destroy();
    for (const s of this.senders) s.close();
    await new Promise<void>((resolve) => (this.netServer ? this.netServer.close(() => resolve()) : resolve()));
  }

  private topUp(): void {
    const pending = this.placing;
    let want = this.target - this.live.length - pending;
    const budget = Math.max(1, Math.round(this.rampPerSec / 100)); // per 10 ms
    want = Math.min(want, budget);
    for (let i = 0; i < want; i++) {
      this.placing++;
      const { call, done } = this.sendPrepared(this.prepareWebhook(), null, true);
      this.callsPlaced++;
      void done.then(() => {
        this.placing--;
        if (call.phase !== 'live' && call.phase !== 'ended') this.fail(`${call.id}: control socket did not open`);
      });
    }
  }

  private tick(): void {
    const now = performance.now();
    const gap = this.eventIntervalMs;
    const frames = this.frames;
    for (let i = 0; i < this.live.length; i++) {
      const c = this.live[i]!;
      if (!c.events || c.phase !== 'live') continue;
      if (c.nextAt < now - 1000) c.nextAt = now; // we fell behind: do not burst to catch up
      while (c.nextAt <= now) {
        c.ws!.send(frames[c.seq++ % frames.length]!, textFrame);
        c.nextAt += gap;
        this.eventsSent++;
      }
    }
    for (const r of this.refs) {
      if (r.nextAt < now - 1000) r.nextAt = now;
      while (r.nextAt <= now) {
        r.ws.send(frames[r.seq++ % frames.length]!, textFrame);
        r.nextAt += gap;
      }
    }
  }

  private startTransfer(): void {
    if (this.live.length === 0) return;
    for (let tries = 0; tries < 10; tries++) {
      const c = this.live[Math.floor(Math.random() * this.live.length)]!;
      if (c.phase !== 'live' || !c.ws) continue;
      c.phase = 'transferring';
      const toolCallId = `call_${randomBytes(8).toString('hex')}`;
      c.transferSentAt = performance.now();
      c.ws.send(JSON.stringify(transferCallEvent(toolCallId)));
      const sentAt = c.transferSentAt;
      setTimeout(() => {
        if (c.phase === 'transferring' && c.transferSentAt === sentAt) this.fail(`${c.id}: no REFER 5 s after the transfer function call`);
      }, 5_000).unref();
      return;
    }
  }

  private prepareWebhook(): { id: string; path: string; headers: Record<string, string>; body: string } {
    const id = `rtc_${randomBytes(16).toString('hex')}`;
    const webhookId = `wh_${randomBytes(12).toString('hex')}`;
    const at = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({
      object: 'event',
      id: `evt_${randomBytes(12).toString('hex')}`,
      type: 'realtime.call.incoming',
      created_at: at,
      data: { call_id: id, sip_headers: sipHeaders(id) },
    });
    return {
      id,
      path: this.webhookUrl!.pathname,
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)',
        'webhook-id': webhookId,
        'webhook-timestamp': String(at),
        'webhook-signature': signWebhook(this.opts.webhookSecret, webhookId, at, body),
      },
    };
  }

  /** Sends one webhook; `done` resolves when the call has settled (live, ended or failed). */
  private sendPrepared(
    w: ReturnType<StandIn['prepareWebhook']>,
    holdMs: number | null,
    events: boolean,
  ): { call: BenchCall; done: Promise<void> } {
    const call: BenchCall = {
      id: w.id,
      phase: 'ringing',
      sentAt: 0,
      acceptAt: null,
      accepts: 0,
      webhook: null,
      ws: null,
      holdMs,
      events,
      seq: 0,
      nextAt: 0,
      liveIndex: -1,
      transferSentAt: null,
      opened: false,
      closedByUs: false,
      onSettled: null,
      orphanedAt: null,
      takeovers: 0,
    };
    this.calls.set(call.id, call);
    let answered!: () => void;
    const webhookDone = new Promise<void>((resolve) => (answered = resolve));
    const socketDone = new Promise<void>((resolve) => {
      // A call that never gets its control socket still settles, as a failure.
      const timer = setTimeout(resolve, 15_000);
      call.onSettled = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    const senders = this.delivery === 'all' ? this.senders : [this.senders[this.nextSender++ % this.senders.length]!];
    // Every copy of one delivery must be answered 200; the call's answer time is the first one's.
    const sent = senders.map((sender) => sender.send(w.path, w.headers, w.body, (sentAt) => (call.sentAt = call.sentAt || sentAt)));
    Promise.all(sent)
      .then((all) => all.find((r) => r.status !== 200) ?? all.reduce((a, b) => (a.answeredAt <= b.answeredAt ? a : b)))
      .then(
        (r) => {
          call.webhook = { status: r.status, answeredAt: r.answeredAt };
          if (r.status !== 200) {
            this.fail(`${call.id}: webhook answered ${r.status} ${r.body.slice(0, 120)}`);
            this.end(call);
          }
          answered();
        },
        (err: Error) => {
          this.fail(`${call.id}: webhook failed: ${err.message}`);
          this.end(call);
          answered();
        },
      );
    const done = Promise.all([webhookDone, socketDone]).then(() => {});
    return { call, done };
  }

  private onRequest(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse, protocol: string): void {
    const arrivedAt = performance.now();
    this.connections.restRequestsByProtocol[protocol] = (this.connections.restRequestsByProtocol[protocol] ?? 0) + 1;
    const url = req.url ?? '';
    const m = callPath.exec(url);
    const reply = (status: number, body?: object) => {
      const text = body ? JSON.stringify(body) : '';
      // Both compat responses take (status, headers) and end(text).
      const r = res as ServerResponse;
      r.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      r.end(text);
    };
    if (!m) {
      req.resume();
      return reply(req.method === 'HEAD' ? 200 : 404, req.method === 'HEAD' ? undefined : { error: { message: 'not found' } });
    }
    if (req.headers.authorization !== `Bearer ${this.opts.apiKey}`) {
      req.resume();
      return reply(401, { error: { message: 'bad api key', type: 'invalid_request_error' } });
    }
    const [, callId = '', action] = m;
    const call = this.calls.get(callId);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (!call || call.phase === 'ended') return reply(404, { error: { message: 'call not found', type: 'invalid_request_error' } });
      if (action === 'accept') {
        call.accepts++;
        if (call.accepts === 1) call.acceptAt = arrivedAt;
        let ok = false;
        try {
          ok = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: string }).type === 'realtime';
        } catch {}
        if (!ok) {
          this.fail(`${callId}: accept body is not a realtime session`);
          return reply(400, { error: { message: 'bad accept body', type: 'invalid_request_error' } });
        }
        setTimeout(() => {
          if (call.phase === 'ringing') call.phase = 'accepted';
          reply(200);
        }, this.opts.serviceDelayMs);
        return;
      }
      if (action === 'refer') {
        if (call.transferSentAt !== null && call.phase === 'transferring') this.transferSamples.push(arrivedAt - call.transferSentAt);
        else this.fail(`${callId}: unexpected REFER`);
        let target: unknown;
        try {
          target = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { target_uri?: unknown }).target_uri;
        } catch {}
        if (typeof target !== 'string' || !target.startsWith('sip:')) this.fail(`${callId}: REFER without a sip: target_uri`);
        else if (this.referTargets.length < 10) this.referTargets.push(target);
        call.transferSentAt = null;
        setTimeout(() => {
          reply(200);
          // The caller leaves for the transfer target: OpenAI closes the control socket.
          this.callerHangup(call);
        }, this.opts.serviceDelayMs);
        return;
      }
      setTimeout(() => {
        reply(200);
        if (action === 'hangup' || action === 'reject') this.callerHangup(call);
      }, this.opts.serviceDelayMs);
    });
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'https://x');
    const callId = url.searchParams.get('call_id') ?? '';
    const call = this.calls.get(callId);
    const refuse = (status: number) => {
      socket.end(`HTTP/1.1 ${status} Refused\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
    };
    if (url.pathname !== '/v1/realtime') return refuse(404);
    if (req.headers.authorization !== `Bearer ${this.opts.apiKey}`) return refuse(401);
    if (callId.startsWith('ref_')) {
      // bench/tls-reference.ts: bare client sockets, fed the same events as calls.
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const ref = { ws, seq: 0, nextAt: performance.now() + Math.random() * this.eventIntervalMs };
        this.refs.add(ref);
        ws.on('error', () => {});
        ws.on('close', () => this.refs.delete(ref));
      });
      return;
    }
    // A call already up takes another control socket only when instances take calls over (OpenAI allows it).
    const open =
      call &&
      (call.phase === 'accepted' || call.phase === 'ringing' || (this.takeover && (call.phase === 'orphaned' || call.phase === 'live')));
    if (!call || !open) {
      if (call?.phase !== 'ended') this.fail(`${callId}: control socket for a call that is not accepted (${call?.phase ?? 'unknown'})`);
      return refuse(404);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onControlSocket(call, ws));
  }

  private onControlSocket(call: BenchCall, ws: WebSocket): void {
    this.connections.controlSockets++;
    const again = call.opened;
    call.ws = ws;
    call.opened = true;
    if (again) {
      // Taken over: the same call, a new instance's socket.
      if (call.orphanedAt !== null) this.takeoverSamples.push(performance.now() - call.orphanedAt);
      call.orphanedAt = null;
      call.takeovers++;
    }
    call.phase = 'live';
    call.nextAt = performance.now() + Math.random() * this.eventIntervalMs;
    if (call.liveIndex < 0) call.liveIndex = this.live.push(call) - 1;
    ws.on('message', () => void this.clientMessages++);
    ws.on('error', () => {});
    ws.on('close', () => {
      if (call.ws !== ws) return; // an earlier instance's socket, replaced
      if (!call.closedByUs && call.phase !== 'ended' && this.takeover) {
        call.phase = 'orphaned';
        call.orphanedAt = performance.now();
        call.ws = null;
        this.orphanedCount++;
        return;
      }
      if (!call.closedByUs && call.phase !== 'ended') this.fail(`${call.id}: the server closed the control socket`);
      this.end(call);
    });
    if (call.holdMs !== null && !again) setTimeout(() => this.callerHangup(call), call.holdMs);
    call.onSettled?.();
  }

  private callerHangup(call: BenchCall): void {
    if (call.phase === 'ended') return;
    call.closedByUs = true;
    if (call.ws) call.ws.close(1000, 'caller hung up');
    else this.end(call);
  }

  /** How many times each call up now was taken over (for the driver's checks). */
  takeoverCounts(): Record<string, number> {
    return Object.fromEntries(this.live.map((c) => [c.id, c.takeovers]));
  }

  private end(call: BenchCall): void {
    if (call.phase === 'ended') return;
    call.phase = 'ended';
    if (call.liveIndex >= 0) {
      const last = this.live.pop()!;
      if (last !== call) {
        this.live[call.liveIndex] = last;
        last.liveIndex = call.liveIndex;
      }
      call.liveIndex = -1;
    }
    call.ws = null;
    call.onSettled?.();
    // Keep finished calls only as long as a late duplicate could still show up.
    setTimeout(() => this.calls.delete(call.id), 60_000).unref();
  }

  private fail(message: string): void {
    this.failures.push(message);
  }
}
