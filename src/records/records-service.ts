import { AnalysisWorker, type AnalysisWorkerOptions } from '../analysis/analysis-worker.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { OutboxWorker, type OutboxWorkerOptions } from '../outbox/outbox-worker.ts';
import type { CallStats, StatsQuery } from '../stats/call-stats.ts';
import { type Clock, systemClock } from '../time/clock.ts';
import type { CallDetail, CallPage, CallQuery, TimelineEntry } from './call-record.ts';
import { followCall } from './follow-call.ts';
import { Recorder, type RecorderOptions } from './recorder.ts';
import { startRetention } from './retention.ts';
import type { Store } from './store.ts';

/** Call records as the operator API reads them: where a call is (memory or store) is not its business. */
export interface CallRecords {
  listCalls(query: CallQuery): Promise<CallPage>;
  /** The call as known now: memory first (it is ahead of the store by up to one batch window), then the store. */
  getCall(callId: string): Promise<CallDetail | null>;
  /** The call's timeline after `afterSeq`, then live; ends after the call's terminal event, or when the signal aborts. */
  follow(callId: string, afterSeq: number, opts?: { signal?: AbortSignal }): AsyncIterable<TimelineEntry>;
  /** The overview's figures (from the store: calls written so far). */
  stats(query: StatsQuery): Promise<CallStats>;
}

export interface RecordsServiceOptions {
  store: Store;
  log: Logger;
  batchMs: number;
  /** Cap on events held unwritten (see Recorder). */
  maxBufferedEvents?: number;
  retentionDays: number;
  /** CALL_EVENTS_*: null when call-event webhooks are off. */
  callEvents: { url: string; secret: string; maxAttempts: number; timeoutMs: number } | null;
  metrics?: Metrics;
  clock?: Clock;
  /** How often a call held by another instance (shared PostgreSQL) is read again while someone follows it. Default 1 s. */
  storePollMs?: number;
  /** Overrides for the delivery worker (tests: fetch, backoff). */
  outbox?: Partial<OutboxWorkerOptions>;
  /** This instance: the owner recorded on the calls it controls. */
  instanceId?: string;
  /** Fills in a closing record (cost, queued analysis). */
  onFinish?: RecorderOptions['onFinish'];
  /** The post-call analysis worker; absent: analyses stay queued. */
  analysis?: Omit<AnalysisWorkerOptions, 'store' | 'log' | 'callEvents'>;
  /** Files deleted with their calls (GPT-Live recordings). */
  purgeFiles?: (before: Date) => Promise<number>;
}

/** Records, their retention and the call-event outbox, started and stopped together. */
export class RecordsService implements CallRecords {
  readonly recorder: Recorder;
  readonly outbox: OutboxWorker | null;
  readonly analysis: AnalysisWorker | null;
  private readonly opts: RecordsServiceOptions;
  private readonly clock: Clock;
  private stopRetention: () => void = () => undefined;

  constructor(opts: RecordsServiceOptions) {
    this.opts = opts;
    const { metrics, callEvents } = opts;
    this.clock = opts.clock ?? systemClock;
    const clock = this.clock;
    this.outbox = callEvents
      ? new OutboxWorker({
          store: opts.store,
          url: callEvents.url,
          secret: callEvents.secret,
          maxAttempts: callEvents.maxAttempts,
          timeoutMs: callEvents.timeoutMs,
          log: opts.log,
          clock,
          ...(metrics ? { onAttempt: (a) => metrics.deliveryAttempt(a.type, a.result) } : {}),
          ...opts.outbox,
        })
      : null;
    this.analysis = opts.analysis
      ? new AnalysisWorker({
          store: opts.store,
          log: opts.log,
          callEvents: callEvents !== null,
          clock,
          ...opts.analysis,
          onResult: (r) => {
            metrics?.analysisResult(r.result, r.costUsd);
            opts.analysis?.onResult?.(r);
          },
          onQueued: () => this.outbox?.kick(),
        })
      : null;
    this.recorder = new Recorder({
      store: opts.store,
      log: opts.log,
      batchMs: opts.batchMs,
      callEvents: callEvents !== null,
      ...(opts.instanceId ? { instanceId: opts.instanceId } : {}),
      clock,
      ...(opts.maxBufferedEvents !== undefined ? { maxBufferedEvents: opts.maxBufferedEvents } : {}),
      onDropped: (events) => metrics?.recordEventsDropped(events),
      onWritten: (info) => {
        metrics?.storeWritten(info.durationMs);
        if (info.outbox > 0) this.outbox?.kick();
        this.analysis?.kick();
      },
      onWriteFailed: () => metrics?.storeWriteFailed(),
      ...(opts.onFinish ? { onFinish: opts.onFinish } : {}),
    });
  }

  listCalls(query: CallQuery): Promise<CallPage> {
    return this.opts.store.listCalls(query);
  }

  stats(query: StatsQuery): Promise<CallStats> {
    return this.opts.store.stats(query);
  }

  async getCall(callId: string): Promise<CallDetail | null> {
    return (await this.recorder.detail(callId)) ?? (await this.opts.store.getCall(callId));
  }

  follow(callId: string, afterSeq: number, opts: { signal?: AbortSignal } = {}): AsyncIterable<TimelineEntry> {
    const { store, log } = this.opts;
    return followCall(
      { recorder: this.recorder, store, log, clock: this.clock, storePollMs: this.opts.storePollMs ?? 1_000 },
      callId,
      afterSeq,
      opts.signal,
    );
  }

  start(): void {
    this.recorder.start();
    this.outbox?.start();
    if (this.outbox && this.opts.store.kind === 'sqlite') {
      // One process per SQLite file: a lease still held was held by a run that died (kill -9). Its
      // events are due now, not when the lease runs out.
      this.opts.store
        .releaseAllLeases()
        .then((released) => {
          if (released > 0) this.opts.log.info({ released }, 'call events leased by a previous run are due again');
          this.outbox?.kick();
        })
        .catch((err: Error) => this.opts.log.warn({ err: err.message }, 'releasing call-event leases of a previous run failed'));
    }
    this.analysis?.start();
    this.stopRetention = startRetention({
      store: this.opts.store,
      days: this.opts.retentionDays,
      log: this.opts.log,
      clock: this.clock,
      ...(this.opts.purgeFiles ? { purgeFiles: this.opts.purgeFiles } : {}),
    });
  }

  /** Writes what is buffered, gives the outbox a last chance, and stops. The store stays open (its owner closes it). */
  async close(): Promise<void> {
    this.stopRetention();
    try {
      await this.recorder.close();
    } catch (err) {
      this.opts.log.error(
        { err: (err as Error).message, bufferedCalls: this.recorder.bufferedCalls },
        'final write of call records failed: they are lost',
      );
    }
    await this.analysis?.stop();
    this.outbox?.kick();
    await this.outbox?.stop();
  }
}
