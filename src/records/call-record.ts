import type { Speaker, TokenUsage } from '../calls/call-events.ts';
import type { CallCost, ResponsesTokens } from '../cost/call-cost.ts';
import type { CallUsageDetail } from '../cost/usage.ts';
import type { Surface } from '../openai/surface.ts';
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
  /** Why: the transfer_call tool's reason, `keypad` for a key press; absent for an operator's transfer. */
  reason?: string | null;
  /** The named destination, when the agent has named transfers. */
  destination?: string | null;
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

export const analysisStatuses = ['pending', 'done', 'failed'] as const;
export type AnalysisStatus = (typeof analysisStatuses)[number];

/** The post-call analysis: one Responses API request over the transcript, after the call. */
export interface CallAnalysis {
  status: AnalysisStatus;
  model: string;
  /** Requests made so far (a failed one is retried with backoff). */
  attempts: number;
  summary: string | null;
  /** The success criteria's verdict; null when the agent sets none. */
  success: boolean | null;
  /** The values extracted with the agent's `fields` schema. */
  fields: Record<string, unknown> | null;
  tokens: ResponsesTokens | null;
  costUsd: number | null;
  /** The last failure, kept after a later success too. */
  error: string | null;
  requestedAt: string;
  completedAt: string | null;
  /** When the next attempt is due (pending only). */
  nextAttemptAt: string | null;
}

/** One call as stored. Times are ISO 8601 (UTC); `startedAt` is when the webhook arrived. */
export interface CallRecord {
  callId: string;
  caller: string | null;
  dialed: string | null;
  sipCallId: string | null;
  sipHeaders: SipHeader[];
  profile: string | null;
  /** The API that served the call (callId is its id there: rtc_… or live_…). */
  surface: Surface;
  /** GPT-Live: the call was stored, so its recording is downloaded after it ends. */
  recording: boolean;
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
  // Optional so that hand-built records may leave them out; the store always fills them in.
  /** The realtime (or GPT-Live) model the call was accepted with. */
  model?: string | null;
  transcriptionModel?: string | null;
  /** Usage in the units it is billed in. */
  usageDetail?: CallUsageDetail;
  /** In dollars, from the price table: set when the call ends, the analysis added when it is done. */
  cost?: CallCost | null;
  analysis?: CallAnalysis | null;
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
  /** The analysis' success verdict. */
  success?: boolean;
  analysis?: AnalysisStatus;
  /** Extracted fields by path (`resolved`, `customer.name`): the value as JSON, or as text. */
  fields?: readonly FieldFilter[];
  limit: number;
  cursor?: string;
}

export interface FieldFilter {
  /** Property names from the root of `fields`. */
  path: readonly string[];
  /** What was written in the query; it matches the JSON value it parses to or that text as a string. */
  value: string;
}

export interface CallPage {
  calls: CallRecord[];
  nextCursor: string | null;
}
