import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { SwitchboardError } from '../errors.ts';
import type { CallControl } from '../openai/call-control.ts';
import { backoffMs } from '../time/backoff.ts';
import { type Clock, sleep, systemClock } from '../time/clock.ts';

export type AcceptOutcome =
  | { kind: 'accepted'; attempts: number }
  | { kind: 'gone'; attempts: number }
  /** Refused as not pending: accepted already (perhaps by an earlier attempt of ours that answered late), or ended. */
  | { kind: 'not_pending'; attempts: number };

export interface AcceptRetryOptions {
  deadlineMs: number;
  firstBackoffMs?: number;
  clock?: Clock;
}

function isRetryable(err: unknown): boolean {
  if (err instanceof APIConnectionError) return true; // includes timeouts
  if (err instanceof APIError) return err.status === 429 || (err.status ?? 0) >= 500;
  return false;
}

function isCallGone(err: unknown): boolean {
  return err instanceof APIError && err.status === 404;
}

function isNotPending(err: unknown): boolean {
  return err instanceof APIError && err.status === 400 && err.code === 'call_not_pending';
}

/** The request may have reached OpenAI and taken effect, but its answer never came back. */
function mayHaveLanded(err: unknown): boolean {
  return err instanceof APIUserAbortError || err instanceof APIConnectionError;
}

/**
 * Accepts the call, retrying 429, 5xx and network errors with backoff until the
 * deadline. A 404 means the caller hung up while it rang: not an error. A failure
 * whose last attempt may have landed (no answer) says so in its `uncertain` field.
 */
export async function acceptWithRetry<AcceptParams>(
  control: CallControl<AcceptParams>,
  callId: string,
  params: AcceptParams,
  opts: AcceptRetryOptions,
): Promise<AcceptOutcome> {
  const clock = opts.clock ?? systemClock;
  const now = () => clock.now();
  const deadline = now() + opts.deadlineMs;
  for (let attempt = 1; ; attempt++) {
    const remainingMs = deadline - now();
    try {
      await control.accept(callId, params, AbortSignal.timeout(Math.max(1, Math.ceil(remainingMs))));
      return { kind: 'accepted', attempts: attempt };
    } catch (err) {
      if (isCallGone(err)) return { kind: 'gone', attempts: attempt };
      if (isNotPending(err)) return { kind: 'not_pending', attempts: attempt };
      const status = err instanceof APIError ? err.status : undefined;
      const fields = {
        callId,
        attempts: attempt,
        status,
        apiCode: err instanceof APIError ? err.code : undefined,
        uncertain: mayHaveLanded(err),
      };
      if (err instanceof APIUserAbortError) throw new SwitchboardError('SB_ACCEPT_FAILED', 'deadline passed', fields, { cause: err });
      if (!isRetryable(err)) throw new SwitchboardError('SB_ACCEPT_FAILED', 'not retryable', fields, { cause: err });
      // No jitter: the deadline, not a crowd of retries, bounds the waiting.
      const waitMs = Math.min(
        backoffMs(attempt, { baseMs: opts.firstBackoffMs ?? 100, maxMs: opts.deadlineMs, jitter: 0 }),
        deadline - now(),
      );
      if (waitMs <= 0 || now() + waitMs >= deadline) {
        throw new SwitchboardError('SB_ACCEPT_FAILED', 'deadline passed', fields, { cause: err });
      }
      await sleep(clock, waitMs);
    }
  }
}
