import type { Logger } from '../log/logger.ts';
import { type Clock, systemClock, type Timer } from '../time/clock.ts';
import type { Store } from './store.ts';

export interface RetentionOptions {
  store: Store;
  /** Calls older than this are deleted; 0 keeps them forever. */
  days: number;
  log: Logger;
  everyMs?: number;
  clock?: Clock;
  /** Files that go with their calls (GPT-Live recordings): deleted with the same cutoff; returns how many. */
  purgeFiles?: (before: Date) => Promise<number>;
}

const dayMs = 86_400_000;

/** Purges old calls now and then every `everyMs` (default hourly). Returns a stop function. */
export function startRetention(opts: RetentionOptions): () => void {
  if (opts.days <= 0) return () => undefined;
  const clock = opts.clock ?? systemClock;
  let timer: Timer | null = null;
  let stopped = false;
  const run = async () => {
    const before = new Date(clock.epochMs() - opts.days * dayMs);
    try {
      const purged = { ...(await opts.store.purge(before)), recordings: (await opts.purgeFiles?.(before)) ?? 0 };
      if (purged.calls > 0 || purged.outbox > 0 || purged.recordings > 0)
        opts.log.info({ ...purged, before: before.toISOString(), retentionDays: opts.days }, 'old call records purged');
    } catch (err) {
      opts.log.error({ err: (err as Error).message }, 'purging old call records failed');
    }
    if (!stopped) timer = clock.setTimeout(() => void run(), opts.everyMs ?? 3_600_000).unref();
  };
  void run();
  return () => {
    stopped = true;
    timer?.cancel();
  };
}
