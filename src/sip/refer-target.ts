// The SIP URI a REFER sends the call to. Bandwidth refuses tel: targets; it wants
// sip:+E164@<its own edge>, the edge being the INVITE's Contact host.
import type { ContactHost } from './call-parties.ts';
import { parseHostPort } from './host-port.ts';
import { normalizePhoneNumber } from './phone-number.ts';
import { parseUri } from './sip-uri.ts';

/** no_host: no Contact and no usable fallback; bad_target: referTo is neither a valid sip(s): URI nor a number. */
export type ReferTarget = { ok: true; uri: string } | { ok: false; reason: 'no_host' | 'bad_target' };

/**
 * @param referTo a `sip:`/`sips:` URI (returned as is, trimmed) or a phone number (`+19195554321`, `tel:+1-919-555-4321`)
 * @param fallbackHost `host[:port]` (IPv6 as `[v6]:port`) used when there is no Contact
 */
export function buildReferTarget(referTo: string, contact: ContactHost | null, fallbackHost?: string | null): ReferTarget {
  if (typeof referTo !== 'string') return { ok: false, reason: 'bad_target' };
  const target = referTo.trim();
  if (/^sips?:/i.test(target)) {
    return parseUri(target) === null ? { ok: false, reason: 'bad_target' } : { ok: true, uri: target };
  }

  const number = normalizePhoneNumber(target.replace(/^tel:/i, ''));
  if (number === null) return { ok: false, reason: 'bad_target' };

  if (contact !== null && contact !== undefined) {
    const transport = contact.transport ? `;transport=${contact.transport}` : '';
    return { ok: true, uri: `sip:${number}@${contact.hostPort}${transport}` };
  }
  const fallback = typeof fallbackHost === 'string' ? parseHostPort(fallbackHost) : null;
  if (fallback === null) return { ok: false, reason: 'no_host' };
  return { ok: true, uri: `sip:${number}@${fallback.hostPort}` };
}
