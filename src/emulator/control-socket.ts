// GET /v1/realtime?call_id=… : the control WebSocket of an accepted call.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { checkBearer } from './auth.ts';
import type { LiveCall } from './call-state.ts';
import { handleClientMessage } from './client-events.ts';
import { apiFailure, callNotFound, invalidUrl, missingParameter, type ApiFailure } from './errors.ts';
import type { EmulatorLogger } from './logger.ts';
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

/** Why this upgrade is refused, or the call it attaches to. */
function admit(req: IncomingMessage, deps: ControlSocketDeps): { failure: ApiFailure } | { call: LiveCall } {
  const url = new URL(req.url ?? '/', 'http://emulator');
  if (url.pathname !== '/v1/realtime') return { failure: invalidUrl('GET', url.pathname) };
  const authFailure = checkBearer(req.headers.authorization, deps.apiKey);
  if (authFailure) return { failure: authFailure };
  const callId = url.searchParams.get('call_id');
  if (!callId) {
    if (url.searchParams.has('model') || url.searchParams.has('intent')) {
      return { failure: apiFailure(400, 'The emulator serves SIP call control only: connect with ?call_id=rtc_….', { param: 'call_id', code: 'unsupported' }) };
    }
    return { failure: missingParameter('call_id') };
  }
  const call = deps.calls.get(callId);
  if (!call || call.record.state === 'ended') return { failure: callNotFound(callId) };
  if (call.record.state === 'pending') {
    return { failure: apiFailure(400, `Call '${callId}' has not been accepted yet.`, { param: 'call_id', code: 'call_not_accepted' }) };
  }
  return { call };
}

/** Serves the control socket on `server`'s upgrade event; returns a closer. */
export function attachControlSocket(server: Server, deps: ControlSocketDeps): { close(): void } {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  const onConnection = (ws: WebSocket, call: LiveCall): void => {
    const connection = call.addSocket(ws);
    deps.logger.info({ callId: call.id, connection: connection.index }, 'control socket connected');
    ws.on('message', (data, isBinary) => handleClientMessage({ call, ws, connection: connection.index, playbackMs: deps.playbackMs }, data, isBinary));
    ws.on('error', (err) => deps.logger.warn({ callId: call.id, err: err.message }, 'control socket error'));
    if (call.record.session) call.sendTo(ws, sessionCreated(call.record.session));
    call.changed();
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const admitted = admit(req, deps);
    if ('failure' in admitted) {
      deps.logger.info({ status: admitted.failure.status, code: admitted.failure.body.error.code }, 'control socket refused');
      const callId = new URL(req.url ?? '/', 'http://emulator').searchParams.get('call_id');
      const call = callId ? deps.calls.get(callId) : undefined;
      call?.note('socket', `connection refused → ${admitted.failure.status} ${admitted.failure.body.error.code ?? ''}`.trim());
      refuseUpgrade(socket, admitted.failure);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, admitted.call));
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
