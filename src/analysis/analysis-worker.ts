// Runs queued post-call analyses: one Responses API request each, retried with backoff,
// the result (or the failure) written to the record with its call.analyzed webhook.
// State lives in the store, so a restart or another instance carries on.

import type OpenAI from 'openai';
import { APIError, APIUserAbortError } from 'openai';
import { callCost } from '../cost/call-cost.ts';
import type { PriceTable } from '../cost/price-table.ts';
import { emptyUsageDetail } from '../cost/usage.ts';
import type { Logger } from '../log/logger.ts';
import { callEventMessage } from '../outbox/call-event-message.ts';
import type { CallAnalysis, CallDetail } from '../records/call-record.ts';
import type { Store } from '../records/store.ts';
import { backoffMs } from '../time/backoff.ts';
import { type Clock, systemClock, type Timer } from '../time/clock.ts';
import { AnalysisAnswerError, analysisRequest, readAnalysis } from './analysis-request.ts';
import type { AnalysisFor } from './analysis-spec.ts';

export type AnalysisResult = 'done' | 'retry' | 'failed';

export interface AnalysisWorkerOptions {
  store: Store;
  client: Pick<OpenAI, 'responses'>;
  analysisFor: AnalysisFor;
  prices: () => PriceTable;
  log: Logger;
  /** Queue a call.analyzed webhook with each result (CALL_EVENTS_URL is set). */
  callEvents: boolean;
  maxAttempts?: number;
  timeoutMs?: number;
  /** Another instance may take a claimed analysis over after this (the holder died). Longer than timeoutMs. */
  leaseMs?: number;
  pollMs?: number;
  batchSize?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Jitter for the backoff (0..1); default Math.random. */
  random?: () => number;
  clock?: Clock;
  onResult?: (info: { result: AnalysisResult; durationMs: number; costUsd: number }) => void;
  /** A call.analyzed message was queued. */
  onQueued?: () => void;
}

// The request itself is wrong: asking again cannot help.
const hopeless = new Set([400, 404, 422]);

function describe(err: unknown): string {
  if (err instanceof APIError) return `${err.status ?? 'network'} ${err.message}`.slice(0, 500);
  return ((err as Error).message || 'unknown error').slice(0, 500);
}

export class AnalysisWorker {
  private readonly opts: Required<Omit<AnalysisWorkerOptions, 'onResult' | 'onQueued' | 'random'>> &
    Pick<AnalysisWorkerOptions, 'onResult' | 'onQueued' | 'random'>;
  private timer: Timer | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private readonly inFlight = new Map<string, AbortController>();

  constructor(opts: AnalysisWorkerOptions) {
    this.opts = {
      maxAttempts: 6,
      timeoutMs: 60_000,
      leaseMs: 180_000,
      pollMs: 1_000,
      batchSize: 4,
      retryBaseMs: 5_000,
      retryMaxMs: 10 * 60_000,
      clock: systemClock,
      ...opts,
    };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.kick();
  }

  /** Look now instead of at the next poll. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.timer?.cancel();
    this.timer = null;
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.kick();
      } else {
        this.timer = this.opts.clock.setTimeout(() => this.kick(), this.opts.pollMs).unref();
      }
    });
  }

  /** Stops claiming; requests in flight get up to waitMs, then are aborted and left for the next start. */
  async stop(waitMs = 2_000): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    if (!this.running) return;
    const abortTimer = this.opts.clock.setTimeout(() => {
      for (const controller of this.inFlight.values()) controller.abort(new Error('shutting down'));
    }, waitMs);
    await this.running;
    abortTimer.cancel();
  }

  private async drain(): Promise<void> {
    try {
      while (!this.stopped) {
        const claimed = await this.opts.store.claimAnalyses({
          now: new Date(this.opts.clock.epochMs()),
          limit: this.opts.batchSize,
          leaseMs: this.opts.leaseMs,
        });
        if (claimed.length === 0) return;
        await Promise.all(claimed.map((callId) => this.run(callId)));
        if (claimed.length < this.opts.batchSize) return;
      }
    } catch (err) {
      this.opts.log.error({ err: (err as Error).message }, 'call analysis: store unavailable');
    }
  }

  private async run(callId: string): Promise<void> {
    let call: CallDetail | null;
    try {
      call = await this.opts.store.getCall(callId);
    } catch (err) {
      this.opts.log.error({ callId, err: (err as Error).message }, 'call analysis: cannot read the call');
      return; // the lease runs out and it is tried again
    }
    const pending = call?.analysis;
    if (!call || !pending || pending.status !== 'pending') return;
    const attempts = pending.attempts + 1;
    const spec = this.opts.analysisFor(call.profile);
    if (!spec) {
      await this.save(
        call,
        {
          ...pending,
          status: 'failed',
          attempts,
          error: `profile ${call.profile ?? '(none)'} has no analysis any more`,
          nextAttemptAt: null,
        },
        'failed',
        0,
        0,
      );
      return;
    }
    const controller = new AbortController();
    this.inFlight.set(callId, controller);
    const started = this.opts.clock.now();
    try {
      const response = await this.opts.client.responses.create(analysisRequest(spec, call), {
        signal: controller.signal,
        timeout: this.opts.timeoutMs,
        maxRetries: 0, // the backoff here spans minutes and survives restarts
      });
      const answer = readAnalysis(spec, response);
      const durationMs = this.opts.clock.now() - started;
      const cost = callCost(
        {
          model: call.model ?? null,
          transcriptionModel: call.transcriptionModel ?? null,
          usage: call.usageDetail ?? emptyUsageDetail(),
          analysis: { model: spec.model, tokens: answer.tokens },
        },
        this.opts.prices(),
      );
      const done: CallAnalysis = {
        ...pending,
        status: 'done',
        model: spec.model,
        attempts,
        summary: answer.summary,
        success: answer.success,
        fields: answer.fields,
        tokens: answer.tokens,
        costUsd: cost.analysisUsd,
        completedAt: new Date(this.opts.clock.epochMs()).toISOString(),
        nextAttemptAt: null,
      };
      const outbox = this.opts.callEvents
        ? callEventMessage('call.analyzed', call.callId, 1, done.completedAt ?? '', analyzedData(call, done, cost.totalUsd))
        : undefined;
      await this.opts.store.saveAnalysis(call.callId, { analysis: done, cost, ...(outbox ? { outbox } : {}) });
      this.opts.log.info(
        { callId, model: spec.model, attempts, success: done.success, costUsd: cost.analysisUsd, durationMs: Math.round(durationMs) },
        'call analyzed',
      );
      this.opts.onResult?.({ result: 'done', durationMs, costUsd: cost.analysisUsd });
      if (outbox) this.opts.onQueued?.();
    } catch (err) {
      const durationMs = this.opts.clock.now() - started;
      if (controller.signal.aborted && err instanceof APIUserAbortError) {
        await this.save(call, pending, null, durationMs, 0); // shutting down: not the model's fault, not an attempt
        return;
      }
      const error = describe(err);
      const giveUp = attempts >= this.opts.maxAttempts || (err instanceof APIError && err.status !== undefined && hopeless.has(err.status));
      if (!(err instanceof APIError) && !(err instanceof AnalysisAnswerError)) this.opts.log.debug({ callId, err }, 'call analysis error');
      if (giveUp) {
        await this.save(
          call,
          { ...pending, status: 'failed', model: spec.model, attempts, error, nextAttemptAt: null },
          'failed',
          durationMs,
          0,
        );
        this.opts.log.error({ callId, model: spec.model, attempts, err: error }, 'call analysis failed: giving up');
      } else {
        const delayMs = backoffMs(attempts, {
          baseMs: this.opts.retryBaseMs,
          maxMs: this.opts.retryMaxMs,
          ...(this.opts.random ? { random: this.opts.random } : {}),
        });
        const nextAttemptAt = new Date(this.opts.clock.epochMs() + delayMs).toISOString();
        await this.save(call, { ...pending, model: spec.model, attempts, error, nextAttemptAt }, 'retry', durationMs, 0);
        this.opts.log.warn({ callId, model: spec.model, attempts, err: error, retryInMs: delayMs }, 'call analysis failed; will retry');
      }
    } finally {
      this.inFlight.delete(callId);
    }
  }

  private async save(
    call: CallDetail,
    analysis: CallAnalysis,
    result: AnalysisResult | null,
    durationMs: number,
    costUsd: number,
  ): Promise<void> {
    try {
      await this.opts.store.saveAnalysis(call.callId, { analysis });
      if (result) this.opts.onResult?.({ result, durationMs, costUsd });
    } catch (err) {
      this.opts.log.error({ callId: call.callId, err: (err as Error).message }, 'call analysis: cannot record the attempt');
    }
  }
}

/** The call.analyzed webhook's data: who, when, how it came out, and what the analysis found. */
function analyzedData(call: CallDetail, analysis: CallAnalysis, totalUsd: number): Record<string, unknown> {
  return {
    callId: call.callId,
    profile: call.profile,
    caller: call.caller,
    dialed: call.dialed,
    startedAt: call.startedAt,
    endedAt: call.endedAt,
    outcome: call.outcome,
    summary: analysis.summary,
    success: analysis.success,
    fields: analysis.fields,
    model: analysis.model,
    tokens: analysis.tokens,
    analysisCostUsd: analysis.costUsd,
    costUsd: totalUsd,
    analyzedAt: analysis.completedAt,
  };
}
