// Where a carrier will take a REFER: Bandwidth routes only sip: URIs on the INVITE's Contact host.
import type { SipHeader } from './invite-headers.ts';

export interface HostPort {
  host: string;
  port?: string | undefined;
}

/** host[:port] of a SIP URI (`sip:user@host:port;params`), IPv6 in brackets kept as is. */
export function uriHostPort(uri: string): HostPort | undefined {
  const m = /^sips?:(?:[^@]*@)?(\[[0-9a-fA-F:.]+\]|[^:;?>\s]+)(?::(\d+))?/i.exec(uri.trim());
  if (!m?.[1]) return undefined;
  return { host: m[1].toLowerCase(), port: m[2] };
}

/** The Contact header's URI host (name-addr or addr-spec, compact name `m`). */
export function contactHostPort(headers: readonly SipHeader[]): HostPort | undefined {
  const contact = headers.find((h) => ['contact', 'm'].includes(h.name.toLowerCase()));
  if (!contact) return undefined;
  const inBrackets = /<([^>]*)>/.exec(contact.value);
  return uriHostPort(inBrackets?.[1] ?? contact.value);
}

export const formatHostPort = (hp: HostPort): string => (hp.port ? `${hp.host}:${hp.port}` : hp.host);

/** Why Bandwidth would decline this REFER target, or undefined if it would take it. */
export function bandwidthReferProblem(targetUri: string, headers: readonly SipHeader[]): string | undefined {
  if (/^tel:/i.test(targetUri)) return 'Bandwidth does not support REFER to tel: URIs; use sip:+E164@<Contact host>';
  const contact = contactHostPort(headers);
  if (!contact) return undefined;
  const target = uriHostPort(targetUri);
  if (!target) return `cannot read the host of '${targetUri}'`;
  const sameHost = target.host === contact.host;
  const samePort = contact.port === undefined || target.port === contact.port;
  if (!sameHost || !samePort) {
    return `the REFER target host ${formatHostPort(target)} is not the INVITE's Contact host ${formatHostPort(contact)}`;
  }
  return undefined;
}
