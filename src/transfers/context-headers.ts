// Context that travels with a transfer as headers on the REFER target, so the
// receiving system can show the person who picks up who is calling and why.
import type { CallParties } from '../sip/index.ts';
import type { UriHeader } from '../sip/uri-headers.ts';
import { truncateUtf8, type UuiEncoding, userToUserValue } from '../sip/user-to-user.ts';
import { callIdentity } from '../templates/call-variables.ts';
import type { Template } from '../templates/template.ts';

export const contextVariableNames = ['callId', 'reason', 'caller', 'dialed', 'destination', 'profile', 'business'] as const;

export interface ContextHeader {
  /** `User-to-User` or an `X-` header. */
  name: string;
  /** `text` (X- headers only): the value as it is, percent-encoded in the URI. */
  encoding: UuiEncoding | 'text';
  maxBytes: number;
  purpose?: string;
  value: Template;
}

export interface ContextInput {
  callId: string;
  reason: string;
  parties: CallParties;
  destination: string;
  profile: string;
  business: string;
}

export function contextHeaders(headers: readonly ContextHeader[], input: ContextInput): UriHeader[] {
  const identity = callIdentity(input);
  const lookup = (name: string): string | null => {
    if (name === 'reason') return input.reason;
    if (name === 'destination') return input.destination;
    return identity(name) ?? null;
  };
  return headers.map((h) => {
    const data = h.value.render(lookup);
    const value =
      h.encoding === 'text'
        ? truncateUtf8(data, h.maxBytes)
        : userToUserValue(data, { encoding: h.encoding, maxBytes: h.maxBytes, ...(h.purpose ? { purpose: h.purpose } : {}) });
    return { name: h.name, value };
  });
}

/** What the model says the reason is: one printable line, short. */
export function cleanReason(value: unknown, maxChars = 200): string {
  if (typeof value !== 'string') return '';
  const flat = value
    .replace(/[\x00-\x1f\x7f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > maxChars ? flat.slice(0, maxChars) : flat;
}
