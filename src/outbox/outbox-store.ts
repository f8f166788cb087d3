// What the outbox is made of and what it needs from a store. The records store
// implements it; the outbox does not know where the rows live.

export const callEventTypes = ['call.started', 'call.transferred', 'call.ended', 'call.analyzed'] as const;
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

export interface OutboxStats {
  pending: number;
  dead: number;
}

export interface OutboxStore {
  /** Leases up to `limit` due messages until `now + leaseMs`; per call, only the oldest pending one (events go out in order). */
  claimOutbox(opts: { now: Date; limit: number; leaseMs: number }): Promise<OutboxDelivery[]>;
  markDelivered(id: string, at: Date): Promise<void>;
  markRetry(id: string, opts: { attempts: number; nextAttemptAt: Date; error: string }): Promise<void>;
  markDead(id: string, opts: { attempts: number; error: string }): Promise<void>;
  /** Leases of messages this process holds but will not finish (shutdown): due again at once. */
  releaseLeases(ids: readonly string[]): Promise<void>;
  /** Every lease (a process that died holding them: one process per SQLite file, so at its start); returns how many. */
  releaseAllLeases(): Promise<number>;
  outboxStats(): Promise<OutboxStats>;
}
