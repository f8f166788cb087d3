// GET /v1/realtime?call_id=… : the control WebSocket of an accepted Realtime call, and
// GET /v1/live/sessions/{session_id}/attach : the sideband of an accepted Live session.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { checkBearer } from './auth.ts';
import type { Surface } from './call-record.ts';
import type { LiveCall } from './call-state.ts';
import { handleClientMessage } from './client-events.ts';
import { type ApiFailure, apiFailure, callNotFound, invalidUrl, missingParameter, unknownParameter } from './errors.ts';
import { handleLiveClientMessage } from './live-client-events.ts';
import { sessionNotFound } from './live-rest-routes.ts';
import { sessionStarted } from './live-server-events.ts';
import type { EmulatorLogger } from './logger.ts';
import { otherSurface } from './rest-routes.ts';
import { sessionCreated } from './server-events.ts';

export interface ControlSocketDeps {
  apiKey: string;
  calls: ReadonlyMap<string, LiveCall>;
  logger: EmulatorLogger;
  playbackMs: number;
}

const reasons: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found' };

function refuseUpgrade(socket: Duplex, failure: ApiFailure): void {
  const body = JSON.stringify(failure.body);
  socket.end(
    `HTTP/1.1 ${failure.status} ${reasons[failure.status] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

type Admission = { failure: ApiFailure; call?: LiveCall } | { call: LiveCall; surface: Surface };

const sidebandPath = /^\/v1\/live\/sessions\/([^/]+)\/attach$/;

/** Why this upgrade is refused, or the call it attaches to. */
function admit(req: IncomingMessage, deps: ControlSocketDeps): Admission {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const sideband = sidebandPath.exec(url.pathname);
  if (sideband) return admitSideband(url, decodeURIComponent(sideband[1] ?? ''), req, deps);
  if (url.pathname !== '/v1/realtime') return { failure: invalidUrl('GET', url.pathname) };
  const authFailure = checkBearer(req.headers.authorization, deps.apiKey);
  if (authFailure) return { failure: authFailure };
  const callId = url.searchParams.get('call_id');
  if (!callId) {
    if (url.searchParams.has('model') || url.searchParams.has('intent')) {
      return {
        failure: apiFailure(400, 'The emulator serves SIP call control only: connect with ?call_id=rtc_….', {
          param: 'call_id',
          code: 'unsupported',
        }),
      };
    }
    return { failure: missingParameter('call_id') };
  }
  const found = deps.calls.get(callId);
  const call = found?.id === callId ? found : undefined;
  if (!call || call.record.state === 'ended') return { failure: callNotFound(callId), ...(call ? { call } : {}) };
  if (call.record.state === 'pending') {
    return {
      call,
      failure: apiFailure(400, `Call '${callId}' has not been accepted yet.`, { param: 'call_id', code: 'call_not_accepted' }),
    };
  }
  const mismatch = otherSurface(call, 'realtime');
  if (mismatch) return { call, failure: mismatch };
  return { call, surface: 'realtime' };
}

/** The sideband: the SDK's SidebandWS connects here, with graceful_close as its only query parameter. */
function admitSideband(url: URL, sessionId: string, req: IncomingMessage, deps: ControlSocketDeps): Admission {
  const authFailure = checkBearer(req.headers.authorization, deps.apiKey);
  if (authFailure) return { failure: authFailure };
  for (const [key, value] of url.searchParams) {
    if (key !== 'graceful_close') return { failure: unknownParameter(key) };
    if (value !== 'true' && value !== 'false') {
      return {
        failure: apiFailure(400, `Invalid value for 'graceful_close': expected true or false.`, { param: key, code: 'invalid_value' }),
      };
    }
  }
  const found = deps.calls.get(sessionId);
  const call = found?.record.liveSessionId === sessionId ? found : undefined;
  if (!call || call.record.state === 'ended') return { failure: sessionNotFound(sessionId), ...(call ? { call } : {}) };
  if (call.record.state === 'pending') {
    return {
      call,
      failure: apiFailure(400, `Session '${sessionId}' has not been accepted yet.`, { param: 'session_id', code: 'session_not_started' }),
    };
  }
  const mismatch = otherSurface(call, 'live');
  if (mismatch) return { call, failure: mismatch };
  return { call, surface: 'live' };
}

/** Serves the control socket on `server`'s upgrade event; returns a closer. */
export function attachControlSocket(server: Server, deps: ControlSocketDeps): { close(): void } {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  const onConnection = (ws: WebSocket, call: LiveCall, surface: Surface): void => {
    const connection = call.addSocket(ws);
    deps.logger.info({ callId: call.id, surface, connection: connection.index }, 'control socket connected');
    const ctx = { call, ws, connection: connection.index, playbackMs: deps.playbackMs };
    ws.on('error', (err) => deps.logger.warn({ callId: call.id, err: err.message }, 'control socket error'));
    if (surface === 'live') {
      ws.on('message', (data, isBinary) => handleLiveClientMessage(ctx, data, isBinary));
      // What a sideband gets first on attach is unverified: the session as it stands.
      if (call.record.liveSession) call.sendLiveTo(ws, sessionStarted(call.record.liveSession));
    } else {
      ws.on('message', (data, isBinary) => handleClientMessage(ctx, data, isBinary));
      if (call.record.session) call.sendTo(ws, sessionCreated(call.record.session));
    }
    call.changed();
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const admitted = admit(req, deps);
    if ('failure' in admitted) {
      deps.logger.info({ status: admitted.failure.status, code: admitted.failure.body.error.code }, 'control socket refused');
      admitted.call?.note('socket', `connection refused → ${admitted.failure.status} ${admitted.failure.body.error.code ?? ''}`.trim());
      refuseUpgrade(socket, admitted.failure);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, admitted.call, admitted.surface));
  };

  server.on('upgrade', onUpgrade);
  return {
    close() {
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
