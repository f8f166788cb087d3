import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.ts';
import { ManualClock } from '../testing/manual-clock.ts';
import type { TakenCall } from './coordination.ts';
import { type ReattachOutcome, TakeoverQueue } from './takeover-queue.ts';

const log = createLogger('silent');
const taken = (n: number): TakenCall[] =>
  Array.from({ length: n }, (_, i) => ({ callId: `rtc_${i}`, epoch: 2, previousOwner: 'dead', why: 'lost' }));

describe('TakeoverQueue', () => {
  it('re-attaches every call, never more than `concurrency` at once, each once', async () => {
    let running = 0;
    let most = 0;
    const seen: string[] = [];
    const settled: string[] = [];
    const queue = new TakeoverQueue({
      concurrency: 4,
      log,
      reattach: async (call) => {
        running++;
        most = Math.max(most, running);
        seen.push(call.callId);
        await new Promise((r) => setTimeout(r, 1));
        running--;
        return 'attached';
      },
      onSettled: (call, outcome) => settled.push(`${call.callId}:${outcome}`),
      onGaveUp: () => undefined,
    });
    queue.add(taken(20));
    queue.add(taken(3)); // already queued: not twice
    await queue.idle();
    expect(most).toBe(4);
    expect(seen.sort()).toEqual(
      taken(20)
        .map((c) => c.callId)
        .sort(),
    );
    expect(settled).toHaveLength(20);
    expect(queue.pending).toBe(0);
  });

  it('retries a transient failure with backoff, and gives up after maxAttempts', async () => {
    const clock = new ManualClock();
    const attempts = new Map<string, number>();
    const gaveUp: string[] = [];
    const outcomes: string[] = [];
    const queue = new TakeoverQueue({
      clock,
      maxAttempts: 3,
      log,
      reattach: async (call): Promise<ReattachOutcome> => {
        const n = (attempts.get(call.callId) ?? 0) + 1;
        attempts.set(call.callId, n);
        if (call.callId === 'rtc_0') return n === 2 ? 'attached' : 'retry';
        if (call.callId === 'rtc_1') throw new Error('store timeout');
        return 'ended';
      },
      onSettled: (call, outcome) => outcomes.push(`${call.callId}:${outcome}`),
      onGaveUp: (call) => gaveUp.push(call.callId),
    });
    queue.add(taken(3));
    const idle = queue.idle();
    await clock.advanceAsync(20_000);
    await idle;
    expect(Object.fromEntries(attempts)).toEqual({ rtc_0: 2, rtc_1: 3, rtc_2: 1 });
    expect(outcomes.sort()).toEqual(['rtc_0:attached', 'rtc_1:gave_up', 'rtc_2:ended']);
    expect(gaveUp).toEqual(['rtc_1']);
  });
});
