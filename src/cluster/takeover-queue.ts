import type { Logger } from '../log/logger.ts';
import { backoffMs } from '../time/backoff.ts';
import { type Clock, systemClock } from '../time/clock.ts';
import type { TakenCall } from './coordination.ts';

/**
 * attached: controlled here now. ended: it turned out to be over (OpenAI says gone), and was
 * closed. retry: something transient failed (the store did not answer): try again shortly.
 */
export type ReattachOutcome = 'attached' | 'ended' | 'retry';

/** Re-attaches one call taken over: restores its plan and record from the store and opens its control socket, without greeting. */
export type Reattach = (call: TakenCall) => Promise<ReattachOutcome>;

export interface TakeoverQueueOptions {
  reattach: Reattach;
  /** Re-attaches running at once: 200 calls arrive together when an instance dies. */
  concurrency?: number;
  maxAttempts?: number;
  log: Logger;
  clock?: Clock;
  /** Each call's outcome, and how long from being taken to it. */
  onSettled?(call: TakenCall, outcome: ReattachOutcome | 'gave_up', durationMs: number): void;
  /** After maxAttempts: the call cannot be re-attached. */
  onGaveUp(call: TakenCall): void;
}

interface Job {
  call: TakenCall;
  attempt: number;
  takenAt: number;
}

/** Re-attaches calls taken over, a bounded number at a time, retrying transient failures. */
export class TakeoverQueue {
  private readonly opts: TakeoverQueueOptions;
  private readonly clock: Clock;
  private readonly waiting: Job[] = [];
  private readonly queued = new Set<string>();
  private running = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(opts: TakeoverQueueOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
  }

  /** Calls waiting or being re-attached. */
  get pending(): number {
    return this.queued.size;
  }

  add(calls: readonly TakenCall[]): void {
    const takenAt = this.clock.now();
    for (const call of calls) {
      if (this.queued.has(call.callId)) continue;
      this.queued.add(call.callId);
      this.waiting.push({ call, attempt: 1, takenAt });
    }
    this.pump();
  }

  /** Resolves when nothing is waiting or running. */
  idle(): Promise<void> {
    if (this.queued.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    const concurrency = this.opts.concurrency ?? 32;
    while (this.running < concurrency) {
      const job = this.waiting.shift();
      if (!job) break;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.pump();
        if (this.queued.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    const { call } = job;
    let outcome: ReattachOutcome;
    try {
      outcome = await this.opts.reattach(call);
    } catch (err) {
      this.opts.log.error({ callId: call.callId, attempt: job.attempt, err }, 're-attaching a call failed');
      outcome = 'retry';
    }
    if (outcome !== 'retry') {
      this.queued.delete(call.callId);
      this.opts.onSettled?.(call, outcome, this.clock.now() - job.takenAt);
      return;
    }
    if (job.attempt >= (this.opts.maxAttempts ?? 5)) {
      this.queued.delete(call.callId);
      this.opts.log.error({ callId: call.callId, attempts: job.attempt }, 'giving up re-attaching a call');
      this.opts.onSettled?.(call, 'gave_up', this.clock.now() - job.takenAt);
      this.opts.onGaveUp(call);
      return;
    }
    const delayMs = backoffMs(job.attempt, { baseMs: 250, maxMs: 5_000 });
    this.running++; // the retry holds its slot while it waits, so a failing store is not hammered
    this.clock.setTimeout(() => {
      this.running--;
      this.waiting.unshift({ ...job, attempt: job.attempt + 1 });
      this.pump();
    }, delayMs);
  }
}
