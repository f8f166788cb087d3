// SIP, SIPS (RFC 3261 §19.1, §25.1) and TEL (RFC 3966) URIs.
import { parseHostPort } from './host-port.ts';
import { parseParams, type SipParams } from './sip-params.ts';

export interface SipSchemeUri {
  scheme: 'sip' | 'sips';
  /** Percent-decoded; may carry telephone-subscriber params (`+1555;npdi`). */
  user: string | null;
  password: string | null;
  /** Lower-cased; an IPv6 address without brackets. */
  host: string;
  port: number | null;
  /** `host[:port]`, IPv6 in brackets, e.g. `[2001:db8::1]:5060`. */
  hostPort: string;
  params: SipParams;
}

export interface TelUri {
  scheme: 'tel';
  /** The telephone-subscriber number, visual separators kept (RFC 3261 §19.1.6 maps it to a user part). */
  user: string;
  params: SipParams;
}

export type SipUri = SipSchemeUri | TelUri;

const NO_PARAMS: SipParams = Object.freeze(Object.create(null));
const TEL_NUMBER = /^(?:\+[0-9().-]*[0-9][0-9().-]*|[0-9a-f*#().-]*[0-9a-f*#][0-9a-f*#().-]*)$/i;

/** Parses one URI (no angle brackets, no header params); null when malformed or another scheme. */
export function parseUri(text: string): SipUri | null {
  if (typeof text !== 'string') return null;
  const value = text.trim();
  // Whitespace and control characters never occur in a URI.
  if (value === '' || /[\s\x00-\x1f\x7f<>"]/.test(value)) return null;
  const colon = value.indexOf(':');
  if (colon < 0) return null;
  const scheme = value.slice(0, colon).toLowerCase();
  const rest = value.slice(colon + 1);
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(scheme, rest);
  if (scheme === 'tel') return parseTelUri(rest);
  return null;
}

function parseSipUri(scheme: 'sip' | 'sips', rest: string): SipSchemeUri | null {
  // userinfo ends at the first `@`; an `@` after `?` belongs to URI headers.
  const at = rest.indexOf('@');
  const question = rest.indexOf('?');
  let user: string | null = null;
  let password: string | null = null;
  let hostPart = rest;
  if (at >= 0 && (question < 0 || at < question)) {
    const userinfo = rest.slice(0, at);
    hostPart = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    user = percentDecode(colon < 0 ? userinfo : userinfo.slice(0, colon));
    password = colon < 0 ? null : percentDecode(userinfo.slice(colon + 1));
    if (user === '') return null;
  }

  const hostEnd = hostPart.search(/[;?]/);
  const hostPort = parseHostPort(hostEnd < 0 ? hostPart : hostPart.slice(0, hostEnd));
  if (hostPort === null) return null;

  let params = NO_PARAMS;
  if (hostEnd >= 0 && hostPart[hostEnd] === ';') {
    const headersStart = hostPart.indexOf('?', hostEnd);
    params = parseParams(hostPart.slice(hostEnd + 1, headersStart < 0 ? undefined : headersStart));
  }
  return { scheme, user, password, ...hostPort, params };
}

function parseTelUri(rest: string): TelUri | null {
  const semi = rest.indexOf(';');
  const user = semi < 0 ? rest : rest.slice(0, semi);
  if (!TEL_NUMBER.test(user)) return null;
  return { scheme: 'tel', user, params: semi < 0 ? NO_PARAMS : parseParams(rest.slice(semi + 1)) };
}

function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a stray `%` is kept as written
  }
}
