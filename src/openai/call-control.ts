import type OpenAI from 'openai';
import type { SessionAcceptParams } from 'openai/resources/live/sessions';
import type { CallAcceptParams } from 'openai/resources/realtime/calls';

/**
 * The REST side of a call, the same on both surfaces. The ids differ (rtc_… on Realtime,
 * live_… on GPT-Live) and so does the accept body; reject, refer and hangup do not.
 */
export interface CallControl<AcceptParams = CallAcceptParams> {
  accept(callId: string, params: AcceptParams, signal?: AbortSignal): Promise<void>;
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

export type LiveCallControl = CallControl<SessionAcceptParams>;

/** What a live call's session and tools hold: either surface's control (they never accept). */
export type CallRest = CallControl<never>;

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

/** GPT-Live: `client.live.sessions`; reject needs its status (300–699), the accept body is wrapped in `session`. Same deadlines. */
export function liveCallControl(client: OpenAI, opts: { timeoutMs?: number } = {}): LiveCallControl {
  const sessions = client.live.sessions;
  const timeout = opts.timeoutMs ?? 5_000;
  return {
    async accept(sessionId, params, signal) {
      await discardBody(sessions.accept(sessionId, params, signal ? { signal } : undefined).asResponse());
    },
    async reject(sessionId, statusCode) {
      await discardBody(sessions.reject(sessionId, { status_code: statusCode }, { timeout }).asResponse());
    },
    async refer(sessionId, targetUri, signal) {
      await discardBody(sessions.refer(sessionId, { target_uri: targetUri }, { timeout, ...(signal ? { signal } : {}) }).asResponse());
    },
    async hangup(sessionId) {
      await discardBody(sessions.hangup(sessionId, { timeout }).asResponse());
    },
  };
}
