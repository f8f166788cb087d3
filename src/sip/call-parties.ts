// Who is calling, which number they dialed, and where the carrier's edge is
// (the Contact host, the target of a REFER), from the INVITE's headers.
import { parseAddress, parseAddressList, type SipAddress } from './name-addr.ts';
import { normalizePhoneNumber } from './phone-number.ts';
import { headerValues, type SipHeader } from './sip-header-list.ts';

export interface ContactHost {
  /** Lower-cased; an IPv6 address without brackets. */
  host: string;
  port: number | null;
  /** e.g. `67.231.5.176:5061`, `[2001:db8::1]:5060`, `gw1.trunk.example.net`. */
  hostPort: string;
  /** Lower-cased `transport` URI param, only when it is a known transport (udp, tcp, tls, sctp, ws, wss). */
  transport: string | null;
}

export interface CallParties {
  caller: string | null;
  dialed: string | null;
  sipCallId: string | null;
  contact: ContactHost | null;
}

// A transport the REFER target may name (RFC 3261, RFC 4168, RFC 7118); anything else is dropped, not passed on.
const knownTransports = new Set(['udp', 'tcp', 'tls', 'sctp', 'ws', 'wss']);

export function parseCallParties(headers: readonly SipHeader[] | null | undefined): CallParties {
  return {
    caller: firstAddressPhone(headers, 'from') ?? assertedIdentityPhone(headers),
    dialed: firstAddressPhone(headers, 'to') ?? firstAddressPhone(headers, 'diversion') ?? firstAddressPhone(headers, 'history-info'),
    sipCallId: callId(headers),
    contact: contactHost(headers),
  };
}

function firstAddress(headers: readonly SipHeader[] | null | undefined, name: string): SipAddress | null {
  const value = headerValues(headers, name)[0];
  return value === undefined ? null : parseAddress(value);
}

function firstAddressPhone(headers: readonly SipHeader[] | null | undefined, name: string): string | null {
  const address = firstAddress(headers, name);
  return address === null ? null : addressPhone(address);
}

// RFC 3325 allows a sip and a tel identity; take the first that is a number.
function assertedIdentityPhone(headers: readonly SipHeader[] | null | undefined): string | null {
  for (const value of headerValues(headers, 'p-asserted-identity')) {
    for (const address of parseAddressList(value)) {
      const phone = addressPhone(address);
      if (phone !== null) return phone;
    }
  }
  return null;
}

function addressPhone(address: SipAddress): string | null {
  const user = address.uri.user;
  if (user === null) return null;
  // A user part may carry telephone-subscriber params: `+15551234;npdi`.
  const semi = user.indexOf(';');
  return normalizePhoneNumber(semi < 0 ? user : user.slice(0, semi));
}

function callId(headers: readonly SipHeader[] | null | undefined): string | null {
  const value = headerValues(headers, 'call-id')[0]?.trim();
  if (value === undefined || value === '' || /[\s\x00-\x1f\x7f]/.test(value)) return null;
  return value;
}

function contactHost(headers: readonly SipHeader[] | null | undefined): ContactHost | null {
  const address = firstAddress(headers, 'contact');
  if (address === null || address.uri.scheme === 'tel') return null;
  const { host, port, hostPort, params } = address.uri;
  const transport = params.transport?.toLowerCase() ?? null;
  return { host, port, hostPort, transport: transport !== null && knownTransports.has(transport) ? transport : null };
}
