// Splits SIP header text on a separator that sits outside quoted strings and
// outside <...>, so `"Doe, J" <sip:a@b>, <sip:c@d>` yields two elements.

export function splitTopLevel(text: string, separator: ',' | ';'): string[] {
  const parts: string[] = [];
  let start = 0;
  let inQuotes = false;
  let inAngle = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '\\')
        i++; // quoted-pair: the next character is literal
      else if (ch === '"') inQuotes = false;
    } else if (inAngle) {
      if (ch === '>') inAngle = false;
    } else if (ch === '"') {
      inQuotes = true;
    } else if (ch === '<') {
      inAngle = true;
    } else if (ch === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Reads a quoted-string that starts at text[0]; null when it is not closed. */
export function readQuotedString(text: string): { value: string; end: number } | null {
  if (text[0] !== '"') return null;
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      const next = text[i + 1];
      if (next === undefined) return null;
      value += next;
      i++;
    } else if (ch === '"') {
      return { value, end: i + 1 };
    } else {
      value += ch;
    }
  }
  return null;
}
