// The User-to-User header (RFC 7433): opaque data for the far end, with its encoding.
//   User-to-User: 63616c6c3d7274635f31;encoding=hex
// RFC 7433 registers `hex`; carriers such as Bandwidth also take base64, which is not a
// SIP token (it has `/` and `=`), so it travels as a quoted string.

export type UuiEncoding = 'hex' | 'base64';

/** Cuts text to at most maxBytes of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--; // back off a continuation byte
  return new TextDecoder().decode(bytes.subarray(0, end));
}

export interface UserToUserOptions {
  encoding: UuiEncoding;
  /** Cap on the data before encoding (hex doubles it; base64 adds a third). */
  maxBytes: number;
  /** RFC 7433 `purpose` parameter, e.g. `isdn-uui`. */
  purpose?: string;
}

export function userToUserValue(data: string, opts: UserToUserOptions): string {
  const bytes = Buffer.from(truncateUtf8(data, opts.maxBytes), 'utf8');
  const encoded = opts.encoding === 'hex' ? bytes.toString('hex') : `"${bytes.toString('base64')}"`;
  return `${encoded};encoding=${opts.encoding}${opts.purpose ? `;purpose=${opts.purpose}` : ''}`;
}

/** Reads a User-to-User value back (for tests and the receiving side). */
export function decodeUserToUser(value: string): { data: string; encoding: string } | null {
  const m = /^("?)([^";]*)\1;encoding=(hex|base64)(?:;.*)?$/.exec(value);
  if (!m) return null;
  const encoding = m[3] as UuiEncoding;
  return { data: Buffer.from(m[2] ?? '', encoding).toString('utf8'), encoding };
}
