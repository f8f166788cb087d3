import type { SqlDriver, SqlValue } from './sql-driver.ts';

interface Queued {
  sql: string;
  params: readonly SqlValue[];
  done: (changed: number) => void;
  fail: (err: unknown) => void;
}

/**
 * Writes that need not commit the moment they are asked for (a claim marked live, a call's claim
 * ended: both off the answer path) share one transaction: those queued within windowMs commit
 * together. On SQLite a commit costs far more than the statement in it (the bench's profile: three
 * commits a call were most of the store's CPU). Each write still resolves to its own row count,
 * and one that fails rejects alone: the others commit.
 */
export class CommitGroup {
  private readonly driver: SqlDriver;
  private readonly windowMs: number;
  private queue: Queued[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(driver: SqlDriver, windowMs: number) {
    this.driver = driver;
    this.windowMs = windowMs;
  }

  run(sql: string, params: readonly SqlValue[]): Promise<number> {
    return new Promise((done, fail) => {
      this.queue.push({ sql, params, done, fail });
      // A real timer, not the injected clock: this is batching of I/O, not business time.
      this.timer ??= setTimeout(() => void this.flush(), this.windowMs);
    });
  }

  /** Commits what is queued now (close calls it). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return this.flushing;
    const run = this.flushing.then(() => this.commit(batch));
    this.flushing = run;
    return run;
  }

  private async commit(batch: Queued[]): Promise<void> {
    const results: Array<{ ok: true; changed: number } | { ok: false; err: unknown }> = [];
    try {
      await this.driver.transaction(async (tx) => {
        for (const w of batch) {
          // SQLite rolls back only the failed statement: the transaction and the others go on.
          results.push(
            await tx.run(w.sql, w.params).then(
              (changed) => ({ ok: true as const, changed }),
              (err: unknown) => ({ ok: false as const, err }),
            ),
          );
        }
      });
    } catch (err) {
      for (const w of batch) w.fail(err);
      return;
    }
    batch.forEach((w, i) => {
      const r = results[i]!;
      if (r.ok) w.done(r.changed);
      else w.fail(r.err);
    });
  }
}
