// Crash reconciliation: calls a dead process left `in_progress` are resolved at startup. Each
// is taken back if it is still alive at OpenAI (its control socket opens), or closed with end
// reason `instance_lost`. Either way its record goes on from the stored one, so `call.ended`
// goes out exactly once and anyone following the call sees its stream end.
import type { Logger } from '../log/logger.ts';
import type { CallDetail } from '../records/call-record.ts';
import type { CallEventListener } from './call-events.ts';

export interface ReconcileDeps {
  store: { inProgressCalls(opts?: { owner?: string }): Promise<CallDetail[]> };
  /** Puts the stored call back in memory, so its record continues (sequence numbers, webhook ids). */
  restore(call: CallDetail): void;
  /**
   * Tries to take the call back: resolves true when this process controls it again. The
   * scale-out work generalises this (a lease decides who may); the call's plan comes from
   * what the record holds: agent (profile), SIP headers (parties, Contact host, context).
   */
  reattach(call: CallDetail): Promise<boolean>;
  onEvent: CallEventListener;
  log: Logger;
  /** Whose calls: this instance's id (PostgreSQL, shared by instances); undefined: all (SQLite, one process). */
  owner?: string;
  /** Wall clock, for the end time of lost calls. */
  epochMs?: () => number;
  /** How many calls are tried at once. */
  concurrency?: number;
}

export interface ReconcileResult {
  reattached: string[];
  lost: string[];
}

export type TakeBackDeps = Pick<ReconcileDeps, 'restore' | 'reattach' | 'onEvent' | 'log' | 'epochMs'>;

/**
 * Takes one stored call back: its record goes on from the store, and the call is controlled
 * again if it is alive, else closed as instance_lost (call.ended once). The path a restarted
 * instance runs for each of its calls, and the one a takeover of another instance's call can run.
 */
export async function takeBackCall(deps: TakeBackDeps, call: CallDetail): Promise<'reattached' | 'lost'> {
  deps.restore(call);
  let back = false;
  try {
    back = await deps.reattach(call);
  } catch (err) {
    deps.log.error({ callId: call.callId, err }, 're-attaching a call failed');
  }
  if (back) {
    deps.log.info({ callId: call.callId, profile: call.profile }, 'call re-attached');
    return 'reattached';
  }
  deps.log.warn({ callId: call.callId }, 'call left in progress could not be re-attached: closed as instance_lost');
  deps.onEvent({ type: 'call.ended', callId: call.callId, reason: 'instance_lost', endedAt: (deps.epochMs ?? Date.now)() });
  return 'lost';
}

export async function reconcileCalls(deps: ReconcileDeps): Promise<ReconcileResult> {
  const calls = await deps.store.inProgressCalls(deps.owner === undefined ? {} : { owner: deps.owner });
  const result: ReconcileResult = { reattached: [], lost: [] };
  if (calls.length === 0) return result;
  deps.log.info({ calls: calls.length, owner: deps.owner ?? null }, 'calls left in progress by a previous run: reconciling');
  const queue = [...calls];
  const worker = async () => {
    for (let call = queue.shift(); call; call = queue.shift()) {
      const outcome = await takeBackCall(deps, call);
      (outcome === 'reattached' ? result.reattached : result.lost).push(call.callId);
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.concurrency ?? 20, calls.length) }, worker));
  deps.log.info({ reattached: result.reattached.length, lost: result.lost.length }, 'calls reconciled');
  return result;
}
