import type OpenAI from 'openai';
import type { CallAcceptParams } from 'openai/resources/realtime/calls';

/** The REST side of a call. The Realtime implementation sits here; a GPT-Live one could sit beside it. */
export interface CallControl {
  accept(callId: string, params: CallAcceptParams, signal?: AbortSignal): Promise<void>;
  reject(callId: string, statusCode: number): Promise<void>;
  /** The signal aborts a REFER that takes too long (REFER_TIMEOUT_MS). */
  refer(callId: string, targetUri: string, signal?: AbortSignal): Promise<void>;
  hangup(callId: string): Promise<void>;
}

/** `timeoutMs` bounds reject, refer and hangup (the accept has its own deadline): a request OpenAI never answers fails. */
export function realtimeCallControl(client: OpenAI, opts: { timeoutMs?: number } = {}): CallControl {
  const calls = client.realtime.calls;
  const timeout = opts.timeoutMs ?? 5_000;
  return {
    async accept(callId, params, signal) {
      await calls.accept(callId, params, signal ? { signal } : undefined);
    },
    async reject(callId, statusCode) {
      await calls.reject(callId, { status_code: statusCode }, { timeout });
    },
    async refer(callId, targetUri, signal) {
      await calls.refer(callId, { target_uri: targetUri }, { timeout, ...(signal ? { signal } : {}) });
    },
    async hangup(callId) {
      await calls.hangup(callId, { timeout });
    },
  };
}
