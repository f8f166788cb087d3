// Which carrier hosts a REFER may go to. The Contact header is untrusted: a caller's
// own SIP server could put any host there and have us send the call (and its context)
// to it. Entries: IPv4/IPv6 addresses, CIDR networks, host names, `*.suffix` names.
import { BlockList, isIP } from 'node:net';

export type AllowListEntryCheck = { ok: true } | { ok: false; message: string };

const HOSTNAME = /^(\*\.)?[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$/;

export function checkAllowListEntry(entry: string): AllowListEntryCheck {
  const value = entry.trim().toLowerCase();
  const slash = value.indexOf('/');
  if (slash >= 0) {
    const address = value.slice(0, slash);
    const bitsText = value.slice(slash + 1);
    const family = isIP(address);
    const bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
    if (family === 0) return { ok: false, message: `"${entry}" is not a network: expected an address before the "/"` };
    if (!(bits >= 0 && bits <= (family === 4 ? 32 : 128)))
      return { ok: false, message: `"${entry}": the prefix length must be 0–${family === 4 ? 32 : 128}` };
    return { ok: true };
  }
  if (isIP(value) !== 0 || HOSTNAME.test(value)) return { ok: true };
  return { ok: false, message: `"${entry}" is not an IP address, a CIDR network or a host name` };
}

/** `::ffff:1.2.3.4` is the IPv4 host 1.2.3.4. */
function unmapIPv4(host: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  return m?.[1] ?? host;
}

export class HostAllowList {
  readonly entries: readonly string[];
  private readonly networks = new BlockList();
  private readonly names = new Set<string>();
  private readonly suffixes: string[] = [];

  /** Entries must have passed checkAllowListEntry. */
  constructor(entries: readonly string[]) {
    this.entries = entries;
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      const slash = entry.indexOf('/');
      if (slash >= 0) {
        const address = unmapIPv4(entry.slice(0, slash));
        this.networks.addSubnet(address, Number(entry.slice(slash + 1)), isIP(address) === 6 ? 'ipv6' : 'ipv4');
      } else if (isIP(entry) !== 0) {
        const address = unmapIPv4(entry);
        this.networks.addAddress(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
      } else if (entry.startsWith('*.')) {
        this.suffixes.push(entry.slice(1)); // keeps the dot: `*.example.net` does not match `badexample.net`
      } else {
        this.names.add(entry);
      }
    }
  }

  /** @param host a Contact host: lower-case, IPv6 without brackets. Names are never resolved. */
  allows(host: string): boolean {
    const value = unmapIPv4(
      host
        .trim()
        .toLowerCase()
        .replace(/^\[|\]$/g, ''),
    );
    const family = isIP(value);
    if (family !== 0) return this.networks.check(value, family === 6 ? 'ipv6' : 'ipv4');
    const name = value.replace(/\.$/, '');
    return this.names.has(name) || this.suffixes.some((s) => name.endsWith(s));
  }
}
