import type { RealtimeClientEvent, RealtimeServerEvent } from 'openai/resources/realtime/realtime';

export interface ControlCloseInfo {
  code: number;
  /** HTTP status when the server refused the WebSocket upgrade (404: the call is gone). */
  httpStatus?: number;
}

export interface ControlHandlers {
  onOpen(): void;
  /** A parsed event, not yet checked: the session checks the fields it reads. */
  onEvent(event: RealtimeServerEvent): void;
  /** A frame that is not a JSON event at all (dropped). */
  onInvalidFrame?(problem: string): void;
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
