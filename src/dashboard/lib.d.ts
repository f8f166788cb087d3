// Types of lib.js (plain JavaScript served to the browser as it is), for the tests.

export interface SseEvent {
  event: string;
  data: string;
  /** The last event id seen on the stream ('' when none). */
  id: string;
}

export interface SseParser {
  push(chunk: string): void;
  end(): void;
  readonly lastEventId: string;
  readonly retryMs: number | null;
}

export function createSseParser(onEvent: (event: SseEvent) => void): SseParser;

export function formatDuration(ms: number): string;

export function callDurationMs(record: { startedAt: string; acceptedAt?: string | null; endedAt?: string | null }, nowMs: number): number;

export const outcomes: readonly string[];
export function outcomeLabel(outcome: string): string;
export function humanize(code: string | null | undefined): string;

export interface CallFilters {
  caller?: string;
  dialed?: string;
  outcome?: string;
  from?: string;
  to?: string;
  q?: string;
}

export function callsQuery(filters: CallFilters, opts?: { cursor?: string | null; limit?: number }): string;
export function localDateTimeToIso(value: string): string;

export interface ApiErrorInfo {
  status: number;
  code: string | null;
  field: string | null;
  message: string;
}

export function describeApiError(status: number, body: unknown): ApiErrorInfo;
export function apiAvailability(status: number, body: unknown): 'on' | 'off' | 'absent' | 'unknown';

export interface TranscriptLine {
  seq: number;
  kind: 'turn' | 'note';
  speaker: string;
  text: string;
  itemId: string | null;
  interrupted: boolean;
}

export interface TimelineEntryLike {
  seq: number;
  type: string;
  at?: string;
  data: Record<string, unknown>;
}

export function applyToTranscript(turns: readonly TranscriptLine[], entry: TimelineEntryLike): TranscriptLine[];
export function callIdFromHash(hash: string): string | null;
export function hashForCall(callId: string): string;
export function prettyJson(value: unknown): string;
export interface DetailLine {
  at: string;
  kind: 'turn' | 'note';
  speaker: string;
  text: string;
  interrupted: boolean;
}

export function transcriptWithNotes(
  transcript: readonly { at: string; speaker: string; text: string; interrupted: boolean }[],
  timeline: readonly TimelineEntryLike[],
): DetailLine[];
export function timelineSummary(entry: TimelineEntryLike): string;
