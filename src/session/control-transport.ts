import type { RealtimeClientEvent, RealtimeServerEvent } from 'openai/resources/realtime/realtime';

export interface ControlCloseInfo {
  code: number;
  /** HTTP status when the server refused the WebSocket upgrade (404: the call is gone). */
  httpStatus?: number;
}

export interface ControlHandlers {
  onOpen(): void;
  onEvent(event: RealtimeServerEvent): void;
  onError(err: Error): void;
  onClose(info: ControlCloseInfo): void;
}

export interface ControlConnection {
  send(event: RealtimeClientEvent): void;
  close(): void;
}

/** Opens a call's control socket. Real: the SDK's OpenAIRealtimeWS; tests may use a fake. */
export interface ControlTransport {
  connect(callId: string, handlers: ControlHandlers): ControlConnection;
}
