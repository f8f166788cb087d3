// Address header values (From, To, Contact, P-Asserted-Identity, Diversion,
// History-Info): name-addr or addr-spec plus header params (RFC 3261 §20.10, §25.1).
import { parseParams, type SipParams } from './sip-params.ts';
import { parseUri, type SipUri } from './sip-uri.ts';
import { readQuotedString, splitTopLevel } from './split-top-level.ts';

export interface SipAddress {
  displayName: string | null;
  uri: SipUri;
  /** Header params such as `tag` or `expires`, not the URI's own params. */
  params: SipParams;
}

/** The non-empty comma-separated elements of a header value, trimmed. */
export function splitHeaderValue(value: string): string[] {
  if (typeof value !== 'string') return [];
  return splitTopLevel(value, ',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** Parses the first element of a header value; null when it is malformed. */
export function parseAddress(value: string): SipAddress | null {
  const first = splitHeaderValue(value)[0];
  return first === undefined ? null : parseSingleAddress(first);
}

/** Parses every element of a header value, in order, skipping malformed ones. */
export function parseAddressList(value: string): SipAddress[] {
  const addresses: SipAddress[] = [];
  for (const part of splitHeaderValue(value)) {
    const address = parseSingleAddress(part);
    if (address !== null) addresses.push(address);
  }
  return addresses;
}

function parseSingleAddress(text: string): SipAddress | null {
  let rest = text.trim();
  let displayName: string | null = null;

  if (rest.startsWith('"')) {
    const quoted = readQuotedString(rest);
    if (quoted === null) return null;
    displayName = quoted.value === '' ? null : quoted.value;
    rest = rest.slice(quoted.end).trimStart();
    if (!rest.startsWith('<')) return null; // a quoted name needs <uri>
  }

  const open = rest.indexOf('<');
  if (open < 0) {
    // addr-spec: everything after the first `;` is a header param (§20.10).
    const semi = rest.indexOf(';');
    const uri = parseUri(semi < 0 ? rest : rest.slice(0, semi));
    if (uri === null) return null;
    return { displayName: null, uri, params: parseParams(semi < 0 ? '' : rest.slice(semi + 1)) };
  }

  if (open > 0) {
    const token = rest.slice(0, open).trim();
    if (/["<>]/.test(token)) return null;
    displayName = token.replace(/\s+/g, ' ');
  }
  const close = rest.indexOf('>', open + 1);
  if (close < 0) return null;
  const uri = parseUri(rest.slice(open + 1, close));
  if (uri === null) return null;
  const after = rest.slice(close + 1).trim();
  if (after !== '' && !after.startsWith(';')) return null;
  return { displayName, uri, params: parseParams(after.slice(1)) };
}
