import type { Logger } from '../log/logger.ts';
import { type Clock, sleep, systemClock } from '../time/clock.ts';
import type { Coordination } from './coordination.ts';
import type { Membership } from './membership.ts';

export interface HandOverOptions {
  coordination: Coordination;
  membership: Membership;
  /** The calls this process controls. */
  localCalls(): readonly string[];
  /**
   * Stops controlling a call without ending it: waits (briefly) for a tool under way, closes the
   * control socket, and lets go of its record without closing it. The call goes on at OpenAI.
   */
  detach(callId: string): Promise<void>;
  /** Writes every buffered record: the peer reads the calls from the store. */
  flush(): Promise<void>;
  /** How long to wait for the peers to take every call. */
  timeoutMs: number;
  pollMs?: number;
  log: Logger;
  clock?: Clock;
}

export interface HandOverResult {
  peers: number;
  released: number;
  /** Released calls no peer had taken when the wait ended. */
  left: number;
}

/**
 * SIGTERM with other instances alive: hand the calls over instead of hanging them up, so a rolling
 * deploy drops none. null when no other instance is alive: the caller drains as before.
 */
export async function handOver(opts: HandOverOptions): Promise<HandOverResult | null> {
  const { coordination, log } = opts;
  const clock = opts.clock ?? systemClock;
  const peers = (await coordination.liveInstances()).filter((i) => i.instanceId !== coordination.instanceId);
  if (peers.length === 0) return null;
  opts.membership.stopTakingOver();
  const calls = opts.localCalls();
  log.info({ calls: calls.length, peers: peers.map((p) => p.instanceId) }, 'handing calls over to the other instances');
  // Let go first, write next, release last: a peer must find the whole record, and nothing more written here after it.
  await Promise.all(
    calls.map((callId) => opts.detach(callId).catch((err: Error) => log.warn({ callId, err: err.message }, 'detaching a call failed'))),
  );
  await opts.flush();
  const released = await coordination.release();
  await coordination
    .notifyReleased()
    .catch((err: Error) =>
      log.warn({ err: err.message }, 'telling peers about released calls failed; they find them at their next heartbeat'),
    );
  const deadline = clock.now() + opts.timeoutMs;
  let left = released;
  while (left > 0 && clock.now() < deadline) {
    await sleep(clock, opts.pollMs ?? 100);
    left = await coordination.releasedPending().catch(() => left);
  }
  if (left > 0) log.warn({ left, released }, 'not every call was taken over before the hand-over timeout; the peers take them as they can');
  else log.info({ released }, 'every call handed over');
  return { peers: peers.length, released, left };
}
