import { type Clock, systemClock, type Timer } from '../time/clock.ts';

export interface AnswerFirstOptions {
  /** The longest a control socket's set-up waits behind answers, so a flood never starves it. */
  maxDelayMs?: number;
  clock?: Clock;
  /** A set-up that threw: reported, and the rest go on. */
  onError?: (err: unknown) => void;
}

/**
 * Accepts go before control-socket set-ups. A caller rings until the accept; a set-up delayed by
 * a few milliseconds only delays the greeting. So while any webhook is being answered (verified,
 * planned, claimed, up to its accept request), set-ups wait; then they run one per event-loop
 * turn, so webhooks that arrive in between are answered before the next TLS handshake starts.
 */
export class AnswerFirst {
  private answering = 0;
  private readonly queue: Array<{ run: () => void; since: number }> = [];
  private scheduled = false;
  private overdue: Timer | null = null;
  private readonly maxDelayMs: number;
  private readonly clock: Clock;
  private readonly onError: (err: unknown) => void;

  constructor(opts: AnswerFirstOptions = {}) {
    this.maxDelayMs = opts.maxDelayMs ?? 250;
    this.clock = opts.clock ?? systemClock;
    this.onError = opts.onError ?? (() => {});
  }

  /** A webhook is being answered; the returned function (safe to call twice) says it is done. */
  begin(): () => void {
    this.answering++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.answering === 0) this.schedule();
    };
  }

  /** Runs a control socket's set-up once no answer is under way (or it has waited maxDelayMs). */
  defer(run: () => void): void {
    this.queue.push({ run, since: this.clock.now() });
    this.schedule();
  }

  get waiting(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(this.drain);
  }

  private readonly drain = (): void => {
    this.scheduled = false;
    const head = this.queue[0];
    if (!head) return;
    const waitedMs = this.clock.now() - head.since;
    if (this.answering > 0 && waitedMs < this.maxDelayMs) {
      // The last answer to finish schedules the next drain; the timer bounds the wait.
      this.overdue ??= this.clock
        .setTimeout(() => {
          this.overdue = null;
          this.schedule();
        }, this.maxDelayMs - waitedMs)
        .unref();
      return;
    }
    this.overdue?.cancel();
    this.overdue = null;
    this.queue.shift();
    try {
      head.run();
    } catch (err) {
      this.onError(err);
    }
    this.schedule();
  };
}
