import { isIP } from 'node:net';
import {
  createSecureContext,
  type SecureContext,
  type TLSSocket,
  type ConnectionOptions as TlsOptions,
  connect as tlsConnect,
} from 'node:tls';
import type OpenAI from 'openai';
import { buildRealtimeURL } from 'openai/realtime/internal-base';
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import WebSocket, { type ClientOptions, type RawData } from 'ws';
import type { ControlConnection, ControlHandlers, ControlTransport } from './control-transport.ts';
import { EventTypeFilter } from './event-type-filter.ts';

export interface OpenAIWsTransportOptions {
  handshakeTimeoutMs?: number;
  /**
   * A ping this often; a socket whose last ping got no pong by the next one is cut (1006), so a
   * path that went silent (no reset, no FIN) is noticed and the session reconnects. Default 15 s.
   */
  pingIntervalMs?: number;
  /** Extra CA for a private endpoint, when NODE_EXTRA_CA_CERTS can't be used (tests). */
  ca?: string | Buffer;
}

const notJson = 'Could not parse Realtime WebSocket event data as JSON.';
const notAnEvent = 'Realtime WebSocket event must be an object with a string type.';

/**
 * The Realtime control socket on `ws` directly. The SDK's OpenAIRealtimeWS costs more per event
 * than the session's own handling (a closure, two emits and a parse per frame); this one asks
 * the SDK for what the service must see (the URL and the handshake headers, per connect) and
 * keeps the SDK's socket options (no compression, no payload cap, no redirects), so neither the
 * service nor the emulator can tell them apart. Per frame: at most one JSON.parse, none for a
 * frame that cannot be an event type the session acts on (event-type-filter.ts).
 *
 * An http: base URL (the emulator's plain mode) dials ws:, an https: one wss:.
 */
export function openaiWsTransport(client: OpenAI, opts: OpenAIWsTransportOptions = {}): ControlTransport {
  const plain = new URL(client.baseURL).protocol === 'http:';
  const tls = plain ? null : new TlsSessions(opts.ca);
  const handshakeTimeout = opts.handshakeTimeoutMs ?? 10_000;
  const pingMs = opts.pingIntervalMs ?? 15_000;
  const filters = new Map<string, EventTypeFilter>();
  const filterFor = (types: ReadonlySet<string> | undefined): EventTypeFilter | null => {
    if (types === undefined) return null;
    const key = [...types].sort().join(' ');
    let filter = filters.get(key);
    if (!filter) filters.set(key, (filter = new EventTypeFilter(types)));
    return filter;
  };
  return {
    connect(callId, handlers) {
      const url = buildRealtimeURL(client, { callID: callId });
      if (plain) url.protocol = 'ws:';
      // What the SDK sends: the client's headers (User-Agent, organization, project, defaults) with the bearer key.
      const headers = lowerCaseNames(client._buildWebSocketHeaders({ Authorization: `Bearer ${client.apiKey}` }));
      const options: ClientOptions = {
        perMessageDeflate: false, // small JSON events: a zlib context per socket is memory for nothing
        maxPayload: 0,
        followRedirects: false,
        handshakeTimeout,
        headers,
        // ws calls it with its request options (host, port, servername…); its types say net's overloads.
        ...(tls ? { createConnection: tls.connect as unknown as ClientOptions['createConnection'] } : {}),
      };
      return new ControlSocket(new WebSocket(url, options), handlers, filterFor(handlers.eventTypes), pingMs);
    },
  };
}

function lowerCaseNames(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

/**
 * One TLS context and the latest session ticket for every control socket (they all go to one
 * host): a resumed session skips the certificate chain and identity checks a full handshake
 * costs. Only a ticket from a socket that verified the server is kept, and a full handshake is
 * verified as ever. TLS 1.3 tickets are meant for one use, so each new socket's ticket replaces
 * it; sockets opened together share the latest, and a server that refuses a reused ticket just
 * makes that socket do a full (verified) handshake.
 */
class TlsSessions {
  private readonly secureContext: SecureContext;
  private ticket: Buffer | undefined;
  /** A plain function, made once: the socket is `this`, so nothing is allocated per connect. */
  private readonly onSession: (this: TLSSocket, ticket: Buffer) => void;

  constructor(ca: string | Buffer | undefined) {
    // Without one shared context each connect builds its own (an OpenSSL SSL_CTX with the trust store).
    this.secureContext = createSecureContext(ca ? { ca } : {});
    const sessions = this;
    // Node emits 'session' only once the server's certificate is verified (TLS 1.2 hands the
    // session over earlier; Node holds it back); checking `authorized` too costs nothing.
    this.onSession = function (this: TLSSocket, ticket: Buffer) {
      if (this.authorized) sessions.ticket = ticket;
    };
  }

  /** ws's createConnection: what its own tlsConnect does, plus the shared context and the latest ticket. */
  readonly connect = (options: TlsOptions & { path?: string | undefined }): TLSSocket => {
    options.path = undefined; // ws passes the request path; tls.connect would take it for an IPC path
    if (!options.servername && options.servername !== '') options.servername = isIP(options.host ?? '') ? '' : options.host;
    options.secureContext = this.secureContext;
    if (this.ticket) options.session = this.ticket;
    const socket = tlsConnect(options);
    socket.on('session', this.onSession);
    return socket;
  };
}

/** One call's control socket: the ws events as the session's handlers, nothing allocated per frame beyond the event. */
class ControlSocket implements ControlConnection {
  private readonly ws: WebSocket;
  private readonly handlers: ControlHandlers;
  private readonly filter: EventTypeFilter | null;
  private readonly pingMs: number;
  private httpStatus: number | undefined;
  private awaitingPong = false;
  private pinger: NodeJS.Timeout | undefined;

  constructor(ws: WebSocket, handlers: ControlHandlers, filter: EventTypeFilter | null, pingMs: number) {
    this.ws = ws;
    this.handlers = handlers;
    this.filter = filter;
    this.pingMs = pingMs;
    ws.on('open', this.onOpen);
    ws.on('message', this.onMessage);
    ws.on('pong', this.onPong);
    ws.on('unexpected-response', this.onUnexpectedResponse);
    ws.on('error', this.onError);
    ws.on('close', this.onClose);
  }

  send(event: Parameters<ControlConnection['send']>[0]): void {
    try {
      this.ws.send(JSON.stringify(event));
    } catch (err) {
      this.handlers.onError(err as Error);
    }
  }

  close(): void {
    if (this.ws.readyState === WebSocket.CONNECTING) return this.ws.terminate();
    try {
      this.ws.close(1000, 'OK');
    } catch (err) {
      this.handlers.onError(err as Error);
    }
  }

  private readonly onOpen = () => {
    this.pinger = setInterval(this.ping, this.pingMs).unref();
    this.handlers.onOpen();
  };

  private readonly ping = () => {
    if (this.awaitingPong) return this.ws.terminate();
    this.awaitingPong = true;
    this.ws.ping();
  };

  private readonly onPong = () => {
    this.awaitingPong = false;
  };

  private readonly onMessage = (data: RawData) => {
    // ws hands one Buffer per message unless binaryType says otherwise (it does not here).
    const frame = data as Buffer;
    if (this.filter?.canSkip(frame)) return;
    let event: unknown;
    try {
      event = JSON.parse(frame.toString());
    } catch {
      return this.handlers.onInvalidFrame?.(notJson);
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event) || typeof (event as { type?: unknown }).type !== 'string') {
      return this.handlers.onInvalidFrame?.(notAnEvent);
    }
    this.handlers.onEvent(event as RealtimeServerEvent);
  };

  private readonly onUnexpectedResponse = (_req: unknown, res: { statusCode?: number; resume(): void }) => {
    this.httpStatus = res.statusCode;
    res.resume();
    // terminate(), not req.destroy(): only it makes ws emit 'close', so the session learns the call is gone.
    this.ws.terminate();
  };

  private readonly onError = (err: Error) => this.handlers.onError(err);

  private readonly onClose = (code: number) => {
    clearInterval(this.pinger);
    this.handlers.onClose(this.httpStatus === undefined ? { code } : { code, httpStatus: this.httpStatus });
  };
}
