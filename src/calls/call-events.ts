import type { RealtimeResponseUsage } from 'openai/resources/realtime/realtime';
import type { TranscriptionUsageReport } from '../cost/usage.ts';
import type { Surface } from '../openai/surface.ts';
import type { CallParties, SipHeader } from '../sip/index.ts';

export type Speaker = 'caller' | 'agent';
export type EndReason =
  | 'caller_hangup'
  | 'agent_hangup'
  | 'transferred'
  | 'operator_hangup'
  | 'control_lost'
  | 'drain_timeout'
  | 'gone'
  | 'idle_timeout'
  /** The instance that controlled the call died; after a restart the call was not there to re-attach. */
  | 'instance_lost'
  | 'max_duration'
  /** Not an end: the call went on at another instance (a hand-over). Never recorded; no call.ended. */
  | 'handed_over'
  /** GPT-Live: the session reached its duration limit (session.closed expired). */
  | 'session_expired'
  /** GPT-Live: a safety filter ended the session (session.closed content). */
  | 'content_filtered';

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

/** What happens on a call, in order. Records, live views and metrics subscribe to these. */
export type CallEvent =
  /** `late`: the accept's answer never came (deadline) or a retry was refused as not pending; the control socket showed the call was ours. */
  | {
      type: 'call.accepted';
      callId: string;
      parties: CallParties;
      sipHeaders: readonly SipHeader[];
      profile: string;
      /** The API that serves the call; callId is its id there (rtc_… or live_…). */
      surface?: Surface;
      /** GPT-Live: the call is stored and its recording is downloaded after it ends. */
      recording?: boolean;
      webhookReceivedAt: number;
      acceptedAt: number;
      answerMs: number;
      attempts: number;
      late?: boolean;
      /** The model and transcription model of the accept: what the call is priced by. */
      model?: string;
      transcriptionModel?: string | null;
    }
  | { type: 'call.rejected'; callId: string; parties: CallParties; sipHeaders: readonly SipHeader[]; statusCode: number; reason: string }
  | { type: 'call.missed'; callId: string; parties: CallParties; sipHeaders: readonly SipHeader[] }
  | { type: 'call.failed'; callId: string; parties: CallParties; sipHeaders: readonly SipHeader[]; message: string }
  | { type: 'control.connected'; callId: string; attempt: number }
  /** This process took over the control of a call already live (after a restart): no second greeting. */
  | { type: 'control.reattached'; callId: string }
  | { type: 'control.reconnecting'; callId: string; attempt: number; delayMs: number; code: number }
  | { type: 'greeting.requested'; callId: string }
  | {
      type: 'transcript';
      callId: string;
      speaker: Speaker;
      text: string;
      itemId: string;
      interrupted?: boolean;
      usage?: TranscriptionUsageReport;
    }
  /** An agent turn already reported was cut off by the caller (barge-in). */
  | { type: 'transcript.interrupted'; callId: string; itemId: string }
  /** A supervisor's instruction sent through the operator API. */
  | { type: 'operator.instructed'; callId: string; text: string }
  | { type: 'tool.called'; callId: string; toolCallId: string; name: string; arguments: string }
  | { type: 'tool.completed'; callId: string; toolCallId: string; name: string; output: unknown; durationMs: number; error?: string }
  | { type: 'transfer.requested'; callId: string; target: string }
  | { type: 'transfer.completed'; callId: string; target: string; ok: boolean; error?: string; durationMs: number }
  /** `realtime`: the response.done usage as the API reported it (what the call is priced by). On GPT-Live: the delegated model's tokens. */
  | { type: 'usage'; callId: string; usage: TokenUsage; realtime?: RealtimeResponseUsage }
  /** GPT-Live: cumulative audio seconds (session.usage.updated; a total, not an increment). */
  | { type: 'usage.audio'; callId: string; seconds: number }
  /** GPT-Live: keypad tones sent to the caller's side (operator action). */
  | { type: 'dtmf.sent'; callId: string; digits: string }
  | { type: 'dtmf'; callId: string; digits: string; action: string | null }
  | { type: 'error'; callId: string; message: string; code?: string }
  /** OpenAI sent an event without the fields we read (or not JSON): dropped, the call goes on. */
  | { type: 'server_event.invalid'; callId: string; eventType: string; problem: string; repeated?: boolean }
  | { type: 'call.ended'; callId: string; reason: EndReason; endedAt: number };

export type CallEventListener = (event: CallEvent) => void;

/** The events that end a call, each its own way: nothing follows them on the call's timeline. */
export const terminalEventTypes = [
  'call.ended',
  'call.rejected',
  'call.missed',
  'call.failed',
] as const satisfies readonly CallEvent['type'][];

export function isTerminalEvent(type: string): boolean {
  return (terminalEventTypes as readonly string[]).includes(type);
}
