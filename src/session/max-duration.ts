// A hard cap on a call's length: a short goodbye, then hang up.
import type { Timer } from '../time/clock.ts';
import type { SessionExtensionFactory } from './session-extension.ts';

export interface MaxDurationOptions {
  maxMs: number;
  goodbyeMaxMs: number;
  goodbyeInstructions?: string;
}

export const defaultDurationGoodbye =
  'The call has reached its time limit. Apologise briefly, say goodbye, and invite the caller to call back.';

export function maxDuration(opts: MaxDurationOptions): SessionExtensionFactory {
  return (ctx) => {
    const gate = ctx.responses;
    let timer: Timer | null = null;
    let ended = false;
    return {
      onStart() {
        timer = ctx.clock.setTimeout(async () => {
          timer = null;
          if (ended) return;
          ctx.log.info({ callId: ctx.callId, maxMs: opts.maxMs }, 'call reached its maximum duration');
          gate.interrupt();
          await ctx.call.say(opts.goodbyeInstructions ?? defaultDurationGoodbye, opts.goodbyeMaxMs);
          await ctx.call.hangup('max_duration');
        }, opts.maxMs);
      },
      onEnd() {
        ended = true;
        timer?.cancel();
      },
    };
  };
}
