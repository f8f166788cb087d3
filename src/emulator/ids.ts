// Identifiers shaped like OpenAI's, so log lines and parsers see familiar prefixes.
import { randomBytes } from 'node:crypto';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** `rtc_` + 32 hex characters, like the call ids OpenAI hands out for SIP calls. */
export const newCallId = (): string => `rtc_${hex(16)}`;
/** `live_` + 32 hex characters: the same SIP call's id on the GPT-Live surface. */
export const newLiveSessionId = (): string => `live_${hex(16)}`;
export const newWebhookEventId = (): string => `evt_${hex(16)}`;
export const newWebhookId = (): string => `wh_${hex(16)}`;
export const newServerEventId = (): string => `event_${hex(11)}`;
export const newResponseId = (): string => `resp_${hex(11)}`;
export const newItemId = (): string => `item_${hex(11)}`;
export const newFunctionCallId = (): string => `call_${hex(8)}`;
export const newConversationId = (): string => `conv_${hex(11)}`;
export const newDelegationId = (): string => `dlg_${hex(11)}`;
export const newRequestId = (): string => `req_${hex(16)}`;
export const randomHex = hex;
