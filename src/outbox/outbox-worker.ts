import type { Logger } from '../log/logger.ts';
import { backoffMs } from '../time/backoff.ts';
import { type Clock, systemClock, type Timer } from '../time/clock.ts';
import type { OutboxDelivery, OutboxStore } from './outbox-store.ts';
import { signatureHeaders } from './sign.ts';

export type DeliveryResult = 'delivered' | 'retry' | 'dead';

export interface OutboxWorkerOptions {
  store: OutboxStore;
  url: string;
  /** whsec_… (Standard Webhooks secret). */
  secret: string;
  log: Logger;
  fetch?: typeof fetch;
  clock?: Clock;
  /** How often the outbox is checked when nothing kicks it. */
  pollMs?: number;
  timeoutMs?: number;
  /** A claimed message another instance may take over after this (the holder died). Longer than timeoutMs. */
  leaseMs?: number;
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  batchSize?: number;
  random?: () => number;
  onAttempt?: (info: { type: string; result: DeliveryResult; status: number | null; durationMs: number }) => void;
}

/**
 * Delivers the outbox: at least once, under each message's stable id, with
 * exponential backoff between attempts. State lives in the store, so a restart
 * (or another instance, on PostgreSQL) carries on where this one stopped.
 */
export class OutboxWorker {
  private readonly opts: Required<Omit<OutboxWorkerOptions, 'onAttempt' | 'random'>> & Pick<OutboxWorkerOptions, 'onAttempt' | 'random'>;
  private timer: Timer | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private readonly inFlight = new Map<string, AbortController>();

  constructor(opts: OutboxWorkerOptions) {
    this.opts = {
      fetch: globalThis.fetch,
      clock: systemClock,
      pollMs: 1_000,
      timeoutMs: 10_000,
      leaseMs: 60_000,
      maxAttempts: 20,
      retryBaseMs: 1_000,
      retryMaxMs: 15 * 60_000,
      batchSize: 20,
      ...opts,
    };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.kick();
  }

  /** New messages were written: look now instead of at the next poll. */
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

  /** Stops claiming; in-flight attempts get up to waitMs, then are aborted and left for the next start. */
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
        const claimed = await this.opts.store.claimOutbox({
          now: new Date(this.opts.clock.epochMs()),
          limit: this.opts.batchSize,
          leaseMs: this.opts.leaseMs,
        });
        if (claimed.length === 0) return;
        await Promise.all(claimed.map((m) => this.deliver(m)));
        if (claimed.length < this.opts.batchSize) return;
      }
    } catch (err) {
      this.opts.log.error({ err: (err as Error).message }, 'call-event outbox: store unavailable');
    }
  }

  private async deliver(m: OutboxDelivery): Promise<void> {
    const attempt = m.attempts + 1;
    const controller = new AbortController();
    this.inFlight.set(m.id, controller);
    const started = this.opts.clock.now();
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await this.opts.fetch(this.opts.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'switchboard-call-events',
          ...signatureHeaders(this.opts.secret, m.id, m.payload, new Date(this.opts.clock.epochMs())),
        },
        body: m.payload,
        signal: AbortSignal.any([controller.signal, AbortSignal.timeout(this.opts.timeoutMs)]),
        redirect: 'manual',
      });
      status = res.status;
      await res.body?.cancel().catch(() => undefined); // only the status counts: a receiver's body is never read
      if (!res.ok) error = `HTTP ${res.status}`;
    } catch (err) {
      error = (err as Error).message || 'network error';
    } finally {
      this.inFlight.delete(m.id);
    }
    const durationMs = this.opts.clock.now() - started;
    const fields = { callId: m.callId, eventType: m.type, webhookId: m.id, attempt, status };
    try {
      if (error === null) {
        await this.opts.store.markDelivered(m.id, new Date(this.opts.clock.epochMs()));
        this.opts.log.info(fields, 'call event delivered');
        this.opts.onAttempt?.({ type: m.type, result: 'delivered', status, durationMs });
      } else if (controller.signal.aborted) {
        await this.opts.store.releaseLeases([m.id]); // not the receiver's fault: not counted as an attempt
      } else if (attempt >= this.opts.maxAttempts) {
        await this.opts.store.markDead(m.id, { attempts: attempt, error });
        this.opts.log.error({ ...fields, err: error }, 'call event undeliverable: giving up');
        this.opts.onAttempt?.({ type: m.type, result: 'dead', status, durationMs });
      } else {
        const delayMs = backoffMs(attempt, {
          baseMs: this.opts.retryBaseMs,
          maxMs: this.opts.retryMaxMs,
          ...(this.opts.random ? { random: this.opts.random } : {}),
        });
        await this.opts.store.markRetry(m.id, { attempts: attempt, nextAttemptAt: new Date(this.opts.clock.epochMs() + delayMs), error });
        this.opts.log.warn({ ...fields, err: error, retryInMs: delayMs }, 'call event delivery failed; will retry');
        this.opts.onAttempt?.({ type: m.type, result: 'retry', status, durationMs });
      }
    } catch (err) {
      // The lease runs out and the message is tried again: at least once.
      this.opts.log.error({ ...fields, err: (err as Error).message }, 'call-event outbox: cannot record the attempt');
    }
  }
}
