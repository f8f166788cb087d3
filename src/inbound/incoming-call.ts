// The two webhooks that announce a SIP call, one per surface, seen as one shape.
import type { LiveTransportIncomingWebhookEvent, RealtimeCallIncomingWebhookEvent } from 'openai/resources/webhooks/webhooks';
import type { Surface } from '../openai/surface.ts';
import type { SipHeader } from '../sip/index.ts';

export type IncomingCallEvent = RealtimeCallIncomingWebhookEvent | LiveTransportIncomingWebhookEvent;

export interface IncomingCall {
  /** The API this webhook offers the call on. */
  surface: Surface;
  /** rtc_… (Realtime) or live_… (Live): the id that surface's API answers to. */
  callId: string;
  sipHeaders: readonly SipHeader[];
}

export function incomingCall(event: IncomingCallEvent): IncomingCall {
  return event.type === 'live.transport.incoming'
    ? { surface: 'live', callId: event.data.session_id, sipHeaders: event.data.sip_headers }
    : { surface: 'realtime', callId: event.data.call_id, sipHeaders: event.data.sip_headers };
}
