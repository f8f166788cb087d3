import type { Speaker, TokenUsage } from '../calls/call-events.ts';
import type { SipHeader } from '../sip/index.ts';

export const outcomes = ['in_progress', 'completed', 'transferred', 'rejected', 'failed', 'missed'] as const;
export type Outcome = (typeof outcomes)[number];

export interface TransferRecord {
  /** The REFER target (`sip:…`); empty when none could be built. */
  target: string;
  /** referred: OpenAI took the REFER and handed it to the carrier (not proof that someone answered). */
  status: 'requested' | 'referred' | 'failed';
  error: string | null;
  durationMs: number | null;
  at: string;
}

export interface ToolCallRecord {
  toolCallId: string;
  name: string;
  arguments: string;
  output: unknown;
  error: string | null;
  durationMs: number | null;
  at: string;
}

export interface CallError {
  at: string;
  message: string;
  code: string | null;
}

/** One call as stored. Times are ISO 8601 (UTC); `startedAt` is when the webhook arrived. */
export interface CallRecord {
  callId: string;
  caller: string | null;
  dialed: string | null;
  sipCallId: string | null;
  sipHeaders: SipHeader[];
  profile: string | null;
  outcome: Outcome;
  /** Why it ended: an EndReason, the reject reason, or the accept failure. */
  endReason: string | null;
  startedAt: string;
  acceptedAt: string | null;
  connectedAt: string | null;
  endedAt: string | null;
  answerMs: number | null;
  transfer: TransferRecord | null;
  usage: TokenUsage;
  tools: ToolCallRecord[];
  errors: CallError[];
  reconnects: number;
  updatedAt: string;
  /** The instance that controls (or last controlled) the call; null before it was accepted. */
  owner: string | null;
}

export interface TranscriptTurn {
  seq: number;
  speaker: Speaker;
  text: string;
  at: string;
  itemId: string | null;
  /** The caller cut this agent turn off (barge-in): the text is what the model generated, not all of it was heard. */
  interrupted: boolean;
}

/** One CallEvent as it happened, without its callId. */
export interface TimelineEntry {
  seq: number;
  at: string;
  type: string;
  data: Record<string, unknown>;
}

export interface CallDetail extends CallRecord {
  transcript: TranscriptTurn[];
  timeline: TimelineEntry[];
}

export interface CallQuery {
  caller?: string;
  dialed?: string;
  outcome?: Outcome;
  /** Inclusive lower bound on startedAt (ISO). */
  from?: string;
  /** Exclusive upper bound on startedAt (ISO). */
  to?: string;
  /** Case-insensitive substring of any transcript turn. */
  text?: string;
  limit: number;
  cursor?: string;
}

export interface CallPage {
  calls: CallRecord[];
  nextCursor: string | null;
}
