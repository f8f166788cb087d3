// The webhook event types Switchboard subscribes to: one per surface its agents use.
import type { WebhookCreateParams } from 'openai/resources/webhooks/webhooks';

export type SubscribableEventType = WebhookCreateParams['event_types'][number];
export type Surface = 'realtime' | 'live';

export const realtimeIncoming = 'realtime.call.incoming' satisfies SubscribableEventType;
// The SDK's event_types unions (create, update, test) omit GPT-Live's SIP event, which
// OpenAI takes on projects with GPT-Live SIP: typed as a member so it can be sent.
export const liveIncoming = 'live.transport.incoming' as SubscribableEventType;

export const eventTypeFor: Readonly<Record<Surface, SubscribableEventType>> = { realtime: realtimeIncoming, live: liveIncoming };

/** Realtime always (the default surface, and the one a Live project can fall back to); Live when an agent uses it. */
export function wantedEventTypes(surfaces: ReadonlySet<Surface>): SubscribableEventType[] {
  return surfaces.has('live') ? [realtimeIncoming, liveIncoming] : [realtimeIncoming];
}

export function sameEventTypes(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((t) => right.has(t));
}
