import type { AnswerOutcome } from '../pickup/answer-call.ts';

export interface DedupeOptions {
  /** How long an answered delivery is remembered, so late retries get the same answer. */
  ttlMs: number;
  maxEntries?: number;
}

/**
 * Remembers each delivery by webhook-id and by call_id: a duplicate joins the
 * first one's outcome instead of accepting again. A failed answer is forgotten
 * at once, so OpenAI's retry gets a fresh try.
 */
export class DeliveryDedupe {
  private readonly entries = new Map<string, Promise<AnswerOutcome>>();
  private readonly opts: Required<DedupeOptions>;

  constructor(opts: DedupeOptions) {
    this.opts = { maxEntries: 100_000, ...opts };
  }

  get size(): number {
    return this.entries.size;
  }

  /** Runs handle() once per call; a duplicate gets the same promise. */
  run(keys: readonly string[], handle: () => Promise<AnswerOutcome>): { answer: Promise<AnswerOutcome>; duplicate: boolean } {
    for (const key of keys) {
      const existing = this.entries.get(key);
      if (existing) return { answer: existing, duplicate: true };
    }
    const answer = handle();
    for (const key of keys) this.entries.set(key, answer);
    const forget = () => {
      for (const key of keys) if (this.entries.get(key) === answer) this.entries.delete(key);
    };
    answer.then((outcome) => {
      if (outcome.kind === 'failed' || outcome.kind === 'retry') return forget();
      setTimeout(forget, this.opts.ttlMs).unref();
    }, forget);
    this.evictOverflow();
    return { answer, duplicate: false };
  }

  clear(): void {
    this.entries.clear();
  }

  private evictOverflow(): void {
    // Map keeps insertion order, so the oldest go first.
    while (this.entries.size > this.opts.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}
