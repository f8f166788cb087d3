// Looks up headers in the webhook's `sip_headers` list by name, in any case and
// in compact form (RFC 3261 §7.3.3). The list is untrusted: malformed entries are skipped.
import type { RealtimeCallIncomingWebhookEvent } from 'openai/resources/webhooks/webhooks';

export type SipHeader = RealtimeCallIncomingWebhookEvent.Data.SipHeader;

const COMPACT_FORMS: Readonly<Record<string, string>> = {
  b: 'referred-by',
  c: 'content-type',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
  y: 'identity',
};

/** Lower-cased full header name; compact forms expanded. */
export function canonicalHeaderName(name: string): string {
  const lower = name.trim().toLowerCase();
  return Object.hasOwn(COMPACT_FORMS, lower) ? (COMPACT_FORMS[lower] ?? lower) : lower;
}

/** Values of every header named `name` (either form, any case), in list order. */
export function headerValues(headers: readonly SipHeader[] | null | undefined, name: string): string[] {
  if (!Array.isArray(headers)) return [];
  const wanted = canonicalHeaderName(name);
  const values: string[] = [];
  for (const entry of headers as readonly unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { name: entryName, value } = entry as Partial<Record<'name' | 'value', unknown>>;
    if (typeof entryName !== 'string' || typeof value !== 'string') continue;
    if (canonicalHeaderName(entryName) === wanted) values.push(value);
  }
  return values;
}
