// What counts as a phone number in a SIP user part or tel: URI.

const VISUAL_SEPARATORS = /[-.()]/g; // RFC 3966 visual-separator
const PHONE_NUMBER = /^\+?[0-9]{3,}$/;

/** `+1 (919) 555-1234`-style text without spaces → `+19195551234`; null when not a number. */
export function normalizePhoneNumber(raw: string): string | null {
  if (typeof raw !== 'string') return null;
  const digits = raw.trim().replace(VISUAL_SEPARATORS, '');
  return PHONE_NUMBER.test(digits) ? digits : null;
}
