import { headerValues, parseAddress, type SipHeader } from '../sip/index.ts';
import type { CallKeys } from './coordination.ts';

/**
 * The keys an incoming call is claimed on: its call id, and the SIP dialog's Call-ID with the
 * From tag (RFC 3261 §12), which every webhook of one SIP call carries whatever its surface.
 * Without a Call-ID the call id alone decides.
 */
export function callKeys(callId: string, sipHeaders: readonly SipHeader[] | null | undefined): CallKeys {
  const sipCallId = headerValues(sipHeaders, 'call-id')[0]?.trim();
  if (!sipCallId || /[\s\x00-\x1f\x7f]/.test(sipCallId)) return { callId, correlationKey: null };
  const from = headerValues(sipHeaders, 'from')[0];
  const tag = from === undefined ? undefined : parseAddress(from)?.params.tag;
  return { callId, correlationKey: `${sipCallId};${tag ?? ''}`.slice(0, 512) };
}
