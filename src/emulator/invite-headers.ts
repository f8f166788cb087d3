// Realistic sip_headers for a call that Bandwidth routes to OpenAI (names, order and forms as in the field).

import { randomInt, randomUUID } from 'node:crypto';
import type { RealtimeCallIncomingWebhookEvent } from 'openai/resources/webhooks/webhooks';
import { randomHex } from './ids.ts';

export type SipHeader = RealtimeCallIncomingWebhookEvent.Data.SipHeader;

/** Bandwidth's SBC address as it shows up in Via and Contact. */
export const bandwidthEdge = '67.231.5.176';

export interface InviteOptions {
  from: string;
  to: string;
  callerName?: string | undefined;
  contact?: string | undefined;
}

export function buildInviteHeaders(opts: InviteOptions): SipHeader[] {
  const display = opts.callerName ?? opts.from;
  return [
    { name: 'Via', value: `SIP/2.0/TLS ${bandwidthEdge}:5061;branch=z9hG4bK-524287-1---${randomHex(8)}` },
    { name: 'Max-Forwards', value: '69' },
    { name: 'From', value: `"${display.replaceAll('"', '')}" <sip:${opts.from}@${bandwidthEdge};user=phone>;tag=gK${randomHex(4)}` },
    { name: 'To', value: `<sip:${opts.to}@sip.api.openai.com>` },
    { name: 'Call-ID', value: `${randomUUID()}@${bandwidthEdge}` },
    { name: 'CSeq', value: `${randomInt(100_000, 999_999)} INVITE` },
    { name: 'Contact', value: opts.contact ?? `<sip:${opts.from}@${bandwidthEdge}:5061;transport=tls>` },
    { name: 'Allow', value: 'INVITE,ACK,BYE,CANCEL,OPTIONS,INFO,REFER,NOTIFY,PRACK,UPDATE' },
    { name: 'Supported', value: 'timer,replaces' },
    { name: 'Session-Expires', value: '1800;refresher=uac' },
    { name: 'P-Asserted-Identity', value: `<sip:${opts.from}@${bandwidthEdge};user=phone>` },
    { name: 'User-Agent', value: 'Bandwidth' },
    { name: 'Content-Type', value: 'application/sdp' },
  ];
}
