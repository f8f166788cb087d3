// Per-profile behaviour that rides on a call's control session (keypad input, idle
// handling, a maximum duration) without the session knowing about profiles.
import type { RealtimeClientEvent, RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import type { CallEvent } from '../calls/call-events.ts';
import type { Clock } from '../time/clock.ts';
import type { ToolContext } from '../tools/tool.ts';
import type { ResponseGate } from './response-gate.ts';

export interface ExtensionContext extends ToolContext {
  /** Sends a client event now, or once the socket is back. */
  send(event: RealtimeClientEvent): void;
  /** The call's one response gate: every response.create goes through it. */
  responses: ResponseGate;
  /** The session's clock: timers and wall time. */
  clock: Clock;
}

export interface SessionExtension {
  /** The control socket opened for the first time; the greeting has been requested. */
  onStart?(): void;
  /**
   * The server event types onServerEvent reads. Others may be dropped before they are parsed;
   * without this list every event is parsed and delivered (for every call of the profile).
   */
  readonly serverEventTypes?: readonly RealtimeServerEvent['type'][];
  onServerEvent?(event: RealtimeServerEvent): void;
  onCallEvent?(event: CallEvent): void;
  /** The call ended: release timers. */
  onEnd?(): void;
}

export type SessionExtensionFactory = (ctx: ExtensionContext) => SessionExtension;
