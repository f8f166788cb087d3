import type { RealtimeFunctionTool } from 'openai/resources/realtime/realtime';
import type { CallEvent, EndReason } from '../calls/call-events.ts';
import type { WireErrorCode } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { CallRest } from '../openai/call-control.ts';
import type { CallParties } from '../sip/index.ts';
import type { Clock } from '../time/clock.ts';

/** What a tool may do to the live call. */
export interface CallActions {
  /** Asks the model to speak; resolves when that audio has finished playing, or after capMs. */
  say(instructions: string, capMs: number): Promise<void>;
  hangup(reason: EndReason): Promise<void>;
  /**
   * GPT-Live only: plays a clip (PCM16 24 kHz mono) into the call, cutting the model off;
   * resolves when it has played, or after capMs. Absent where the surface cannot play audio.
   */
  playAudio?(pcm: Buffer, capMs: number): Promise<void>;
  /** Marks the call as handed to the carrier, so the socket closing next is not a drop. */
  markTransferred(): void;
  emit(event: CallEvent): void;
}

export interface ToolContext {
  callId: string;
  /** The model's id for this function call (the same on a redelivery). */
  toolCallId?: string;
  parties: CallParties;
  control: CallRest;
  call: CallActions;
  log: Logger;
  /** The call's clock (durations, deadlines); default the system clock. */
  clock?: Clock;
}

export type ToolFollowUp =
  | { kind: 'respond' } // let the model answer from the output
  | { kind: 'instruct'; instructions: string } // tell the model what to say next
  | { kind: 'silent' }; // say nothing (the call is leaving)

export interface ToolResult {
  output: Record<string, unknown>;
  followUp: ToolFollowUp;
  /** Runs after the output reached the model (e.g. hang up once the goodbye played). */
  after?: () => Promise<void>;
}

export interface Tool {
  definition: RealtimeFunctionTool & { name: string };
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult>;
}

export function toolError(code: WireErrorCode, message: string, instructions: string, extra: Record<string, unknown> = {}): ToolResult {
  return { output: { ok: false, error: code, message, ...extra }, followUp: { kind: 'instruct', instructions } };
}
