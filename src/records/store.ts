import type { CallDetail, CallPage, CallQuery, CallRecord, TimelineEntry, TranscriptTurn } from './call-record.ts';

export const callEventTypes = ['call.started', 'call.transferred', 'call.ended'] as const;
export type CallEventType = (typeof callEventTypes)[number];

/** A call-event webhook waiting in the outbox. `id` is stable: every attempt is sent under it. */
export interface OutboxMessage {
  id: string;
  callId: string;
  type: CallEventType;
  /** The exact body sent (and signed) on every attempt. */
  payload: string;
  createdAt: string;
}

export interface OutboxDelivery extends OutboxMessage {
  /** Attempts made before this one. */
  attempts: number;
}

/** Everything one flush writes, in one transaction. Every part is idempotent (upserts), so a retried batch is harmless. */
export interface StoreBatch {
  calls: CallRecord[];
  turns: { callId: string; turn: TranscriptTurn }[];
  events: { callId: string; entry: TimelineEntry }[];
  outbox: OutboxMessage[];
}

export interface OutboxStats {
  pending: number;
  dead: number;
}

/** Call records, transcripts and the call-event outbox. SQLite and PostgreSQL implement it; one contract test covers both. */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  writeBatch(batch: StoreBatch): Promise<void>;
  getCall(callId: string): Promise<CallDetail | null>;
  listCalls(query: CallQuery): Promise<CallPage>;
  /** Deletes calls (with their transcripts and timelines) that started before `before`, and settled outbox rows created before it. */
  purge(before: Date): Promise<{ calls: number; outbox: number }>;

  /** Leases up to `limit` due messages until `now + leaseMs`; per call, only the oldest pending one (events go out in order). */
  claimOutbox(opts: { now: Date; limit: number; leaseMs: number }): Promise<OutboxDelivery[]>;
  markDelivered(id: string, at: Date): Promise<void>;
  markRetry(id: string, opts: { attempts: number; nextAttemptAt: Date; error: string }): Promise<void>;
  markDead(id: string, opts: { attempts: number; error: string }): Promise<void>;
  /** Leases of messages this process holds but will not finish (shutdown): due again at once. */
  releaseLeases(ids: readonly string[]): Promise<void>;
  outboxStats(): Promise<OutboxStats>;

  close(): Promise<void>;
}

export function emptyBatch(): StoreBatch {
  return { calls: [], turns: [], events: [], outbox: [] };
}

export function batchSize(batch: StoreBatch): number {
  return batch.calls.length + batch.turns.length + batch.events.length + batch.outbox.length;
}
