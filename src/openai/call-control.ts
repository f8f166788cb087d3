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

/** A 2xx answer's body says nothing we use: cancel it instead of reading it (an error still throws, with its message). */
async function discardBody(answer: Promise<Response>): Promise<void> {
  const res = await answer;
  await res.body?.cancel().catch(() => undefined);
}

/** `timeoutMs` bounds reject, refer and hangup (the accept has its own deadline): a request OpenAI never answers fails. */
export function realtimeCallControl(client: OpenAI, opts: { timeoutMs?: number } = {}): CallControl {
  const calls = client.realtime.calls;
  const timeout = opts.timeoutMs ?? 5_000;
  return {
    async accept(callId, params, signal) {
      await discardBody(calls.accept(callId, params, signal ? { signal } : undefined).asResponse());
    },
    async reject(callId, statusCode) {
      await discardBody(calls.reject(callId, { status_code: statusCode }, { timeout }).asResponse());
    },
    async refer(callId, targetUri, signal) {
      await discardBody(calls.refer(callId, { target_uri: targetUri }, { timeout, ...(signal ? { signal } : {}) }).asResponse());
    },
    async hangup(callId) {
      await discardBody(calls.hangup(callId, { timeout }).asResponse());
    },
  };
}
