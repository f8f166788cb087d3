// The hostport of a SIP URI (RFC 3261 §25.1): hostname, IPv4 or [IPv6], optional port.
import { isIPv4, isIPv6 } from 'node:net';

export interface HostPort {
  /** Lower-cased; an IPv6 address without its brackets. */
  host: string;
  port: number | null;
  /** `host[:port]` as it goes into a SIP URI: IPv6 keeps its brackets. */
  hostPort: string;
}

const HOSTNAME = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*\.?$/;
const IPV6_CHARS = /^[0-9a-f:.]+$/;

export function parseHostPort(text: string): HostPort | null {
  if (typeof text !== 'string') return null;
  const value = text.trim().toLowerCase();
  let host: string;
  let hostRef: string;
  let portText: string | null = null;

  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    if (close < 0) return null;
    host = value.slice(1, close);
    if (!IPV6_CHARS.test(host) || !isIPv6(host)) return null;
    hostRef = `[${host}]`;
    const after = value.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return null;
      portText = after.slice(1);
    }
  } else {
    const parts = value.split(':');
    if (parts.length > 2) return null; // e.g. an IPv6 address without brackets
    host = parts[0] ?? '';
    portText = parts[1] ?? null;
    if (/^[0-9.]+$/.test(host)) {
      // All digits and dots: only an IPv4 address is valid (no TLD is numeric).
      if (!isIPv4(host)) return null;
    } else if (host.length > 253 || !HOSTNAME.test(host)) {
      return null;
    }
    hostRef = host;
  }

  let port: number | null = null;
  if (portText !== null) {
    if (!/^[0-9]{1,5}$/.test(portText)) return null;
    port = Number(portText);
    if (port < 1 || port > 65535) return null;
  }
  return { host, port, hostPort: port === null ? hostRef : `${hostRef}:${port}` };
}
