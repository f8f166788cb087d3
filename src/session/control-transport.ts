import type { SessionClosedEvent } from 'openai/resources/live/live';
import type { RealtimeClientEvent, RealtimeServerEvent } from 'openai/resources/realtime/realtime';

export interface ControlCloseInfo {
  code: number;
  /** HTTP status when the server refused the WebSocket upgrade (404: the call is gone). */
  httpStatus?: number;
  /** GPT-Live: why the session ended, from session.closed (Realtime sockets just close). */
  closeReason?: SessionClosedEvent['reason'];
}

/** What only GPT-Live reports: audio seconds, a clip played, a key sent (or refused). */
export type LiveSignal =
  | { type: 'usage'; seconds: number }
  | { type: 'audio.played'; id: string }
  | { type: 'audio.failed'; id: string; message: string }
  | { type: 'dtmf.sent'; digit: string }
  | { type: 'dtmf.failed'; digit: string; message: string };

export interface ControlHandlers {
  /**
   * The server event types the session acts on: a transport may drop a frame it can tell, without
   * parsing it, is none of them. Absent: every event is delivered.
   */
  readonly eventTypes?: ReadonlySet<string>;
  onOpen(): void;
  /** A parsed event, not yet checked: the session checks the fields it reads. The session's vocabulary is the Realtime events; a GPT-Live transport translates into it. */
  onEvent(event: RealtimeServerEvent): void;
  /** A frame that is not a JSON event at all (dropped). */
  onInvalidFrame?(problem: string): void;
  /** GPT-Live: an event without the fields the translation reads (dropped, counted like any invalid event). */
  onInvalidEvent?(eventType: string, problem: string): void;
  onError(err: Error): void;
  onClose(info: ControlCloseInfo): void;
  onSignal?(signal: LiveSignal): void;
}

export interface ControlConnection {
  send(event: RealtimeClientEvent): void;
  close(): void;
  /** GPT-Live: plays a clip (PCM16 24 kHz mono) into the call; `id` comes back in the signal. */
  playAudio?(pcm: Buffer, id: string): void;
  /** GPT-Live: sends one keypad key to the caller's side (the trunk). */
  sendDtmf?(digit: string): void;
}

/** What a surface can do beyond the events both share. */
export interface ControlCapabilities {
  /** Send keypad tones to the caller's side (GPT-Live). */
  dtmfOut: boolean;
  /** Play an audio clip, e.g. while a tool runs (GPT-Live). */
  audioClips: boolean;
}

/** Opens a call's control socket. Real: openai-ws-transport.ts (ws, the SDK's URL and headers) or the SDK's SidebandWS; tests may use a fake. */
export interface ControlTransport {
  connect(callId: string, handlers: ControlHandlers): ControlConnection;
  /** Absent: neither (Realtime). */
  readonly capabilities?: ControlCapabilities;
}
