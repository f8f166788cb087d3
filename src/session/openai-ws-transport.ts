import { connect as netConnect } from 'node:net';
import { createSecureContext } from 'node:tls';
import type OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import type { ClientOptions } from 'ws';
import type { ControlTransport } from './control-transport.ts';

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

/**
 * The SDK's OpenAIRealtimeWS always builds a wss: URL. For an http: base URL
 * (the emulator's plain mode) we hand ws a plain TCP connection, so the scheme
 * follows the base URL (http → ws, https → wss) while the SDK still owns the
 * URL, auth headers and event parsing.
 */
export function openaiWsTransport(client: OpenAI, opts: OpenAIWsTransportOptions = {}): ControlTransport {
  const base = new URL(client.baseURL);
  const plain = base.protocol === 'http:';
  const host = base.hostname.replace(/^\[|\]$/g, '');
  const port = Number(base.port || (plain ? 80 : 443));
  // One TLS context for every control socket: without it each connect builds its own
  // (an OpenSSL SSL_CTX with the trust store), costing CPU and memory per live call.
  const secureContext = plain ? undefined : createSecureContext(opts.ca ? { ca: opts.ca } : {});
  const options: ClientOptions = {
    handshakeTimeout: opts.handshakeTimeoutMs ?? 10_000,
    ...(plain ? { createConnection: () => netConnect({ host, port }) } : { secureContext }),
  };
  return {
    connect(callId, handlers) {
      const rt = new OpenAIRealtimeWS({ callID: callId, options }, client);
      let httpStatus: number | undefined;
      rt.socket.on('unexpected-response', (_req, res) => {
        httpStatus = res.statusCode;
        res.resume();
        // terminate(), not req.destroy(): only it makes ws emit 'close', so the session learns the call is gone.
        rt.socket.terminate();
      });
      const pingMs = opts.pingIntervalMs ?? 15_000;
      let awaitingPong = false;
      let pinger: NodeJS.Timeout | undefined;
      rt.socket.on('pong', () => (awaitingPong = false));
      rt.socket.on('open', () => {
        pinger = setInterval(() => {
          if (awaitingPong) return rt.socket.terminate();
          awaitingPong = true;
          rt.socket.ping();
        }, pingMs).unref();
        handlers.onOpen();
      });
      rt.on('event', (event) => handlers.onEvent(event));
      rt.on('error', (err) => {
        // The SDK reports a frame it could not parse as an error without a server error body.
        if (err.error === undefined && err.message.startsWith('could not parse websocket event')) {
          handlers.onInvalidFrame?.((err.cause as Error | undefined)?.message ?? err.message);
        } else handlers.onError(err);
      });
      rt.socket.on('close', (code) => {
        clearInterval(pinger);
        handlers.onClose(httpStatus === undefined ? { code } : { code, httpStatus });
      });
      return {
        send: (event) => rt.send(event),
        close: () => {
          if (rt.socket.readyState === rt.socket.CONNECTING) rt.socket.terminate();
          else rt.close();
        },
      };
    },
  };
}
