// Where a call may be transferred to, as configured (REFER_TO, a profile's destinations)
// or asked for (the operator API): an E.164 number, REFERred to the carrier edge, or a
// sip:/sips: URI with a user part, used as it is.
import { parseUri } from './sip-uri.ts';

const E164 = /^\+[1-9]\d{6,14}$/;
const SIP_URI = /^sips?:[^\s@]+@[^\s]+$/;

export const transferTargetProblem = 'expected an E.164 number like +19195554321 or a sip: URI like sip:+19195554321@host';

export function isTransferTarget(value: string): boolean {
  return E164.test(value) || (SIP_URI.test(value) && parseUri(value) !== null);
}
