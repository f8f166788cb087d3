import { createHash } from 'node:crypto';
import type { CallEventType, OutboxMessage } from './outbox-store.ts';

/**
 * The Standard Webhooks payload shape: `{ type, timestamp, data }`. The id is
 * derived from the call, the type and its ordinal, so writing the same event
 * twice (a retried batch) can never make two messages.
 */
export function callEventMessage(
  type: CallEventType,
  callId: string,
  ordinal: number,
  occurredAt: string,
  data: Record<string, unknown>,
): OutboxMessage {
  const id = `msg_${createHash('sha256').update(`${callId}\n${type}\n${ordinal}`).digest('hex').slice(0, 32)}`;
  return { id, callId, type, createdAt: occurredAt, payload: JSON.stringify({ type, timestamp: occurredAt, data }) };
}
