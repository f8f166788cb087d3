import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { OutboxWorker, type OutboxWorkerOptions } from '../outbox/outbox-worker.ts';
import { systemClock, type Clock } from '../time/clock.ts';
import { Recorder } from './recorder.ts';
import { startRetention } from './retention.ts';
import type { Store } from './store.ts';

export interface RecordsServiceOptions {
  store: Store;
  log: Logger;
  batchMs: number;
  retentionDays: number;
  /** CALL_EVENTS_*: null when call-event webhooks are off. */
  callEvents: { url: string; secret: string; maxAttempts: number; timeoutMs: number } | null;
  metrics?: Metrics;
  clock?: Clock;
  /** Overrides for the delivery worker (tests: fetch, backoff). */
  outbox?: Partial<OutboxWorkerOptions>;
}

/** Records, their retention and the call-event outbox, started and stopped together. */
export class RecordsService {
  readonly recorder: Recorder;
  readonly outbox: OutboxWorker | null;
  private readonly opts: RecordsServiceOptions;
  private stopRetention: () => void = () => undefined;

  constructor(opts: RecordsServiceOptions) {
    this.opts = opts;
    const { metrics, callEvents } = opts;
    const clock = opts.clock ?? systemClock;
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
    this.recorder = new Recorder({
      store: opts.store,
      log: opts.log,
      batchMs: opts.batchMs,
      callEvents: callEvents !== null,
      clock,
      onWritten: (info) => {
        metrics?.storeWritten(info.durationMs);
        if (info.outbox > 0) this.outbox?.kick();
      },
      onWriteFailed: () => metrics?.storeWriteFailed(),
    });
  }

  start(): void {
    this.recorder.start();
    this.outbox?.start();
    this.stopRetention = startRetention({ store: this.opts.store, days: this.opts.retentionDays, log: this.opts.log, ...(this.opts.clock ? { clock: this.opts.clock } : {}) });
  }

  /** Writes what is buffered, gives the outbox a last chance, and stops. The store stays open (its owner closes it). */
  async close(): Promise<void> {
    this.stopRetention();
    try {
      await this.recorder.close();
    } catch (err) {
      this.opts.log.error({ err: (err as Error).message, bufferedCalls: this.recorder.bufferedCalls }, 'final write of call records failed: they are lost');
    }
    this.outbox?.kick();
    await this.outbox?.stop();
  }
}
