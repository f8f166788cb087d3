export { type CallParties, type ContactHost, parseCallParties } from './call-parties.ts';
export { type HostPort, parseHostPort } from './host-port.ts';
export { parseAddress, parseAddressList, type SipAddress, splitHeaderValue } from './name-addr.ts';
export { normalizePhoneNumber } from './phone-number.ts';
export { buildReferTarget, type ReferTarget } from './refer-target.ts';
export { canonicalHeaderName, headerValues, type SipHeader } from './sip-header-list.ts';
export type { SipParams } from './sip-params.ts';
export { parseUri, type SipSchemeUri, type SipUri, type TelUri } from './sip-uri.ts';
export { isTransferTarget, transferTargetProblem } from './transfer-target.ts';
