import type { CallCost } from '../cost/call-cost.ts';
import type { CallUsageDetail } from '../cost/usage.ts';
import type { OutboxMessage, OutboxStore } from '../outbox/outbox-store.ts';
import type { CallStats, StatsQuery } from '../stats/call-stats.ts';
import type { CallAnalysis, CallDetail, CallPage, CallQuery, CallRecord, TimelineEntry, TranscriptTurn } from './call-record.ts';

/** Everything one flush writes, in one transaction. Every part is idempotent (upserts), so a retried batch is harmless. */
export interface StoreBatch {
  calls: CallRecord[];
  /** Calls whose row is stored and whose running totals alone changed: a narrow update, not the whole row. */
  progress: CallProgress[];
  turns: { callId: string; turn: TranscriptTurn }[];
  events: { callId: string; entry: TimelineEntry }[];
  outbox: OutboxMessage[];
}

/**
 * A live call's running totals. A turn changes only these; rewriting the whole row for it (every
 * column, its JSON, every index entry) was most of what each live call cost the store a second.
 */
export interface CallProgress {
  callId: string;
  usage: CallRecord['usage'];
  usageDetail: CallUsageDetail;
  updatedAt: string;
}

/** One analysis attempt's outcome, written in one transaction with its webhook. */
export interface AnalysisSave {
  analysis: CallAnalysis;
  /** The call's cost with the analysis in it; left out: unchanged. */
  cost?: CallCost | null;
  outbox?: OutboxMessage;
}

/** Call records, transcripts and the call-event outbox. SQLite and PostgreSQL implement it; one contract test covers both. */
export interface Store extends OutboxStore {
  readonly kind: 'sqlite' | 'postgres';
  writeBatch(batch: StoreBatch): Promise<void>;
  getCall(callId: string): Promise<CallDetail | null>;
  listCalls(query: CallQuery): Promise<CallPage>;
  /** Calls still `in_progress` in the store, whole: all of them, or those one instance controlled. */
  inProgressCalls(opts?: { owner?: string }): Promise<CallDetail[]>;
  /** Deletes calls (with their transcripts and timelines) that started before `before`, and settled outbox rows created before it. */
  purge(before: Date): Promise<{ calls: number; outbox: number }>;

  /** Leases up to `limit` calls whose analysis is due until `now + leaseMs`; returns their ids. */
  claimAnalyses(opts: { now: Date; limit: number; leaseMs: number }): Promise<string[]>;
  /** Records an analysis attempt (done, retry or failed) and releases its lease. */
  saveAnalysis(callId: string, save: AnalysisSave): Promise<void>;

  /** The overview's figures for calls that started in a range. */
  stats(query: StatsQuery): Promise<CallStats>;

  close(): Promise<void>;
}

export function emptyBatch(): StoreBatch {
  return { calls: [], progress: [], turns: [], events: [], outbox: [] };
}

export function batchSize(batch: StoreBatch): number {
  return batch.calls.length + batch.progress.length + batch.turns.length + batch.events.length + batch.outbox.length;
}
