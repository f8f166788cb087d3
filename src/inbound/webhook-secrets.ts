import type { Config } from '../config/config.ts';

/** The secret before the last rotation while it is still accepted: until its expiry, or while it is set without one. */
export function previousSecretInForce(config: Pick<Config, 'previousWebhookSecret'>, nowMs: number): string | null {
  const previous = config.previousWebhookSecret;
  if (!previous) return null;
  return previous.untilMs === null || nowMs < previous.untilMs ? previous.secret : null;
}
