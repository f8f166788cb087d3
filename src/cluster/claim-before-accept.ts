import type { Logger } from '../log/logger.ts';
import { type Clock, sleep, systemClock } from '../time/clock.ts';
import type { CallKeys, ClaimInfo, Coordination } from './coordination.ts';

export type ClaimDecision =
  /**
   * This delivery accepts the call, under this epoch. afterCrash: an earlier accept by a dead instance
   * may have landed. epoch null: accepted without a claim (the database is unreachable and no other
   * instance was alive to accept it instead).
   */
  | { kind: 'accept'; epoch: number | null; afterCrash: boolean }
  /** Another delivery has the call (here or at `owner`): answer without accepting. */
  | { kind: 'taken'; owner: string; state: 'accepted' | 'ended' }
  /** Not decidable now: the database does not answer, or another instance's accept has not settled. OpenAI should retry. */
  | { kind: 'retry'; why: 'claimed_elsewhere' | 'coordination_unavailable' };

export interface ClaimBeforeAcceptOptions {
  coordination: Coordination;
  /** How long a delivery waits for another instance's accept of the same call to settle (about the accept deadline). */
  waitMs: number;
  pollMs?: number;
  log: Logger;
  clock?: Clock;
  /** A delivery answered without accepting: another had the call. */
  onRefused?(claim: ClaimInfo): void;
}

/**
 * Claims the call before accepting it. The first delivery on any instance accepts; every other
 * one answers 2xx without accepting. One that arrives while another instance is still accepting
 * waits for that accept to settle: if it fails, the claim is free again and this one accepts.
 */
export function createClaimBeforeAccept(opts: ClaimBeforeAcceptOptions): (keys: CallKeys) => Promise<ClaimDecision> {
  const clock = opts.clock ?? systemClock;
  const pollMs = opts.pollMs ?? 100;
  const { coordination, log } = opts;
  return async (keys) => {
    const deadline = clock.now() + opts.waitMs;
    try {
      for (;;) {
        const outcome = await coordination.claim(keys);
        if (outcome.kind === 'won') return { kind: 'accept', epoch: outcome.epoch, afterCrash: outcome.afterCrash };
        let claim: ClaimInfo | null = outcome.claim;
        // Another instance is accepting it now: its outcome is this delivery's answer.
        while (
          claim &&
          claim.state === 'accepting' &&
          claim.ownerAlive &&
          claim.owner !== coordination.instanceId &&
          clock.now() < deadline
        ) {
          await sleep(clock, pollMs);
          claim = await coordination.lookup(claim.callId);
        }
        if (!claim) continue; // its accept failed and it let go: claim again
        if (claim.state === 'accepting' && claim.owner !== coordination.instanceId && claim.ownerAlive) {
          log.warn({ callId: keys.callId, owner: claim.owner }, 'another instance is still accepting the call; asking OpenAI to retry');
          return { kind: 'retry', why: 'claimed_elsewhere' };
        }
        opts.onRefused?.(claim);
        log.info(
          { callId: keys.callId, claimedCallId: claim.callId, owner: claim.owner, state: claim.state },
          'call claimed by another delivery; not accepting',
        );
        return { kind: 'taken', owner: claim.owner, state: claim.state === 'ended' ? 'ended' : 'accepted' };
      }
    } catch (err) {
      log.error({ callId: keys.callId, err: (err as Error).message }, 'cannot claim the call: the coordination store is unreachable');
      return { kind: 'retry', why: 'coordination_unavailable' };
    }
  };
}
