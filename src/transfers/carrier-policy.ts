// Where a transfer to a phone number goes: the carrier edge from the INVITE's Contact,
// but only when that host is on the allow-list; otherwise the configured fallback host.
import type { HostAllowList } from '../sip/host-allow-list.ts';
import { buildReferTarget, type ContactHost } from '../sip/index.ts';

export interface CarrierPolicy {
  /** null: every Contact host is trusted (the environment-only behaviour). */
  allowList: HostAllowList | null;
  fallbackHost: string | null;
}

export type CarrierTarget =
  | { ok: true; uri: string; contactRefused: boolean }
  | { ok: false; reason: 'no_host' | 'bad_target'; contactRefused: boolean };

/** @param to E.164 number or sip: URI (a configured sip: URI is used as it is). */
export function carrierTarget(to: string, contact: ContactHost | null, policy: CarrierPolicy): CarrierTarget {
  const contactRefused = contact !== null && policy.allowList !== null && !policy.allowList.allows(contact.host);
  const target = buildReferTarget(to, contactRefused ? null : contact, policy.fallbackHost);
  return target.ok ? { ok: true, uri: target.uri, contactRefused } : { ok: false, reason: target.reason, contactRefused };
}
