// GPT-Live's control channel: the SDK's SidebandWS on /v1/live/sessions/{id}/attach, with
// the call's LiveTranslator between it and the session. Reconnecting stays the session's job
// (one policy for both surfaces), so the SDK's own reconnect is off.
import { createSecureContext } from 'node:tls';
import type OpenAI from 'openai';
import { SidebandWS } from 'openai/resources/live/sideband/ws';
import type { Clock } from '../time/clock.ts';
import type { ControlTransport } from './control-transport.ts';
import { LiveTranslator, type TranslatorOptions, type TranslatorOutput } from './live-translator.ts';

export interface LiveSidebandOptions {
  handshakeTimeoutMs?: number;
  /** Extra CA for a private endpoint, when NODE_EXTRA_CA_CERTS can't be used (tests). */
  ca?: string | Buffer;
  translator?: TranslatorOptions;
  clock?: Clock;
}

export function liveSidebandTransport(client: OpenAI, opts: LiveSidebandOptions = {}): ControlTransport {
  const plain = new URL(client.baseURL).protocol === 'http:';
  // One TLS context for every sideband (see openai-ws-transport.ts).
  const secureContext = plain ? undefined : createSecureContext(opts.ca ? { ca: opts.ca } : {});
  // A call keeps its translator across reconnects: open turns and pending requests survive a drop.
  const translators = new Map<string, LiveTranslator>();

  return {
    capabilities: { dtmfOut: true, audioClips: true },
    connect(sessionId, handlers) {
      let sb: SidebandWS | null = null;
      const out: TranslatorOutput = {
        event: (event) => handlers.onEvent(event),
        signal: (signal) => handlers.onSignal?.(signal),
        send: (event) => sb?.send(event),
        // The session logs, counts and records it, as it does a bad Realtime event.
        invalid: (type, problem) => handlers.onInvalidEvent?.(type, problem),
      };
      let translator = translators.get(sessionId);
      if (translator) translator.attach(out);
      else
        translators.set(
          sessionId,
          (translator = new LiveTranslator(out, { ...opts.translator, ...(opts.clock ? { clock: opts.clock } : {}) })),
        );
      const current = translator;

      sb = new SidebandWS(
        client,
        { session_id: sessionId },
        { reconnect: null, handshakeTimeout: opts.handshakeTimeoutMs ?? 10_000, ...(secureContext ? { secureContext } : {}) },
      );
      const ws = sb.socket.platformSocket;
      let httpStatus: number | undefined;
      ws.on('unexpected-response', (req, res) => {
        httpStatus = res.statusCode;
        res.resume();
        req.destroy();
      });
      ws.on('open', () => handlers.onOpen());
      sb.on('event', (event) => current.fromLive(event));
      // Always listened to: an unheard SDK error event becomes an unhandled rejection.
      sb.on('error', (err) => handlers.onError(err));
      ws.on('close', (code) => {
        const closeReason = current.closeReason;
        handlers.onClose({ code, ...(httpStatus !== undefined ? { httpStatus } : {}), ...(closeReason ? { closeReason } : {}) });
      });
      const socket = sb;
      return {
        send: (event) => current.toLive(event),
        close: () => {
          // The session calls this when the call is over: the translator goes with it.
          translators.delete(sessionId);
          current.dispose();
          if (ws.readyState === ws.CONNECTING) ws.terminate();
          else socket.close();
        },
        playAudio: (pcm, id) => current.playAudio(pcm, id),
        sendDtmf: (digit) => current.sendDtmf(digit),
      };
    },
  };
}
