// Headers carried in a SIP URI (RFC 3261 §19.1.1, §25.1): `sip:user@host;params?Name=value&Other=value`.
// A REFER target's headers end up in the INVITE the carrier sends to the transfer target.

// hnv-unreserved / unreserved: everything else in a header name or value is %-escaped.
const SAFE = /[A-Za-z0-9\-_.!~*'()[\]/?:+$]/;

/** Percent-encodes a header name or value as RFC 3261 `hname` / `hvalue` require (UTF-8, upper-case hex). */
export function escapeUriHeaderPart(text: string): string {
  let out = '';
  for (const ch of text) {
    if (SAFE.test(ch)) out += ch;
    else for (const byte of new TextEncoder().encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export interface UriHeader {
  name: string;
  value: string;
}

/** Appends headers to a SIP URI, after any it already carries. */
export function withUriHeaders(uri: string, headers: readonly UriHeader[]): string {
  if (headers.length === 0) return uri;
  const query = headers.map((h) => `${escapeUriHeaderPart(h.name)}=${escapeUriHeaderPart(h.value)}`).join('&');
  return `${uri}${uri.includes('?') ? '&' : '?'}${query}`;
}
