export { parseCallParties, type CallParties, type ContactHost } from './call-parties.ts';
export { parseHostPort, type HostPort } from './host-port.ts';
export { parseAddress, parseAddressList, splitHeaderValue, type SipAddress } from './name-addr.ts';
export { normalizePhoneNumber } from './phone-number.ts';
export { buildReferTarget, type ReferTarget } from './refer-target.ts';
export { isTransferTarget, transferTargetProblem } from './transfer-target.ts';
export { canonicalHeaderName, headerValues, type SipHeader } from './sip-header-list.ts';
export type { SipParams } from './sip-params.ts';
export { parseUri, type SipSchemeUri, type SipUri, type TelUri } from './sip-uri.ts';
