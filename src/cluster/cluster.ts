// One instance's part in the cluster, as the call path sees it: claim before accept, the lease
// and takeovers, tool-call de-duplication, commands relayed to a call's owner, the SIGTERM
// hand-over and the readiness the load balancer reads. The same on PostgreSQL and SQLite.
import type { Logger } from '../log/logger.ts';
import { type Clock, systemClock } from '../time/clock.ts';
import { type ClaimDecision, createClaimBeforeAccept } from './claim-before-accept.ts';
import type { CallKeys, ClaimInfo, CommandHandler, Coordination, OperatorCommand, RelayOutcome } from './coordination.ts';
import { type HandOverResult, handOver } from './hand-over.ts';
import { Membership } from './membership.ts';
import { type Reattach, type ReattachOutcome, TakeoverQueue } from './takeover-queue.ts';

export interface ClusterSettings {
  /** Lease renewal and the search for orphaned calls (CLUSTER_HEARTBEAT_MS). */
  heartbeatMs: number;
  /** A lease lasts this long after its renewal (CLUSTER_LEASE_MS). */
  leaseMs: number;
  /** How long a relayed operator command waits for the owner's answer (CLUSTER_RELAY_TIMEOUT_MS). */
  relayTimeoutMs: number;
  /** How long a terminating instance waits for its peers to take its calls (CLUSTER_HANDOVER_TIMEOUT_MS). */
  handOverTimeoutMs: number;
  /** ACCEPT_DEADLINE_MS: a duplicate delivery waits about this long for another instance's accept. */
  acceptDeadlineMs: number;
}

/** What the cluster needs from the calls of this process. */
export interface LocalCalls {
  /** Ids of the calls controlled here. */
  ids(): readonly string[];
  /** Re-attaches a call taken over (store → plan and record → control socket, no greeting). */
  reattach: Reattach;
  /** Stops controlling a call without ending it (its control socket closes, its record stays open). */
  detach(callId: string): Promise<void>;
  /** A call that could not be re-attached after every retry: close its record (`instance_lost`). */
  lost(callId: string): void;
  /** Runs an operator command on a call held here; null when it is not held here. */
  run: CommandHandler;
  /** Writes buffered records (before a hand-over: the peer reads them). */
  flush(): Promise<void>;
}

export interface ClusterMetrics {
  takeover(outcome: ReattachOutcome | 'gave_up', durationMs: number): void;
  leaseRenewFailed(): void;
  claimRefused(): void;
}

export interface ClusterOptions extends ClusterSettings {
  coordination: Coordination;
  calls: LocalCalls;
  log: Logger;
  clock?: Clock;
  metrics?: ClusterMetrics;
  /** Re-attaches running at once (default 32). */
  takeoverConcurrency?: number;
}

export class Cluster {
  readonly coordination: Coordination;
  private readonly opts: ClusterOptions;
  private readonly log: Logger;
  private readonly membership: Membership;
  private readonly takeovers: TakeoverQueue;
  private readonly claimCall: (keys: CallKeys) => Promise<ClaimDecision>;
  /** The epoch under which this instance holds each of its calls. */
  private readonly epochs = new Map<string, number>();
  /** Claims being marked ended: stopping waits for them, so peers do not take over calls that are over. */
  private readonly finishing = new Set<Promise<void>>();
  private started = false;

  constructor(opts: ClusterOptions) {
    this.opts = opts;
    this.coordination = opts.coordination;
    this.log = opts.log;
    const clock = opts.clock ?? systemClock;
    this.takeovers = new TakeoverQueue({
      reattach: (call) => opts.calls.reattach(call),
      concurrency: opts.takeoverConcurrency ?? 32,
      log: opts.log,
      clock,
      onSettled: (call, outcome, durationMs) => {
        opts.metrics?.takeover(outcome, durationMs);
        if (outcome === 'ended') void this.finish(call.callId);
        this.log.info(
          { callId: call.callId, outcome, durationMs: Math.round(durationMs), from: call.previousOwner, why: call.why },
          'call taken over',
        );
      },
      onGaveUp: (call) => {
        opts.calls.lost(call.callId);
        void this.finish(call.callId);
      },
    });
    this.membership = new Membership({
      coordination: opts.coordination,
      heartbeatMs: opts.heartbeatMs,
      leaseMs: opts.leaseMs,
      // A claim left accepting by a dead instance: its own retries end by the deadline; then it is an orphan.
      acceptGraceMs: opts.acceptDeadlineMs + opts.leaseMs,
      log: opts.log,
      clock,
      localCalls: () => opts.calls.ids(),
      onTakenOver: (calls) => {
        for (const call of calls) this.epochs.set(call.callId, call.epoch);
        this.takeovers.add(calls);
      },
      onLost: (callIds) => {
        for (const callId of callIds) {
          this.epochs.delete(callId);
          void opts.calls.detach(callId).catch((err: Error) => this.log.warn({ callId, err: err.message }, 'letting go of a call failed'));
        }
      },
      onRenewFailed: () => opts.metrics?.leaseRenewFailed(),
    });
    this.claimCall = createClaimBeforeAccept({
      coordination: opts.coordination,
      waitMs: opts.acceptDeadlineMs + 1_000,
      log: opts.log,
      clock,
      onRefused: () => opts.metrics?.claimRefused(),
    });
    opts.coordination.onCommand((callId, command) => opts.calls.run(callId, command));
  }

  get instanceId(): string {
    return this.coordination.instanceId;
  }

  /** Ready for traffic: the coordination store answers and relayed commands reach this instance. */
  get healthy(): boolean {
    return this.started && this.membership.healthy;
  }

  /** Calls this instance holds a claim on (accepting, live, being re-attached). */
  get callsOwned(): number {
    return this.epochs.size;
  }

  /** Calls taken over and not yet re-attached. */
  get takeoversPending(): number {
    return this.takeovers.pending;
  }

  /** Registers, starts the heartbeat and takes over what is orphaned (after a crash, this process's own earlier calls). */
  async start(): Promise<void> {
    await this.membership.start();
    this.started = true;
  }

  /**
   * Before the accept: this delivery accepts, or answers without accepting. When the database cannot
   * be reached: 503 (OpenAI retries, perhaps at an instance that can reach it), unless no other
   * instance was alive at the last look; then the call is accepted without a claim, as one process
   * always did (its own de-duplication still holds).
   */
  async claim(keys: CallKeys): Promise<ClaimDecision> {
    const decision = await this.claimCall(keys);
    if (decision.kind === 'retry' && decision.why === 'coordination_unavailable' && this.membership.alone) {
      this.log.warn(
        { callId: keys.callId },
        'accepting without a claim: the coordination store is unreachable and no other instance was alive',
      );
      return { kind: 'accept', epoch: null, afterCrash: false };
    }
    return decision;
  }

  /** The accept succeeded: the call is this instance's. false: another instance took it meanwhile (do not control it). */
  async accepted(callId: string, epoch: number): Promise<boolean> {
    try {
      const ok = await this.coordination.confirm(callId, epoch);
      if (ok) {
        this.epochs.set(callId, epoch);
        return true;
      }
      this.log.warn({ callId, epoch }, 'claim lost during the accept: another instance controls the call');
      await this.opts.calls.detach(callId).catch(() => undefined);
      return false;
    } catch (err) {
      // The accept happened: control the call; the lease covers it as an accepting claim.
      this.epochs.set(callId, epoch);
      this.log.warn({ callId, err: (err as Error).message }, 'recording the accept failed; the call goes on here');
      return true;
    }
  }

  /** The accept failed: let OpenAI's retry claim the call anywhere. */
  async notAccepted(callId: string, epoch: number): Promise<void> {
    await this.coordination
      .abandon(callId, epoch)
      .catch((err: Error) => this.log.warn({ callId, err: err.message }, 'releasing a failed claim failed'));
  }

  /** The call is over here (ended, rejected, gone). Never throws. */
  finish(callId: string, epoch?: number): Promise<void> {
    const held = epoch ?? this.epochs.get(callId);
    if (held === undefined || (epoch !== undefined && this.epochs.has(callId) && this.epochs.get(callId) !== epoch))
      return Promise.resolve();
    this.epochs.delete(callId);
    const done = this.coordination
      .finish(callId, held)
      .catch((err: Error) => this.log.warn({ callId, err: err.message }, 'recording the end of a claim failed'))
      .finally(() => this.finishing.delete(done));
    this.finishing.add(done);
    return done;
  }

  /**
   * true when this instance is the one to run the tool call (the first to claim its id). When the
   * store cannot be reached, runs it only while this instance's lease is certainly current.
   */
  async claimToolCall(callId: string, toolCallId: string): Promise<boolean> {
    try {
      return await this.coordination.claimToolCall(callId, toolCallId);
    } catch (err) {
      const run = this.membership.leaseHeld || this.membership.alone;
      this.log.warn({ callId, toolCallId, err: (err as Error).message, run }, 'cannot claim the tool call in the store');
      return run;
    }
  }

  /** Sends an operator command to the instance that holds the call (this one included). */
  relay(callId: string, command: OperatorCommand): Promise<RelayOutcome> {
    return this.coordination.relay(callId, command, { timeoutMs: this.opts.relayTimeoutMs });
  }

  owner(callId: string): Promise<ClaimInfo | null> {
    return this.coordination.lookup(callId);
  }

  /**
   * SIGTERM: with live peers, hands every call over (they go on there) and resolves with what
   * happened; alone, resolves null and the caller drains as before. No more calls are taken over here.
   */
  async handOver(): Promise<HandOverResult | null> {
    this.membership.stopTakingOver();
    try {
      return await handOver({
        coordination: this.coordination,
        membership: this.membership,
        localCalls: () => this.opts.calls.ids(),
        detach: async (callId) => {
          this.epochs.delete(callId);
          await this.opts.calls.detach(callId);
        },
        flush: () => this.opts.calls.flush(),
        timeoutMs: this.opts.handOverTimeoutMs,
        log: this.log,
        ...(this.opts.clock ? { clock: this.opts.clock } : {}),
      });
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'hand-over failed; draining instead');
      return null;
    }
  }

  /** Stops the heartbeat and ends the lease (after the calls ended or were handed over), then closes the coordination. */
  async stop(): Promise<void> {
    await this.takeovers.idle();
    await Promise.all([...this.finishing]);
    await this.membership.stop();
    await this.coordination.close();
  }
}
