import type { Logger } from '../log/logger.ts';
import { type Clock, sleep, systemClock, type Timer } from '../time/clock.ts';
import type { Coordination, TakenCall } from './coordination.ts';

export interface MembershipOptions {
  coordination: Coordination;
  /** How often the lease is renewed and orphaned calls are looked for. */
  heartbeatMs: number;
  /** How long a lease lasts after a renewal (the coordination's). */
  leaseMs: number;
  /** A claim still `accepting` is taken over only this long after its last change (its accept may be under way). */
  acceptGraceMs: number;
  /** At most this many calls per takeover query; a full batch looks again at once. */
  takeoverBatch?: number;
  /** Ended claims and dead instances are deleted this long after (default 24 h). */
  keepEndedMs?: number;
  log: Logger;
  clock?: Clock;
  /** The calls this process controls now. */
  localCalls(): readonly string[];
  /** Calls this instance just took over: re-attach them. Runs in the background. */
  onTakenOver(calls: readonly TakenCall[]): void;
  /** Calls another instance holds now (this one's lease lapsed): stop controlling them, without hanging up. */
  onLost(callIds: readonly string[]): void;
  onRenewed?(): void;
  onRenewFailed?(err: Error): void;
}

const purgeEveryMs = 10 * 60_000;

/**
 * This instance's membership: registers, renews its lease every heartbeat (one statement renews
 * every call it owns), takes over orphaned calls, and notices when its own calls were taken.
 */
export class Membership {
  private readonly opts: MembershipOptions;
  private readonly clock: Clock;
  private readonly coordination: Coordination;
  private timer: Timer | null = null;
  private stopped = false;
  private takingOver = true;
  private lastRenewedAt: number | null = null;
  private lastPurgeAt = 0;
  /** Other instances alive at the last look (each heartbeat); null before the first. */
  private peers: number | null = null;
  private tick: Promise<void> | null = null;
  private again = false;

  constructor(opts: MembershipOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.coordination = opts.coordination;
    opts.coordination.setEvents({
      onCallsLost: (callIds) => this.lose(callIds),
      onCallsReleased: () => this.scanNow(),
    });
  }

  get instanceId(): string {
    return this.coordination.instanceId;
  }

  /** Registers and takes over what is orphaned right away; throws when the database cannot be reached. */
  async start(): Promise<void> {
    await this.waitForPredecessor();
    await this.coordination.register();
    this.lastRenewedAt = this.clock.now();
    // An earlier process with this id left calls: they are this one's to take back.
    const mine = await this.coordination.reclaim();
    if (mine.length > 0) {
      this.opts.log.info({ calls: mine.length }, 'taking back the calls an earlier process with this instance id left');
      this.opts.onTakenOver(mine);
    }
    await this.runTick();
    this.schedule();
  }

  /**
   * A process with this instance id may hold a lease still: one killed a moment ago (wait for the
   * lease to lapse, then take its calls back), or one running now (refuse: two processes must never
   * share an id, or both would control its calls).
   */
  private async waitForPredecessor(): Promise<void> {
    const lease = await this.coordination.instanceLease();
    const now = this.clock.epochMs();
    if (lease === null || lease < now) return;
    this.opts.log.warn(
      { instanceId: this.instanceId, waitMs: lease - now },
      'a process with this instance id held a lease until a moment ago; waiting for it to lapse',
    );
    await sleep(this.clock, lease - now + this.opts.heartbeatMs);
    const again = await this.coordination.instanceLease();
    if (again !== null && again > lease) {
      throw new Error(
        `another process is running with the instance id ${this.instanceId} (its lease is being renewed): give each instance its own INSTANCE_ID`,
      );
    }
  }

  /**
   * The lease is current as far as this instance knows: renewed less than a lease ago. Until it
   * lapses no other instance can take this one's calls, whatever the network does.
   */
  get leaseHeld(): boolean {
    return this.lastRenewedAt !== null && this.clock.now() - this.lastRenewedAt < this.opts.leaseMs;
  }

  /** Ready to take calls: the database answered within a heartbeat or two, and relayed commands can reach this instance. */
  get healthy(): boolean {
    return (
      !this.stopped &&
      this.lastRenewedAt !== null &&
      this.clock.now() - this.lastRenewedAt < Math.min(this.opts.leaseMs, 2 * this.opts.heartbeatMs + 500) &&
      this.coordination.relayConnected
    );
  }

  /** No other instance was alive when this one last could tell (it may be cut off from the database now). */
  get alone(): boolean {
    return this.peers === 0;
  }

  /** Looks for orphaned calls now (a peer released some). */
  scanNow(): void {
    if (this.stopped || !this.takingOver) return;
    if (this.tick) {
      this.again = true;
      return;
    }
    void this.runTick();
  }

  /** Draining: this instance takes no more calls over; it keeps renewing its lease. */
  stopTakingOver(): void {
    this.takingOver = false;
  }

  /** Stops the heartbeat and ends the lease (what it owns is orphaned at once). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.tick?.catch(() => undefined);
    await this.coordination
      .deregister()
      .catch((err: Error) => this.opts.log.warn({ err: err.message }, 'deregistering failed; the lease runs out on its own'));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.runTick().finally(() => this.schedule());
    }, this.opts.heartbeatMs);
    this.timer.unref();
  }

  private runTick(): Promise<void> {
    const run = async () => {
      do {
        this.again = false;
        // Only with a fresh lease: an instance that cannot renew must not take calls either.
        const renewed = await this.heartbeat();
        if (renewed && this.takingOver && !this.stopped) await this.takeOver();
      } while (this.again && !this.stopped);
    };
    const tick = run().finally(() => {
      if (this.tick === tick) this.tick = null;
    });
    this.tick = tick;
    return tick;
  }

  private async heartbeat(): Promise<boolean> {
    const startedAt = this.clock.now();
    const lapsed = !this.leaseHeld;
    try {
      const renewed = await this.coordination.renew();
      if (!renewed) {
        // Declared gone (a restart on SQLite, or a peer): join again; what it owned may be someone else's now.
        this.opts.log.warn({ instanceId: this.instanceId }, 'this instance had been declared gone; registering again');
        await this.coordination.register();
      }
      this.lastRenewedAt = startedAt;
      this.opts.onRenewed?.();
      if (lapsed || !renewed) await this.reconcile();
      await this.coordination
        .liveInstances()
        .then((all) => (this.peers = all.filter((i) => i.instanceId !== this.instanceId).length))
        .catch(() => undefined);
    } catch (err) {
      this.opts.onRenewFailed?.(err as Error);
      this.opts.log.warn({ err: (err as Error).message, leaseHeld: this.leaseHeld }, 'lease renewal failed');
      return false;
    }
    if (this.clock.now() - this.lastPurgeAt >= purgeEveryMs) {
      this.lastPurgeAt = this.clock.now();
      const before = this.clock.epochMs() - (this.opts.keepEndedMs ?? 24 * 3_600_000);
      await this.coordination.purge(before).catch((err: Error) => this.opts.log.warn({ err: err.message }, 'purging ended claims failed'));
    }
    return true;
  }

  /** After a lapse: the calls this process runs but no longer owns went to another instance. */
  private async reconcile(): Promise<void> {
    const owned = await this.coordination.ownedCalls();
    const lost = this.opts.localCalls().filter((callId) => !owned.has(callId));
    if (lost.length > 0) this.lose(lost);
  }

  private lose(callIds: readonly string[]): void {
    if (callIds.length === 0) return;
    this.opts.log.warn({ calls: callIds.length }, 'calls taken over by another instance; letting them go');
    this.opts.onLost(callIds);
  }

  private async takeOver(): Promise<void> {
    const limit = this.opts.takeoverBatch ?? 100;
    let taken;
    try {
      taken = await this.coordination.takeOver({ limit, acceptGraceMs: this.opts.acceptGraceMs });
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'looking for calls to take over failed');
      return;
    }
    if (taken.length === 0) return;
    this.opts.log.info({ calls: taken.length, from: [...new Set(taken.map((t) => t.previousOwner))] }, 'took calls over');
    this.opts.onTakenOver(taken);
    const byOwner = Map.groupBy(taken, (t) => t.previousOwner);
    for (const [owner, calls] of byOwner) {
      await this.coordination
        .notifyTaken(
          owner,
          calls.map((c) => c.callId),
        )
        .catch(() => undefined);
    }
    if (taken.length >= limit) this.again = true;
  }
}
